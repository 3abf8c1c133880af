package io.quire.codec;

import io.quire.codec.Utf8Exception.Reason;
import org.agrona.ExpandableArrayBuffer;
import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.Test;
import org.quicktheories.core.Gen;
import org.quicktheories.impl.Constraint;

import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.quicktheories.QuickTheory.qt;

class Utf8Test
{
    /** Well-formed text: ASCII, 2- and 3-byte BMP (no surrogates) and supplementary code points. */
    private static final Gen<String> TEXT = in -> MessageGen.text(in, 0, (int)in.next(Constraint.between(0, 300)));

    /** Any bytes, biased towards the interesting ones (continuations, lead bytes, E0/ED/F0/F4, F5-FF). */
    private static final Gen<byte[]> BYTES = in ->
    {
        final byte[] bytes = new byte[(int)in.next(Constraint.between(0, 24))];
        for (int i = 0; i < bytes.length; i++)
        {
            bytes[i] = (byte)switch ((int)in.next(Constraint.between(0, 5)))
            {
                case 0 -> in.next(Constraint.between(0, 0x7F));
                case 1 -> in.next(Constraint.between(0x80, 0xBF));
                case 2 -> in.next(Constraint.between(0xC0, 0xDF));
                case 3 -> in.next(Constraint.between(0xE0, 0xEF));
                case 4 -> in.next(Constraint.between(0xF0, 0xF7));
                default -> in.next(Constraint.between(0, 0xFF));
            };
        }
        return bytes;
    };

    @Test
    void wellFormedTextRoundTripsAndAgreesWithTheJdk()
    {
        qt().withExamples(2000).forAll(TEXT).checkAssert(text ->
        {
            final byte[] jdk = text.getBytes(StandardCharsets.UTF_8);
            final ExpandableArrayBuffer buffer = new ExpandableArrayBuffer(8);
            final int offset = 3;

            assertThat(Utf8.encodedLength(text)).isEqualTo(jdk.length);
            assertThat(Utf8.encode(text, buffer, offset)).isEqualTo(jdk.length);
            final byte[] written = new byte[jdk.length];
            buffer.getBytes(offset, written);
            assertThat(written).isEqualTo(jdk);

            final char[] chars = ("..." + text).toCharArray();
            final UnsafeBuffer fromChars = new UnsafeBuffer(new byte[jdk.length]);
            assertThat(Utf8.encodedLength(chars, 3, text.length())).isEqualTo(jdk.length);
            assertThat(Utf8.encode(chars, 3, text.length(), fromChars, 0)).isEqualTo(jdk.length);
            assertThat(fromChars.byteArray()).isEqualTo(jdk);

            assertThat(Utf8.codePointCount(buffer, offset, jdk.length)).isEqualTo(text.codePointCount(0, text.length()));
            assertThat(Utf8.utf16Length(buffer, offset, jdk.length)).isEqualTo(text.length());
            assertThat(Utf8.isWellFormed(buffer, offset, jdk.length)).isTrue();

            final char[] decoded = new char[text.length() + 2];
            assertThat(Utf8.decode(buffer, offset, jdk.length, decoded, 2)).isEqualTo(text.length());
            assertThat(new String(decoded, 2, text.length())).isEqualTo(text);
            assertThat(Utf8.decode(buffer, offset, jdk.length, new StringBuilder("x")).toString()).isEqualTo("x" + text);
        });
    }

    /** asciiRun counts, four chars at a time, exactly the leading chars below 0x80 of any range. */
    @Test
    void asciiRunCountsTheLeadingAsciiCharsOfAnyRange()
    {
        qt().withExamples(2000).forAll(TEXT, TEXT).checkAssert((ascii, rest) ->
        {
            final String text = ascii.replaceAll("[^\\x00-\\x7F]", "a") + rest;
            final char[] chars = text.toCharArray();
            for (int offset = 0; offset <= Math.min(chars.length, 9); offset++)
            {
                for (final int length : new int[]{0, 1, 3, 4, 5, chars.length - offset})
                {
                    if (length < 0 || offset + length > chars.length)
                    {
                        continue;
                    }
                    int expected = 0;
                    while (expected < length && chars[offset + expected] < 0x80)
                    {
                        expected++;
                    }
                    assertThat(Utf8.asciiRun(chars, offset, length)).as("%s from %d for %d", text, offset, length)
                        .isEqualTo(expected);
                }
            }
        });
        assertThat(Utf8.asciiRun("abcd\u0080efgh".toCharArray(), 0, 9)).isEqualTo(4);
        assertThat(Utf8.asciiRun("abc\u00FFdefg".toCharArray(), 0, 8)).isEqualTo(3);
        assertThat(Utf8.asciiRun("\u0100bcdefgh".toCharArray(), 0, 8)).isZero();
        assertThatThrownBy(() -> Utf8.asciiRun(new char[4], 2, 3)).isInstanceOf(IndexOutOfBoundsException.class);
    }

    /** encode(char[]) stores ASCII runs without per-byte checks when the capacity allows: every buffer kind agrees. */
    @Test
    void encodingFromCharsAgreesWithTheJdkInEveryKindOfBuffer()
    {
        qt().withExamples(2000).forAll(TEXT).checkAssert(text ->
        {
            final String mixed = "abc" + text + "xyz";
            final byte[] jdk = mixed.getBytes(StandardCharsets.UTF_8);
            final char[] chars = ("__" + mixed).toCharArray();
            final int n = mixed.length();

            // Byte array at an offset, exactly large enough.
            final UnsafeBuffer exact = new UnsafeBuffer(new byte[jdk.length + 5], 2, jdk.length + 3);
            assertThat(Utf8.encode(chars, 2, n, exact, 3)).isEqualTo(jdk.length);
            final byte[] got = new byte[jdk.length];
            exact.getBytes(3, got);
            assertThat(got).isEqualTo(jdk);

            // Off heap.
            final UnsafeBuffer direct = new UnsafeBuffer(ByteBuffer.allocateDirect(jdk.length + 7));
            assertThat(Utf8.encode(chars, 2, n, direct, 7)).isEqualTo(jdk.length);
            direct.getBytes(7, got);
            assertThat(got).isEqualTo(jdk);

            // A buffer that must grow while encoding (too small for even the ASCII bound).
            final ExpandableArrayBuffer growing = new ExpandableArrayBuffer(1);
            assertThat(Utf8.encode(chars, 2, n, growing, 1)).isEqualTo(jdk.length);
            growing.getBytes(1, got);
            assertThat(got).isEqualTo(jdk);

            // Too small a fixed buffer: refused, nothing written past its end.
            final byte[] backing = new byte[jdk.length + 8];
            final UnsafeBuffer small = new UnsafeBuffer(backing, 0, jdk.length - 1);
            assertThatThrownBy(() -> Utf8.encode(chars, 2, n, small, 0)).isInstanceOf(IndexOutOfBoundsException.class);
            for (int i = jdk.length - 1; i < backing.length; i++)
            {
                assertThat(backing[i]).isZero();
            }
        });
    }

    @Test
    void acceptsExactlyWhatTheJdksStrictDecoderAccepts()
    {
        qt().withExamples(20000).forAll(BYTES).checkAssert(bytes ->
        {
            final UnsafeBuffer buffer = new UnsafeBuffer(bytes);
            final String jdk = strictJdkDecode(bytes);
            assertThat(Utf8.isWellFormed(buffer, 0, bytes.length)).as(hex(bytes)).isEqualTo(jdk != null);
            if (jdk != null)
            {
                assertThat(Utf8.decode(buffer, 0, bytes.length, new StringBuilder()).toString()).isEqualTo(jdk);
                assertThat(Utf8.codePointCount(buffer, 0, bytes.length)).isEqualTo(jdk.codePointCount(0, jdk.length()));
            }
            else
            {
                assertThatThrownBy(() -> Utf8.codePointCount(buffer, 0, bytes.length))
                    .isInstanceOf(Utf8Exception.class);
                assertThatThrownBy(() -> Utf8.decode(buffer, 0, bytes.length, new char[64], 0))
                    .isInstanceOf(Utf8Exception.class);
            }
        });
    }

    @Test
    void rejectsMalformedInputWithTheReasonAndPosition()
    {
        assertRejected(Reason.INVALID_LEAD_BYTE, 1, 0x61, 0x80);
        assertRejected(Reason.INVALID_LEAD_BYTE, 0, 0xBF);
        assertRejected(Reason.INVALID_LEAD_BYTE, 0, 0xFF);
        assertRejected(Reason.OVERLONG, 0, 0xC0, 0xAF);
        assertRejected(Reason.OVERLONG, 0, 0xC1, 0xBF);
        assertRejected(Reason.OVERLONG, 0, 0xE0, 0x80, 0xAF);
        assertRejected(Reason.OVERLONG, 0, 0xF0, 0x8F, 0xBF, 0xBF);
        assertRejected(Reason.ENCODED_SURROGATE, 0, 0xED, 0xA0, 0x80);
        assertRejected(Reason.ENCODED_SURROGATE, 2, 0x41, 0x42, 0xED, 0xBF, 0xBF);
        assertRejected(Reason.OUT_OF_RANGE, 0, 0xF4, 0x90, 0x80, 0x80);
        assertRejected(Reason.OUT_OF_RANGE, 0, 0xF5, 0x80, 0x80, 0x80);
        assertRejected(Reason.TRUNCATED, 0, 0xE2, 0x82);
        assertRejected(Reason.TRUNCATED, 1, 0x41, 0xF0, 0x9F, 0x98);
        assertRejected(Reason.INVALID_CONTINUATION, 0, 0xC3, 0x41);
        assertRejected(Reason.INVALID_CONTINUATION, 0, 0xE2, 0x82, 0xC0);
        assertRejected(Reason.INVALID_CONTINUATION, 8, 0x41, 0x41, 0x41, 0x41, 0x41, 0x41, 0x41, 0x41, 0xF0, 0x9F, 0x41, 0x80);
    }

    @Test
    void acceptsTheBoundariesOfEachSequenceLength()
    {
        final String text = "\u0000\u007F\u0080\u07FF\u0800\uD7FF\uE000\uFFFF\uD800\uDC00\uDBFF\uDFFF";
        final byte[] bytes = text.getBytes(StandardCharsets.UTF_8);
        assertThat(Utf8.codePointCount(new UnsafeBuffer(bytes), 0, bytes.length)).isEqualTo(10);
    }

    @Test
    void refusesToEncodeUnpairedSurrogates()
    {
        for (final String text : new String[]{"\uD800", "a\uDC00", "ab\uD83D", "\uDE00\uD83D", "x\uD83Dy"})
        {
            final int bad = text.indexOf(text.chars().filter(c -> Character.isSurrogate((char)c)).findFirst()
                .orElseThrow());
            final UnsafeBuffer buffer = new UnsafeBuffer(new byte[16]);
            assertThatThrownBy(() -> Utf8.encode(text, buffer, 0))
                .isInstanceOfSatisfying(Utf8Exception.class, ex ->
                {
                    assertThat(ex.reason()).isEqualTo(Reason.UNPAIRED_SURROGATE);
                    assertThat(ex.index()).isEqualTo(bad);
                });
            assertThatThrownBy(() -> Utf8.encodedLength(text)).isInstanceOf(Utf8Exception.class);
            assertThatThrownBy(() -> Utf8.encode(text.toCharArray(), 0, text.length(), buffer, 0))
                .isInstanceOf(Utf8Exception.class);
            assertThatThrownBy(() -> Utf8.encodedLength(text.toCharArray(), 0, text.length()))
                .isInstanceOf(Utf8Exception.class);
        }
    }

    /**
     * Mostly ASCII, as documents are: runs of up to 40 ASCII chars between other code points, so that decoding takes
     * its eight-bytes-at-a-time path and leaves it at every alignment.
     */
    private static final Gen<String> MOSTLY_ASCII = in ->
    {
        final StringBuilder text = new StringBuilder();
        final int runs = (int)in.next(Constraint.between(0, 8));
        for (int r = 0; r < runs; r++)
        {
            final int ascii = (int)in.next(Constraint.between(0, 40));
            for (int k = 0; k < ascii; k++)
            {
                text.append((char)in.next(Constraint.between(0, 0x7F)));
            }
            text.append(MessageGen.text(in, 0, (int)in.next(Constraint.between(0, 2))));
        }
        return text.toString();
    };

    @Test
    void mostlyAsciiTextDecodesLikeTheJdkAtAnyOffsetAndReportsAFullDestinationWhereItFills()
    {
        qt().withExamples(3000).forAll(MOSTLY_ASCII, in -> (int)in.next(Constraint.between(0, 9))).checkAssert(
            (text, shift) ->
            {
                final byte[] jdk = text.getBytes(StandardCharsets.UTF_8);
                final UnsafeBuffer buffer = new UnsafeBuffer(new byte[jdk.length + shift + 9]);
                buffer.putBytes(shift, jdk);
                buffer.putByte(shift + jdk.length, (byte)0xFF);
                final char[] decoded = new char[text.length() + shift];
                assertThat(Utf8.decode(buffer, shift, jdk.length, decoded, shift)).isEqualTo(text.length());
                assertThat(new String(decoded, shift, text.length())).isEqualTo(text);
                if (!text.isEmpty())
                {
                    // One char short: the failure names the first byte whose char does not fit.
                    final int fits = text.length() - 1;
                    final int index = new String(text.toCharArray(), 0,
                        Character.isLowSurrogate(text.charAt(fits)) ? fits - 1 : fits)
                        .getBytes(StandardCharsets.UTF_8).length;
                    assertThatThrownBy(() -> Utf8.decode(buffer, shift, jdk.length, new char[fits], 0))
                        .isInstanceOfSatisfying(Utf8Exception.class, ex ->
                        {
                            assertThat(ex.reason()).isEqualTo(Reason.DESTINATION_TOO_SMALL);
                            assertThat(ex.index()).isEqualTo(index);
                        });
                }
            });
    }

    @Test
    void decodingChecksTheDestinationCapacity()
    {
        final byte[] bytes = "ab\uD83D\uDE00".getBytes(StandardCharsets.UTF_8);
        final UnsafeBuffer buffer = new UnsafeBuffer(bytes);
        assertThat(Utf8.decode(buffer, 0, bytes.length, new char[4], 0)).isEqualTo(4);
        assertThatThrownBy(() -> Utf8.decode(buffer, 0, bytes.length, new char[3], 0))
            .isInstanceOfSatisfying(Utf8Exception.class, ex ->
            {
                assertThat(ex.reason()).isEqualTo(Reason.DESTINATION_TOO_SMALL);
                assertThat(ex.index()).isEqualTo(2);
            });
        assertThatThrownBy(() -> Utf8.decode(buffer, 0, bytes.length, new char[5], 2))
            .isInstanceOf(Utf8Exception.class);
    }

    @Test
    void decodesOnlyTheGivenRange()
    {
        final byte[] bytes = "xx\u00e9yy".getBytes(StandardCharsets.UTF_8);
        final UnsafeBuffer buffer = new UnsafeBuffer(bytes);
        assertThat(Utf8.codePointCount(buffer, 2, 2)).isEqualTo(1);
        assertThatThrownBy(() -> Utf8.codePointCount(buffer, 2, 1)).isInstanceOfSatisfying(
            Utf8Exception.class, ex -> assertThat(ex.reason()).isEqualTo(Reason.TRUNCATED));
    }

    private static void assertRejected(final Reason reason, final int index, final int... values)
    {
        final byte[] bytes = new byte[values.length];
        for (int i = 0; i < values.length; i++)
        {
            bytes[i] = (byte)values[i];
        }
        final UnsafeBuffer buffer = new UnsafeBuffer(bytes);
        assertThat(Utf8.isWellFormed(buffer, 0, bytes.length)).as(hex(bytes)).isFalse();
        assertThat(strictJdkDecode(bytes)).as("the JDK agrees: " + hex(bytes)).isNull();
        assertThatThrownBy(() -> Utf8.codePointCount(buffer, 0, bytes.length))
            .as(hex(bytes))
            .isInstanceOfSatisfying(Utf8Exception.class, ex ->
            {
                assertThat(ex.reason()).isEqualTo(reason);
                assertThat(ex.index()).isEqualTo(index);
            });
        assertThatThrownBy(() -> Utf8.decode(buffer, 0, bytes.length, new char[32], 0))
            .isInstanceOfSatisfying(Utf8Exception.class, ex -> assertThat(ex.reason()).isEqualTo(reason));
    }

    private static String strictJdkDecode(final byte[] bytes)
    {
        try
        {
            return StandardCharsets.UTF_8.newDecoder()
                .onMalformedInput(CodingErrorAction.REPORT)
                .onUnmappableCharacter(CodingErrorAction.REPORT)
                .decode(ByteBuffer.wrap(bytes))
                .toString();
        }
        catch (final CharacterCodingException ex)
        {
            return null;
        }
    }

    private static String hex(final byte[] bytes)
    {
        final StringBuilder out = new StringBuilder();
        for (final byte b : bytes)
        {
            out.append(String.format("%02x ", b & 0xFF));
        }
        return out.toString();
    }
}
