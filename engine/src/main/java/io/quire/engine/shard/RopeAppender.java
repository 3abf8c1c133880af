package io.quire.engine.shard;

import io.quire.engine.ot.Rope;
import io.quire.journal.snapshot.CharChunkConsumer;

/**
 * Appends streamed text (a snapshot being loaded) to a rope. Chunks may end between the two halves of a surrogate
 * pair; the rope only takes well-formed text, so a trailing high surrogate waits for the next chunk.
 */
public final class RopeAppender implements CharChunkConsumer
{
    private final Rope rope;
    private char pendingHigh;
    private boolean pending;
    private final char[] pair = new char[2];

    /**
     * @param rope the rope to append to.
     */
    public RopeAppender(final Rope rope)
    {
        this.rope = rope;
    }

    @Override
    public void accept(final char[] chars, final int offset, final int length)
    {
        int start = offset;
        int end = offset + length;
        if (length == 0)
        {
            return;
        }
        if (pending)
        {
            pair[0] = pendingHigh;
            pair[1] = chars[start];
            rope.insert(rope.length(), pair, 0, 2);
            pending = false;
            start++;
        }
        if (end > start && Character.isHighSurrogate(chars[end - 1]))
        {
            pendingHigh = chars[end - 1];
            pending = true;
            end--;
        }
        if (end > start)
        {
            rope.insert(rope.length(), chars, start, end - start);
        }
    }

    /** @throws IllegalStateException if the text ended inside a surrogate pair. */
    public void finish()
    {
        if (pending)
        {
            throw new IllegalStateException("text ends with an unpaired high surrogate");
        }
    }
}
