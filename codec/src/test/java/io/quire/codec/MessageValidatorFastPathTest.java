package io.quire.codec;

import io.quire.codec.SchemaModel.Message;
import io.quire.codec.protocol.SubmitOpDecoder;
import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.Test;
import org.quicktheories.core.Gen;
import org.quicktheories.impl.Constraint;

import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.quicktheories.QuickTheory.qt;

/**
 * The SubmitOp fast path of {@link MessageValidator} against its general path, differentially: on valid SubmitOps
 * (where the fast path must be the one that accepts) and on corrupted ones (flipped bytes, corrupt length fields,
 * cut short, grown, another version), {@code validate} must give exactly what {@code validateGeneral} gives, the same
 * template or the same reason, with tight and with default limits, at the start of a buffer and inside a larger one.
 */
class MessageValidatorFastPathTest
{
    private static final Message SUBMIT = SchemaModel.PROTOCOL.messages().stream()
        .filter(m -> m.templateId() == SubmitOpDecoder.TEMPLATE_ID).findFirst().orElseThrow();
    private static final ReflectiveCodec CODEC = new ReflectiveCodec(SchemaModel.PROTOCOL);
    private static final int TERM_OFFSET = 96;

    /** An encoded SubmitOp and where its length fields are. */
    private record Encoded(byte[] bytes, List<int[]> lengthFields)
    {
    }

    @Test
    void acceptsEveryValidSubmitOpOnTheFastPath()
    {
        for (final CodecLimits limits : new CodecLimits[]{MessageRoundTripPropertyTest.TIGHT, CodecLimits.DEFAULT})
        {
            final MessageValidator validator = MessageValidator.protocol(limits);
            qt().withExamples(1000).forAll(submits(limits)).checkAssert(encoded ->
            {
                final UnsafeBuffer buffer = new UnsafeBuffer(encoded.bytes());
                assertThat(validator.acceptsSubmitOp(buffer, 0, encoded.bytes().length)).isTrue();
                final UnsafeBuffer term = new UnsafeBuffer(new byte[TERM_OFFSET + encoded.bytes().length + 64]);
                term.setMemory(0, term.capacity(), (byte)0xAB);
                term.putBytes(TERM_OFFSET, encoded.bytes());
                assertThat(validator.acceptsSubmitOp(term, TERM_OFFSET, encoded.bytes().length)).isTrue();
                assertThat(validator.validate(buffer, 0, encoded.bytes().length)).isEqualTo(SubmitOpDecoder.TEMPLATE_ID);
                assertThat(validator.validateGeneral(buffer, 0, encoded.bytes().length))
                    .isEqualTo(SubmitOpDecoder.TEMPLATE_ID);
            });
        }
    }

    @Test
    void agreesWithTheGeneralPathOnFlippedBytes()
    {
        final Gen<long[]> flips = in ->
        {
            final long[] f = new long[2 * (int)in.next(Constraint.between(1, 3))];
            for (int i = 0; i < f.length; i += 2)
            {
                f[i] = in.next(Constraint.between(0, Integer.MAX_VALUE));
                f[i + 1] = in.next(Constraint.between(1, 255));
            }
            return f;
        };
        forBothLimits((validator, limits) ->
            qt().withExamples(3000).forAll(submits(limits), flips).checkAssert((encoded, flip) ->
            {
                final byte[] bytes = encoded.bytes().clone();
                for (int i = 0; i < flip.length; i += 2)
                {
                    bytes[(int)(flip[i] % bytes.length)] ^= (byte)flip[i + 1];
                }
                assertSameOutcome(validator, bytes, bytes.length);
            }));
    }

    @Test
    void agreesWithTheGeneralPathOnCorruptLengthsAndCuts()
    {
        final Gen<long[]> corruption = in -> new long[]{
            in.next(Constraint.between(0, Integer.MAX_VALUE)),
            MessageValidatorPropertyTest.corruptLength(in),
            in.next(Constraint.between(-8, 8))};
        forBothLimits((validator, limits) ->
            qt().withExamples(3000).forAll(submits(limits), corruption).checkAssert((encoded, c) ->
            {
                final byte[] bytes = java.util.Arrays.copyOf(encoded.bytes(), encoded.bytes().length + 16);
                final UnsafeBuffer buffer = new UnsafeBuffer(bytes);
                final int[] field = encoded.lengthFields().get((int)(c[0] % encoded.lengthFields().size()));
                if (field[1] == 2)
                {
                    buffer.putShort(field[0], (short)c[1], ByteOrder.LITTLE_ENDIAN);
                }
                else
                {
                    buffer.putInt(field[0], (int)c[1], ByteOrder.LITTLE_ENDIAN);
                }
                // The message's own length, and lengths a few bytes off it either way.
                final int length = (int)Math.max(0, Math.min(bytes.length, encoded.bytes().length + c[2]));
                assertSameOutcome(validator, bytes, length);
                assertSameOutcome(validator, encoded.bytes(), length);
            }));
    }

    @Test
    void agreesWithTheGeneralPathOnOtherHeaders()
    {
        final Gen<int[]> header = in -> new int[]{
            (int)in.next(Constraint.between(0, 3)) * 2,
            (int)in.next(Constraint.between(0, 6))};
        forBothLimits((validator, limits) ->
            qt().withExamples(1000).forAll(submits(limits), header).checkAssert((encoded, h) ->
            {
                final byte[] bytes = java.util.Arrays.copyOf(encoded.bytes(), encoded.bytes().length + 8);
                final UnsafeBuffer buffer = new UnsafeBuffer(bytes);
                // Nudge one header field (block length, template, schema or version) by a small amount.
                final int value = (buffer.getShort(h[0], ByteOrder.LITTLE_ENDIAN) & 0xFFFF) + h[1] - 3;
                buffer.putShort(h[0], (short)value, ByteOrder.LITTLE_ENDIAN);
                assertSameOutcome(validator, bytes, encoded.bytes().length);
                assertSameOutcome(validator, bytes, bytes.length);
            }));
    }

    private interface PerLimits
    {
        void run(MessageValidator validator, CodecLimits limits);
    }

    private static void forBothLimits(final PerLimits check)
    {
        for (final CodecLimits limits : new CodecLimits[]{MessageRoundTripPropertyTest.TIGHT, CodecLimits.DEFAULT})
        {
            check.run(MessageValidator.protocol(limits), limits);
        }
    }

    private static Gen<Encoded> submits(final CodecLimits limits)
    {
        final Gen<Map<String, Object>> values = MessageGen.message(SUBMIT, ProtocolLayouts.LAYOUTS, limits);
        return in ->
        {
            final UnsafeBuffer buffer = new UnsafeBuffer(new byte[1 << 17]);
            final List<int[]> lengthFields = new ArrayList<>();
            final int length = CODEC.encode(SUBMIT, values.generate(in), buffer, 0, lengthFields);
            final byte[] bytes = new byte[length];
            buffer.getBytes(0, bytes);
            return new Encoded(bytes, lengthFields);
        };
    }

    private static void assertSameOutcome(final MessageValidator validator, final byte[] bytes, final int length)
    {
        final UnsafeBuffer buffer = new UnsafeBuffer(bytes);
        assertThat(outcome(() -> validator.validate(buffer, 0, length)))
            .isEqualTo(outcome(() -> validator.validateGeneral(buffer, 0, length)));
        // The same bytes inside a larger buffer, as in an Aeron term: an offset, and other bytes after the message.
        final UnsafeBuffer term = new UnsafeBuffer(new byte[TERM_OFFSET + bytes.length + 64]);
        term.setMemory(0, term.capacity(), (byte)0xAB);
        term.putBytes(TERM_OFFSET, bytes);
        assertThat(outcome(() -> validator.validate(term, TERM_OFFSET, length)))
            .isEqualTo(outcome(() -> validator.validateGeneral(term, TERM_OFFSET, length)));
    }

    private static String outcome(final java.util.function.IntSupplier validation)
    {
        try
        {
            return "template " + validation.getAsInt();
        }
        catch (final MalformedMessageException ex)
        {
            return ex.reason() + " " + ex.getMessage();
        }
        catch (final IllegalArgumentException ex)
        {
            return "illegal " + ex.getMessage();
        }
    }
}
