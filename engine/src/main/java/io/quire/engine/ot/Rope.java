package io.quire.engine.ot;

/**
 * A document's text, indexed by Unicode code points.
 * <p>
 * PLACEHOLDER IMPLEMENTATION: a StringBuilder that fixes the API while the real rope (a B-tree of chunks with
 * O(log n) edits and per-node checksums) is written. Not for merging as the final rope.
 * <p>
 * Contract shared by every implementation:
 * <ul>
 *   <li>Positions and counts are in code points. Text handed in must be well-formed UTF-16 (no lone surrogates):
 *       callers validate ops first, so the rope never sees one.</li>
 *   <li>An out-of-range position or count throws {@link IndexOutOfBoundsException} and leaves the rope unchanged.</li>
 *   <li>{@link #checksum()} equals {@link TextChecksum#of(CharSequence)} of {@link #toString()}.</li>
 *   <li>Single-threaded: owned by one shard thread (or one tool).</li>
 * </ul>
 */
public final class Rope
{
    /** Receives the rope's text chunk by chunk, in order, without materialising a String. */
    @FunctionalInterface
    public interface ChunkVisitor
    {
        /**
         * @param chars  array holding the chunk (read only; valid only during the call).
         * @param offset first code unit of the chunk.
         * @param length number of code units in the chunk.
         */
        void onChunk(char[] chars, int offset, int length);
    }

    private final StringBuilder text = new StringBuilder();
    private int codePoints;

    /** An empty rope. */
    public Rope()
    {
    }

    /**
     * A rope holding {@code initial}.
     *
     * @param initial well-formed text.
     */
    public Rope(final CharSequence initial)
    {
        insert(0, initial);
    }

    /** @return length in code points. */
    public int length()
    {
        return codePoints;
    }

    /** @return length in UTF-16 code units. */
    public long utf16Length()
    {
        return text.length();
    }

    /**
     * Insert text at a code point position.
     *
     * @param cpPos position in [0, length()].
     * @param s     well-formed text.
     */
    public void insert(final int cpPos, final CharSequence s)
    {
        checkPosition(cpPos);
        text.insert(charIndex(cpPos), s);
        codePoints += Character.codePointCount(s, 0, s.length());
    }

    /**
     * Insert {@code len} UTF-16 code units of {@code src} at a code point position.
     *
     * @param cpPos  position in [0, length()].
     * @param src    source array.
     * @param srcOff first code unit.
     * @param srcLen number of code units (whole code points).
     */
    public void insert(final int cpPos, final char[] src, final int srcOff, final int srcLen)
    {
        checkPosition(cpPos);
        text.insert(charIndex(cpPos), src, srcOff, srcLen);
        codePoints += Character.codePointCount(src, srcOff, srcLen);
    }

    /**
     * Delete code points.
     *
     * @param cpPos   first code point to delete.
     * @param cpCount number of code points; cpPos + cpCount must not exceed length().
     */
    public void delete(final int cpPos, final int cpCount)
    {
        checkRange(cpPos, cpCount);
        final int from = charIndex(cpPos);
        final int to = text.offsetByCodePoints(from, cpCount);
        text.delete(from, to);
        codePoints -= cpCount;
    }

    /**
     * Append the code points [cpFrom, cpTo) to {@code out}.
     *
     * @param cpFrom first code point.
     * @param cpTo   end (exclusive).
     * @param out    destination.
     */
    public void appendTo(final int cpFrom, final int cpTo, final StringBuilder out)
    {
        checkRange(cpFrom, cpTo - cpFrom);
        final int from = charIndex(cpFrom);
        out.append(text, from, text.offsetByCodePoints(from, cpTo - cpFrom));
    }

    /**
     * Visit the whole text in order.
     *
     * @param visitor receives each chunk.
     */
    public void forEachChunk(final ChunkVisitor visitor)
    {
        final char[] chars = new char[text.length()];
        text.getChars(0, chars.length, chars, 0);
        visitor.onChunk(chars, 0, chars.length);
    }

    /** Remove all text. */
    public void clear()
    {
        text.setLength(0);
        codePoints = 0;
    }

    /** @return the checksum of the text, as {@link TextChecksum#of(CharSequence)}. */
    public long checksum()
    {
        return TextChecksum.of(text);
    }

    @Override
    public String toString()
    {
        return text.toString();
    }

    private int charIndex(final int cpPos)
    {
        return text.offsetByCodePoints(0, cpPos);
    }

    private void checkPosition(final int cpPos)
    {
        if (cpPos < 0 || cpPos > codePoints)
        {
            throw new IndexOutOfBoundsException("position " + cpPos + " outside [0, " + codePoints + "]");
        }
    }

    private void checkRange(final int cpPos, final int cpCount)
    {
        if (cpPos < 0 || cpCount < 0 || cpPos + cpCount > codePoints || cpPos + cpCount < 0)
        {
            throw new IndexOutOfBoundsException(
                "range [" + cpPos + ", " + ((long)cpPos + cpCount) + ") outside [0, " + codePoints + "]");
        }
    }
}
