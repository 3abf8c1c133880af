package io.quire.engine.shard;

import io.quire.codec.Utf8;
import org.agrona.ExpandableArrayBuffer;

/**
 * A reusable buffer to turn UTF-16 text (op components, snapshot chunks) into UTF-8 for an SBE var-data field.
 */
final class Utf8Scratch
{
    final ExpandableArrayBuffer buffer = new ExpandableArrayBuffer(1024);

    /**
     * @param chars  source.
     * @param offset first code unit.
     * @param length number of code units.
     * @return UTF-8 bytes written at the start of {@link #buffer}.
     */
    int encode(final char[] chars, final int offset, final int length)
    {
        buffer.checkLimit(length * 3);
        return Utf8.encode(chars, offset, length, buffer, 0);
    }

    /**
     * @param text source.
     * @return UTF-8 bytes written at the start of {@link #buffer}.
     */
    int encode(final CharSequence text)
    {
        buffer.checkLimit(text.length() * 3);
        return Utf8.encode(text, buffer, 0);
    }
}
