package io.quire.codec;

import io.quire.codec.SchemaModel.Message;
import io.quire.codec.SchemaModel.Schema;
import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.Test;
import org.quicktheories.core.Gen;
import org.quicktheories.impl.Constraint;

import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.fail;
import static org.quicktheories.QuickTheory.qt;

/**
 * Truncated and corrupted messages of every type are either rejected with {@link MalformedMessageException} or, when
 * the damage leaves them well-formed, decode completely without ever reading outside the message (the decode runs on
 * a buffer that ends exactly at the message, so any such read throws).
 */
class MessageValidatorPropertyTest
{
    private static final CodecLimits LIMITS = MessageRoundTripPropertyTest.TIGHT;

    /** A valid encoded message of any type, with the offsets of its group headers and var length prefixes. */
    private record Encoded(Message message, byte[] bytes, List<int[]> lengthFields)
    {
    }

    @Test
    void everyProperPrefixOfAProtocolMessageIsRejected()
    {
        everyProperPrefixIsRejected(SchemaModel.PROTOCOL, ProtocolLayouts.LAYOUTS, MessageValidator.protocol(LIMITS));
    }

    @Test
    void everyProperPrefixOfAJournalMessageIsRejected()
    {
        everyProperPrefixIsRejected(SchemaModel.JOURNAL, JournalLayouts.LAYOUTS, MessageValidator.journal(LIMITS));
    }

    @Test
    void protocolMessagesWithFlippedBytesAreRejectedOrDecodeSafely()
    {
        flippedBytesAreRejectedOrSafe(SchemaModel.PROTOCOL, ProtocolLayouts.LAYOUTS, MessageValidator.protocol(LIMITS));
    }

    @Test
    void journalMessagesWithFlippedBytesAreRejectedOrDecodeSafely()
    {
        flippedBytesAreRejectedOrSafe(SchemaModel.JOURNAL, JournalLayouts.LAYOUTS, MessageValidator.journal(LIMITS));
    }

    @Test
    void protocolMessagesWithCorruptLengthsAreRejectedOrDecodeSafely()
    {
        corruptLengthsAreRejectedOrSafe(SchemaModel.PROTOCOL, ProtocolLayouts.LAYOUTS, MessageValidator.protocol(LIMITS));
    }

    @Test
    void journalMessagesWithCorruptLengthsAreRejectedOrDecodeSafely()
    {
        corruptLengthsAreRejectedOrSafe(SchemaModel.JOURNAL, JournalLayouts.LAYOUTS, MessageValidator.journal(LIMITS));
    }

    private static void everyProperPrefixIsRejected(
        final Schema schema, final MessageLayout[] layouts, final MessageValidator validator)
    {
        qt().withExamples(300).forAll(encoded(schema, layouts)).checkAssert(encoded ->
        {
            final byte[] bytes = encoded.bytes();
            for (int prefix = 0; prefix < bytes.length; prefix++)
            {
                final UnsafeBuffer view = new UnsafeBuffer(bytes, 0, prefix);
                assertThatThrownBy(() -> validator.validate(view, 0, view.capacity()))
                    .as("%s cut to %d of %d bytes", encoded.message().name(), view.capacity(), bytes.length)
                    .isInstanceOf(MalformedMessageException.class);
            }
        });
    }

    private static void flippedBytesAreRejectedOrSafe(
        final Schema schema, final MessageLayout[] layouts, final MessageValidator validator)
    {
        final ReflectiveCodec codec = new ReflectiveCodec(schema);
        final Gen<long[]> flips = in ->
        {
            final long[] result = new long[(int)in.next(Constraint.between(1, 4)) * 2];
            for (int i = 0; i < result.length; i += 2)
            {
                result[i] = in.next(Constraint.between(0, Integer.MAX_VALUE));
                result[i + 1] = in.next(Constraint.between(1, 255));
            }
            return result;
        };
        qt().withExamples(3000).forAll(encoded(schema, layouts), flips).checkAssert((encoded, flip) ->
        {
            final byte[] bytes = encoded.bytes().clone();
            for (int i = 0; i < flip.length; i += 2)
            {
                final int at = (int)(flip[i] % bytes.length);
                bytes[at] ^= (byte)flip[i + 1];
            }
            assertRejectedOrSafe(codec, validator, bytes);
        });
    }

    /**
     * A value to write over a length field: all ones (32 or 16 bits), small, a power of two or anything.
     *
     * @param in the randomness.
     * @return the value.
     */
    static long corruptLength(final org.quicktheories.core.RandomnessSource in)
    {
        return switch ((int)in.next(Constraint.between(0, 4)))
        {
            case 0 -> 0xFFFF_FFFFL;
            case 1 -> 0xFFFFL;
            case 2 -> in.next(Constraint.between(0, 64));
            case 3 -> 1L << in.next(Constraint.between(0, 31));
            default -> in.next(Constraint.between(0, 0xFFFF_FFFFL));
        };
    }

    private static void corruptLengthsAreRejectedOrSafe(
        final Schema schema, final MessageLayout[] layouts, final MessageValidator validator)
    {
        final ReflectiveCodec codec = new ReflectiveCodec(schema);
        final Gen<long[]> corruption = in -> new long[]{
            in.next(Constraint.between(0, Integer.MAX_VALUE)), corruptLength(in)};
        qt().withExamples(3000).forAll(encoded(schema, layouts), corruption).checkAssert((encoded, c) ->
        {
            final List<int[]> fields = encoded.lengthFields();
            if (fields.isEmpty())
            {
                return;
            }
            final int[] field = fields.get((int)(c[0] % fields.size()));
            final UnsafeBuffer buffer = new UnsafeBuffer(encoded.bytes().clone());
            if (field[1] == 2)
            {
                buffer.putShort(field[0], (short)c[1], ByteOrder.LITTLE_ENDIAN);
            }
            else
            {
                buffer.putInt(field[0], (int)c[1], ByteOrder.LITTLE_ENDIAN);
            }
            assertRejectedOrSafe(codec, validator, buffer.byteArray());
        });
    }

    private static void assertRejectedOrSafe(
        final ReflectiveCodec codec, final MessageValidator validator, final byte[] bytes)
    {
        final UnsafeBuffer exact = new UnsafeBuffer(bytes);
        try
        {
            validator.validate(exact, 0, bytes.length);
        }
        catch (final MalformedMessageException expected)
        {
            return;
        }
        try
        {
            final Map<String, Object> decoded = codec.decode(exact, 0);
            assertThat(decoded).isNotNull();
        }
        catch (final RuntimeException ex)
        {
            fail("validated message failed to decode: " + MessagePrinter.protocol().print(exact, 0, bytes.length), ex);
        }
    }

    private static Gen<Encoded> encoded(final Schema schema, final MessageLayout[] layouts)
    {
        final ReflectiveCodec codec = new ReflectiveCodec(schema);
        final Gen<Object[]> messages = MessageGen.anyMessage(schema, layouts, LIMITS);
        return in ->
        {
            final Object[] pair = messages.generate(in);
            final Message message = (Message)pair[0];
            @SuppressWarnings("unchecked")
            final Map<String, Object> values = (Map<String, Object>)pair[1];
            final UnsafeBuffer buffer = new UnsafeBuffer(new byte[1 << 16]);
            final List<int[]> lengthFields = new ArrayList<>();
            final int length = codec.encode(message, values, buffer, 0, lengthFields);
            final byte[] bytes = new byte[length];
            buffer.getBytes(0, bytes);
            return new Encoded(message, bytes, lengthFields);
        };
    }
}
