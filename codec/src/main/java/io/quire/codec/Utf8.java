package io.quire.codec;

import org.agrona.DirectBuffer;
import org.agrona.MutableDirectBuffer;
import org.agrona.UnsafeApi;

import java.nio.ByteOrder;

import static io.quire.codec.Utf8Exception.Reason.DESTINATION_TOO_SMALL;
import static io.quire.codec.Utf8Exception.Reason.UNPAIRED_SURROGATE;

/**
 * Strict, allocation-free UTF-8 between Java text ({@link CharSequence}, {@code char[]}) and Agrona buffers.
 * <p>
 * Strict means: decoding rejects everything RFC 3629 forbids (stray continuation bytes, truncated sequences, overlong
 * forms, encoded surrogates as in CESU-8, code points above U+10FFFF) and encoding rejects unpaired surrogates, each
 * with a {@link Utf8Exception} saying why and where. Java's own {@code String.getBytes(UTF_8)} silently replaces an
 * unpaired surrogate with {@code '?'}; ShareDB's unicount would count it differently from Java, so Quire never lets one
 * in (see the wire protocol notes, section 8.3).
 * <p>
 * All methods are static, thread-safe and allocate nothing except the exception on failure. ASCII runs take a fast path
 * (eight bytes per step when scanning).
 */
public final class Utf8
{
    private static final boolean LITTLE_ENDIAN = java.nio.ByteOrder.nativeOrder() == java.nio.ByteOrder.LITTLE_ENDIAN;
    private static final long CHAR_ARRAY_BASE = UnsafeApi.arrayBaseOffset(char[].class);

    private static final long ASCII_MASK = 0x8080808080808080L;
    private static final Utf8Exception.Reason[] REASONS = Utf8Exception.Reason.values();

    private Utf8()
    {
    }

    /**
     * The UTF-8 length of a text.
     *
     * @param src the text, well-formed UTF-16.
     * @return its length in bytes when encoded.
     * @throws Utf8Exception ({@link Utf8Exception.Reason#UNPAIRED_SURROGATE}) if it holds an unpaired surrogate.
     */
    public static int encodedLength(final CharSequence src)
    {
        final int n = src.length();
        int bytes = n;
        for (int i = 0; i < n; i++)
        {
            final char c = src.charAt(i);
            if (c >= 0x80)
            {
                if (c < 0x800)
                {
                    bytes += 1;
                }
                else if (!Character.isSurrogate(c))
                {
                    bytes += 2;
                }
                else if (Character.isHighSurrogate(c) && i + 1 < n && Character.isLowSurrogate(src.charAt(i + 1)))
                {
                    bytes += 2;
                    i++;
                }
                else
                {
                    throw new Utf8Exception(UNPAIRED_SURROGATE, i);
                }
            }
        }
        return bytes;
    }

    /**
     * The UTF-8 length of a range of chars.
     *
     * @param src    the chars, well-formed UTF-16.
     * @param offset first char.
     * @param length number of chars.
     * @return the length in bytes when encoded.
     * @throws Utf8Exception ({@link Utf8Exception.Reason#UNPAIRED_SURROGATE}) if the range holds an unpaired surrogate.
     */
    public static int encodedLength(final char[] src, final int offset, final int length)
    {
        final int end = offset + length;
        int bytes = length;
        for (int i = offset; i < end; i++)
        {
            final char c = src[i];
            if (c >= 0x80)
            {
                if (c < 0x800)
                {
                    bytes += 1;
                }
                else if (!Character.isSurrogate(c))
                {
                    bytes += 2;
                }
                else if (Character.isHighSurrogate(c) && i + 1 < end && Character.isLowSurrogate(src[i + 1]))
                {
                    bytes += 2;
                    i++;
                }
                else
                {
                    throw new Utf8Exception(UNPAIRED_SURROGATE, i - offset);
                }
            }
        }
        return bytes;
    }

    /**
     * Encode a text as UTF-8 into a buffer. The buffer's own bounds checks apply (an
     * {@link org.agrona.ExpandableArrayBuffer} grows); use {@link #encodedLength(CharSequence)} to reserve room first.
     *
     * @param src       the text, well-formed UTF-16.
     * @param dst       destination buffer.
     * @param dstOffset where the first byte goes.
     * @return the number of bytes written.
     * @throws Utf8Exception ({@link Utf8Exception.Reason#UNPAIRED_SURROGATE}) if the text holds an unpaired surrogate;
     *                       the bytes before it have been written.
     */
    public static int encode(final CharSequence src, final MutableDirectBuffer dst, final int dstOffset)
    {
        final int n = src.length();
        int j = dstOffset;
        for (int i = 0; i < n; i++)
        {
            final char c = src.charAt(i);
            if (c < 0x80)
            {
                dst.putByte(j++, (byte)c);
            }
            else if (c < 0x800)
            {
                dst.putByte(j++, (byte)(0xC0 | (c >>> 6)));
                dst.putByte(j++, (byte)(0x80 | (c & 0x3F)));
            }
            else if (!Character.isSurrogate(c))
            {
                j = put3(dst, j, c);
            }
            else if (Character.isHighSurrogate(c) && i + 1 < n && Character.isLowSurrogate(src.charAt(i + 1)))
            {
                j = put4(dst, j, Character.toCodePoint(c, src.charAt(++i)));
            }
            else
            {
                throw new Utf8Exception(UNPAIRED_SURROGATE, i);
            }
        }
        return j - dstOffset;
    }

    /**
     * The length of the ASCII run at the start of a range of chars: the chars below 0x80 before the first that is
     * not, each one UTF-8 byte. Reads four chars at a time.
     *
     * @param src    the chars.
     * @param offset first char.
     * @param length number of chars to look at.
     * @return how many chars from {@code offset} on are ASCII, at most {@code length}.
     * @throws IndexOutOfBoundsException if the range is not inside {@code src}.
     */
    public static int asciiRun(final char[] src, final int offset, final int length)
    {
        java.util.Objects.checkFromIndexSize(offset, length, src.length);
        final int end = offset + length;
        int i = offset;
        // 0xFF80 in each 16-bit lane: any char at or above 0x80, whatever the byte order.
        while (end - i >= 4 && (UnsafeApi.getLong(src, CHAR_ARRAY_BASE + 2L * i) & 0xFF80_FF80_FF80_FF80L) == 0)
        {
            i += 4;
        }
        while (i < end && src[i] < 0x80)
        {
            i++;
        }
        return i - offset;
    }

    /**
     * Encode a range of chars as UTF-8 into a buffer (e.g. straight from a JSON parser's character buffer).
     *
     * @param src       the chars, well-formed UTF-16.
     * @param srcOffset first char.
     * @param length    number of chars.
     * @param dst       destination buffer.
     * @param dstOffset where the first byte goes.
     * @return the number of bytes written.
     * @throws Utf8Exception ({@link Utf8Exception.Reason#UNPAIRED_SURROGATE}) if the range holds an unpaired surrogate;
     *                       the bytes before it have been written.
     */
    public static int encode(
        final char[] src, final int srcOffset, final int length, final MutableDirectBuffer dst, final int dstOffset)
    {
        final int end = srcOffset + length;
        int j = dstOffset;
        int i = srcOffset;
        // ASCII fast path: an ASCII run takes one byte per char, so if the buffer's capacity already holds length
        // bytes from dstOffset the run needs no per-byte bounds check (or growth) and is stored straight into the
        // buffer's memory. Snapshots and op texts are mostly ASCII; the checked loop below takes over at the first
        // other char.
        if (dstOffset >= 0 && length <= dst.capacity() - dstOffset)
        {
            final byte[] array = dst.byteArray();
            final long base = dst.addressOffset();
            if (LITTLE_ENDIAN)
            {
                // Four chars at a time: one long load, one int store.
                while (end - i >= 4)
                {
                    final long four = UnsafeApi.getLong(src, CHAR_ARRAY_BASE + 2L * i);
                    if ((four & 0xFF80_FF80_FF80_FF80L) != 0)
                    {
                        break;
                    }
                    UnsafeApi.putInt(array, base + j, (int)(four & 0xFF | (four >>> 8) & 0xFF00 |
                        (four >>> 16) & 0xFF_0000 | (four >>> 24) & 0xFF00_0000L));
                    i += 4;
                    j += 4;
                }
            }
            while (i < end)
            {
                final char c = src[i];
                if (c >= 0x80)
                {
                    break;
                }
                UnsafeApi.putByte(array, base + j, (byte)c);
                i++;
                j++;
            }
        }
        for (; i < end; i++)
        {
            final char c = src[i];
            if (c < 0x80)
            {
                dst.putByte(j++, (byte)c);
            }
            else if (c < 0x800)
            {
                dst.putByte(j++, (byte)(0xC0 | (c >>> 6)));
                dst.putByte(j++, (byte)(0x80 | (c & 0x3F)));
            }
            else if (!Character.isSurrogate(c))
            {
                j = put3(dst, j, c);
            }
            else if (Character.isHighSurrogate(c) && i + 1 < end && Character.isLowSurrogate(src[i + 1]))
            {
                j = put4(dst, j, Character.toCodePoint(c, src[++i]));
            }
            else
            {
                throw new Utf8Exception(UNPAIRED_SURROGATE, i - srcOffset);
            }
        }
        return j - dstOffset;
    }

    /**
     * Decode a strictly well-formed UTF-8 range into a caller-provided array.
     *
     * @param src       source buffer.
     * @param offset    first byte.
     * @param length    number of bytes.
     * @param dst       destination array.
     * @param dstOffset where the first char goes.
     * @return the number of chars written.
     * @throws Utf8Exception if the range is not well-formed UTF-8, or ({@link Utf8Exception.Reason#DESTINATION_TOO_SMALL})
     *                       if {@code dst} has no room; chars before the problem have been written.
     */
    public static int decode(
        final DirectBuffer src, final int offset, final int length, final char[] dst, final int dstOffset)
    {
        final int end = offset + length;
        final int dstEnd = dst.length;
        int j = dstOffset;
        int i = offset;
        while (i < end)
        {
            // Texts are mostly ASCII: eight bytes at a time while all eight are (and fit the destination).
            while (i <= end - 8 && j <= dstEnd - 8)
            {
                final long word = src.getLong(i, ByteOrder.LITTLE_ENDIAN);
                if ((word & 0x8080808080808080L) != 0)
                {
                    break;
                }
                dst[j] = (char)(word & 0x7F);
                dst[j + 1] = (char)((word >>> 8) & 0x7F);
                dst[j + 2] = (char)((word >>> 16) & 0x7F);
                dst[j + 3] = (char)((word >>> 24) & 0x7F);
                dst[j + 4] = (char)((word >>> 32) & 0x7F);
                dst[j + 5] = (char)((word >>> 40) & 0x7F);
                dst[j + 6] = (char)((word >>> 48) & 0x7F);
                dst[j + 7] = (char)(word >>> 56);
                i += 8;
                j += 8;
            }
            if (i >= end)
            {
                break;
            }
            final byte b = src.getByte(i);
            if (b >= 0)
            {
                if (j >= dstEnd)
                {
                    throw new Utf8Exception(DESTINATION_TOO_SMALL, i - offset);
                }
                dst[j++] = (char)b;
                i++;
                continue;
            }
            final long r = nextCodePoint(src, i, end);
            if (r < 0)
            {
                throw error(r, i - offset);
            }
            final int cp = (int)r;
            if (cp < 0x10000)
            {
                if (j >= dstEnd)
                {
                    throw new Utf8Exception(DESTINATION_TOO_SMALL, i - offset);
                }
                dst[j++] = (char)cp;
            }
            else
            {
                if (j + 2 > dstEnd)
                {
                    throw new Utf8Exception(DESTINATION_TOO_SMALL, i - offset);
                }
                dst[j++] = Character.highSurrogate(cp);
                dst[j++] = Character.lowSurrogate(cp);
            }
            i += (int)(r >>> 32);
        }
        return j - dstOffset;
    }

    /**
     * Decode a strictly well-formed UTF-8 range and append it to a builder (cold paths: tools, printing, tests).
     *
     * @param src    source buffer.
     * @param offset first byte.
     * @param length number of bytes.
     * @param dst    builder to append to.
     * @return {@code dst}.
     * @throws Utf8Exception if the range is not well-formed UTF-8; chars before the problem have been appended.
     */
    public static StringBuilder decode(
        final DirectBuffer src, final int offset, final int length, final StringBuilder dst)
    {
        final int end = offset + length;
        int i = offset;
        while (i < end)
        {
            final byte b = src.getByte(i);
            if (b >= 0)
            {
                dst.append((char)b);
                i++;
                continue;
            }
            final long r = nextCodePoint(src, i, end);
            if (r < 0)
            {
                throw error(r, i - offset);
            }
            dst.appendCodePoint((int)r);
            i += (int)(r >>> 32);
        }
        return dst;
    }

    /**
     * Count the code points of a strictly well-formed UTF-8 range (what text-unicode calls its length).
     *
     * @param src    source buffer.
     * @param offset first byte.
     * @param length number of bytes.
     * @return the number of code points.
     * @throws Utf8Exception if the range is not well-formed UTF-8.
     */
    public static int codePointCount(final DirectBuffer src, final int offset, final int length)
    {
        final long r = scan(src, offset, length);
        if (r < 0)
        {
            throw error(r);
        }
        return (int)r;
    }

    /**
     * The number of UTF-16 code units a strictly well-formed UTF-8 range decodes to (the {@code char[]} size
     * {@link #decode(DirectBuffer, int, int, char[], int)} needs).
     *
     * @param src    source buffer.
     * @param offset first byte.
     * @param length number of bytes.
     * @return the number of UTF-16 code units.
     * @throws Utf8Exception if the range is not well-formed UTF-8.
     */
    public static int utf16Length(final DirectBuffer src, final int offset, final int length)
    {
        final long r = scan(src, offset, length);
        if (r < 0)
        {
            throw error(r);
        }
        return (int)(r >>> 32);
    }

    /**
     * @param src    source buffer.
     * @param offset first byte.
     * @param length number of bytes.
     * @return true if the range is strictly well-formed UTF-8.
     */
    public static boolean isWellFormed(final DirectBuffer src, final int offset, final int length)
    {
        return scan(src, offset, length) >= 0;
    }

    /**
     * Validate a range in one pass, without throwing.
     *
     * @return {@code utf16Length << 32 | codePointCount} if well-formed, else a negative value holding the reason and
     * the byte index (see {@link #errorReason(long)} and {@link #errorIndex(long)}).
     */
    static long scan(final DirectBuffer src, final int offset, final int length)
    {
        if (length <= 0)
        {
            return 0;
        }
        // One range check for the whole run, then the ASCII bytes are read without a check each (the multi-byte
        // sequences still go through the buffer's checked getters).
        src.boundsCheck(offset, length);
        final byte[] array = src.byteArray();
        final long address = src.addressOffset();
        final int end = offset + length;
        int i = offset;
        int codePoints = 0;
        int units = 0;
        while (i < end)
        {
            if (end - i >= 8 && (UnsafeApi.getLong(array, address + i) & ASCII_MASK) == 0)
            {
                i += 8;
                codePoints += 8;
                units += 8;
                continue;
            }
            if (UnsafeApi.getByte(array, address + i) >= 0)
            {
                i++;
                codePoints++;
                units++;
                continue;
            }
            final long r = nextCodePoint(src, i, end);
            if (r < 0)
            {
                return encodeError(r, i - offset);
            }
            codePoints++;
            units += (int)r >= 0x10000 ? 2 : 1;
            i += (int)(r >>> 32);
        }
        return ((long)units << 32) | codePoints;
    }

    static Utf8Exception.Reason errorReason(final long scanResult)
    {
        return REASONS[(int)(~scanResult & 0xFF)];
    }

    static int errorIndex(final long scanResult)
    {
        return (int)(~scanResult >>> 8);
    }

    private static long encodeError(final long reasonCode, final int index)
    {
        return ~(((long)index << 8) | (~reasonCode & 0xFF));
    }

    private static Utf8Exception error(final long scanResult)
    {
        return new Utf8Exception(errorReason(scanResult), errorIndex(scanResult));
    }

    private static Utf8Exception error(final long reasonCode, final int index)
    {
        return new Utf8Exception(REASONS[(int)(~reasonCode & 0xFF)], index);
    }

    private static long fail(final Utf8Exception.Reason reason)
    {
        return ~(long)reason.ordinal();
    }

    /**
     * Decode the multi-byte sequence starting at {@code i} (whose first byte is not ASCII).
     *
     * @return {@code sequenceLength << 32 | codePoint}, or a negative reason code from {@link #fail}.
     */
    private static long nextCodePoint(final DirectBuffer src, final int i, final int end)
    {
        final int b0 = src.getByte(i) & 0xFF;
        if (b0 < 0xC2)
        {
            return fail(b0 < 0xC0 ? Utf8Exception.Reason.INVALID_LEAD_BYTE : Utf8Exception.Reason.OVERLONG);
        }
        if (b0 < 0xE0)
        {
            if (end - i < 2)
            {
                return fail(Utf8Exception.Reason.TRUNCATED);
            }
            final int b1 = src.getByte(i + 1);
            if ((b1 & 0xC0) != 0x80)
            {
                return fail(Utf8Exception.Reason.INVALID_CONTINUATION);
            }
            return (2L << 32) | ((b0 & 0x1F) << 6) | (b1 & 0x3F);
        }
        if (b0 < 0xF0)
        {
            if (end - i < 3)
            {
                return fail(Utf8Exception.Reason.TRUNCATED);
            }
            final int b1 = src.getByte(i + 1) & 0xFF;
            final int b2 = src.getByte(i + 2);
            if ((b1 & 0xC0) != 0x80 || (b2 & 0xC0) != 0x80)
            {
                return fail(Utf8Exception.Reason.INVALID_CONTINUATION);
            }
            if (b0 == 0xE0 && b1 < 0xA0)
            {
                return fail(Utf8Exception.Reason.OVERLONG);
            }
            if (b0 == 0xED && b1 >= 0xA0)
            {
                return fail(Utf8Exception.Reason.ENCODED_SURROGATE);
            }
            return (3L << 32) | ((b0 & 0x0F) << 12) | ((b1 & 0x3F) << 6) | (b2 & 0x3F);
        }
        if (b0 < 0xF5)
        {
            if (end - i < 4)
            {
                return fail(Utf8Exception.Reason.TRUNCATED);
            }
            final int b1 = src.getByte(i + 1) & 0xFF;
            final int b2 = src.getByte(i + 2);
            final int b3 = src.getByte(i + 3);
            if ((b1 & 0xC0) != 0x80 || (b2 & 0xC0) != 0x80 || (b3 & 0xC0) != 0x80)
            {
                return fail(Utf8Exception.Reason.INVALID_CONTINUATION);
            }
            if (b0 == 0xF0 && b1 < 0x90)
            {
                return fail(Utf8Exception.Reason.OVERLONG);
            }
            if (b0 == 0xF4 && b1 >= 0x90)
            {
                return fail(Utf8Exception.Reason.OUT_OF_RANGE);
            }
            return (4L << 32) | ((b0 & 0x07) << 18) | ((b1 & 0x3F) << 12) | ((b2 & 0x3F) << 6) | (b3 & 0x3F);
        }
        return fail(b0 < 0xF8 ? Utf8Exception.Reason.OUT_OF_RANGE : Utf8Exception.Reason.INVALID_LEAD_BYTE);
    }

    private static int put3(final MutableDirectBuffer dst, final int j, final int c)
    {
        dst.putByte(j, (byte)(0xE0 | (c >>> 12)));
        dst.putByte(j + 1, (byte)(0x80 | ((c >>> 6) & 0x3F)));
        dst.putByte(j + 2, (byte)(0x80 | (c & 0x3F)));
        return j + 3;
    }

    private static int put4(final MutableDirectBuffer dst, final int j, final int cp)
    {
        dst.putByte(j, (byte)(0xF0 | (cp >>> 18)));
        dst.putByte(j + 1, (byte)(0x80 | ((cp >>> 12) & 0x3F)));
        dst.putByte(j + 2, (byte)(0x80 | ((cp >>> 6) & 0x3F)));
        dst.putByte(j + 3, (byte)(0x80 | (cp & 0x3F)));
        return j + 4;
    }
}
