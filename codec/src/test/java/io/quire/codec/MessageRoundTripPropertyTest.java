package io.quire.codec;

import io.quire.codec.SchemaModel.Message;
import io.quire.codec.SchemaModel.Schema;
import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.quicktheories.QuickTheory.qt;

/**
 * Every message of both schemas: random values (full numeric ranges, every enum value, empty to limit-sized UTF-8
 * text with non-BMP code points, empty to maximum-size op component groups) encode, pass the validator, and decode
 * to the same values through a buffer that ends exactly at the message.
 */
class MessageRoundTripPropertyTest
{
    /** Small limits, so generated fields and groups often sit exactly at them. */
    static final CodecLimits TIGHT = CodecLimits.builder()
        .maxOpComponents(8)
        .maxOpTextBytes(64)
        .maxCreateDataBytes(100)
        .maxIdBytes(24)
        .maxChannelBytes(49)
        .maxSourceBytes(40)
        .maxPrincipalBytes(30)
        .maxTypeBytes(60)
        .maxReasonMessageBytes(100)
        .maxPresenceValueBytes(100)
        .maxSnapshotChunkBytes(200)
        .maxChannelUriBytes(80)
        .build();

    private static final UnsafeBuffer SCRATCH = new UnsafeBuffer(new byte[1 << 20]);

    @TestFactory
    List<DynamicTest> protocolMessagesRoundTrip()
    {
        return roundTrips(SchemaModel.PROTOCOL, ProtocolLayouts.LAYOUTS, MessageValidator.protocol(TIGHT));
    }

    @TestFactory
    List<DynamicTest> journalMessagesRoundTrip()
    {
        return roundTrips(SchemaModel.JOURNAL, JournalLayouts.LAYOUTS, MessageValidator.journal(TIGHT));
    }

    @TestFactory
    List<DynamicTest> protocolMessagesRoundTripWithDefaultLimits()
    {
        return roundTrips(
            SchemaModel.PROTOCOL, ProtocolLayouts.LAYOUTS, MessageValidator.protocol(CodecLimits.DEFAULT));
    }

    private static List<DynamicTest> roundTrips(
        final Schema schema, final MessageLayout[] layouts, final MessageValidator validator)
    {
        final ReflectiveCodec codec = new ReflectiveCodec(schema);
        final List<DynamicTest> tests = new ArrayList<>();
        for (final Message message : schema.messages())
        {
            tests.add(DynamicTest.dynamicTest(message.name(), () ->
                qt().withExamples(200).forAll(MessageGen.message(message, layouts, validator.limits()))
                    .checkAssert(values -> assertRoundTrip(codec, validator, message, values))));
        }
        return tests;
    }

    static void assertRoundTrip(
        final ReflectiveCodec codec,
        final MessageValidator validator,
        final Message message,
        final Map<String, Object> values)
    {
        final UnsafeBuffer scratch = SCRATCH;
        final int offset = 16;
        final int length = codec.encode(message, values, scratch, offset, null);
        final UnsafeBuffer exact = exactCopy(scratch, offset, length);

        assertThat(validator.validate(scratch, offset, length)).isEqualTo(message.templateId());
        assertThat(validator.validate(exact, 0, length)).isEqualTo(message.templateId());
        assertThat(codec.decode(exact, 0)).isEqualTo(values);
    }

    static UnsafeBuffer exactCopy(final UnsafeBuffer buffer, final int offset, final int length)
    {
        final byte[] bytes = new byte[length];
        buffer.getBytes(offset, bytes);
        return new UnsafeBuffer(bytes);
    }
}
