package io.quire.codec;

import io.quire.codec.MalformedMessageException.Reason;
import io.quire.codec.protocol.ComponentKind;
import io.quire.codec.protocol.MessageHeaderEncoder;
import io.quire.codec.protocol.OpKind;
import io.quire.codec.protocol.RejectReason;
import io.quire.codec.protocol.SubmitOpDecoder;
import io.quire.codec.protocol.SubmitOpEncoder;
import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.Test;

import java.lang.management.ManagementFactory;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * Each way a message can be malformed, crafted by hand on a SubmitOp (header 8 bytes, root block 45, components
 * group header 4, each component 5 + 4-byte text length + text, then six var fields).
 */
class MessageValidatorTest
{
    private static final ByteOrder LE = ByteOrder.LITTLE_ENDIAN;
    private static final int BLOCK = MessageHeaderEncoder.ENCODED_LENGTH;
    private static final int GROUP = BLOCK + SubmitOpDecoder.BLOCK_LENGTH;
    private static final int FIRST_COMPONENT = GROUP + 4;

    private final MessageValidator validator = MessageValidator.protocol(CodecLimits.DEFAULT);
    private final UnsafeBuffer buffer = new UnsafeBuffer(new byte[1 << 21]);

    @Test
    void acceptsAWellFormedMessageAndReturnsItsTemplate()
    {
        final int length = Samples.submitInsert(buffer, 0, 5, "abc");
        assertThat(validator.validate(buffer, 0, length)).isEqualTo(SubmitOpDecoder.TEMPLATE_ID);
        assertThat(validator.schemaId()).isEqualTo(CodecConstants.PROTOCOL_SCHEMA_ID);
        assertThat(validator.limits()).isSameAs(CodecLimits.DEFAULT);
    }

    @Test
    void rejectsHeaderProblemsWithoutTrustingTheBlock()
    {
        final int length = Samples.submitInsert(buffer, 0, 5, "abc");
        assertRejected(7, Reason.TRUNCATED_HEADER, false);
        assertRejected(length, 4, (short)2, Reason.UNKNOWN_SCHEMA, false);
        assertRejected(length, 6, (short)0, Reason.UNSUPPORTED_VERSION, false);
        assertRejected(length, 2, (short)99, Reason.UNKNOWN_TEMPLATE, false);
        assertRejected(length, 2, (short)0, Reason.UNKNOWN_TEMPLATE, false);
        assertRejected(length, 0, (short)44, Reason.BLOCK_LENGTH_TOO_SMALL, false);
        assertRejected(BLOCK + 44, Reason.TRUNCATED_BLOCK, false);
        assertThatThrownBy(() -> MessageValidator.journal(CodecLimits.DEFAULT).validate(buffer, 0, length))
            .isInstanceOfSatisfying(MalformedMessageException.class,
                ex -> assertThat(ex.reason()).isEqualTo(Reason.UNKNOWN_SCHEMA));
    }

    @Test
    void rejectsBadFixedFieldsButKeepsTheCorrelationReadable()
    {
        final int length = Samples.submitInsert(buffer, 0, 5, "abc");
        final int opKind = BLOCK + SubmitOpDecoder.opKindEncodingOffset();
        assertRejectedByte(length, opKind, 0, Reason.INVALID_ENUM);
        assertRejectedByte(length, opKind, 4, Reason.INVALID_ENUM);
        assertRejectedByte(length, opKind, 255, Reason.INVALID_ENUM);
        final int baseVersion = BLOCK + SubmitOpDecoder.baseVersionEncodingOffset();
        buffer.putLong(baseVersion, -2, LE);
        assertRejected(length, Reason.VALUE_OUT_OF_RANGE, true);
        buffer.putLong(baseVersion, -1, LE);
        assertThat(validator.validate(buffer, 0, length)).isEqualTo(SubmitOpDecoder.TEMPLATE_ID);
    }

    @Test
    void rejectsGroupsThatDoNotFit()
    {
        final int length = Samples.submitInsert(buffer, 0, 5, "abc");
        assertRejected(GROUP + 3, Reason.TRUNCATED_GROUP_HEADER, true);
        assertRejected(length, GROUP, (short)4, Reason.GROUP_BLOCK_LENGTH_TOO_SMALL, true);
        final MalformedMessageException huge = assertRejected(length, GROUP + 2, (short)0xFFFF, Reason.TOO_MANY_ENTRIES, true);
        assertThat(huge.rejectReason()).isEqualTo(RejectReason.OP_TOO_LARGE);
        assertRejected(length, GROUP + 2, (short)4000, Reason.TRUNCATED_GROUP, true);
        assertRejected(length, GROUP, (short)60000, Reason.TRUNCATED_GROUP, true);
    }

    @Test
    void rejectsVarFieldsThatDoNotFitOrBreakLimits()
    {
        final int length = Samples.submitInsert(buffer, 0, 0, "abc");
        final int textLength = FIRST_COMPONENT + 5;
        assertRejected(textLength + 3, Reason.TRUNCATED_VAR_LENGTH, true);
        assertRejectedInt(length, textLength, 0xFFFF_FFFF, Reason.VAR_DATA_PAST_END);
        assertRejectedInt(length, textLength, 1 << 30, Reason.VAR_DATA_PAST_END);
        assertRejected(length - 1, Reason.TRUNCATED_VAR_LENGTH, true);

        final String longId = "x".repeat(CodecLimits.DEFAULT_MAX_ID_BYTES + 1);
        final int tooLong = encode(new String[]{"docs", longId}, "abc");
        final MalformedMessageException id = assertRejected(tooLong, Reason.FIELD_TOO_LARGE, true);
        assertThat(id.field()).isEqualTo("docId");
        assertThat(id.rejectReason()).isEqualTo(RejectReason.MESSAGE_BADLY_FORMED);
        assertThat(validator.validate(buffer, 0, encode(new String[]{"docs", longId.substring(1)}, "abc")))
            .isEqualTo(SubmitOpDecoder.TEMPLATE_ID);

        final String paste = "y".repeat(CodecLimits.DEFAULT_MAX_OP_TEXT_BYTES + 1);
        final MalformedMessageException text = assertRejected(encode(null, paste), Reason.FIELD_TOO_LARGE, true);
        assertThat(text.rejectReason()).isEqualTo(RejectReason.OP_TOO_LARGE);
        assertThat(validator.validate(buffer, 0, encode(null, paste.substring(1))))
            .isEqualTo(SubmitOpDecoder.TEMPLATE_ID);
    }

    @Test
    void rejectsTheOpTextSummedOverComponents()
    {
        final CodecLimits limits = CodecLimits.builder().maxOpTextBytes(10).build();
        final MessageValidator small = MessageValidator.protocol(limits);
        final SubmitOpEncoder encoder = start();
        final SubmitOpEncoder.ComponentsEncoder components = encoder.componentsCount(3);
        for (final String text : new String[]{"abcd", "efgh", "ijk"})
        {
            components.next().kind(ComponentKind.INSERT).length(text.length());
            components.putText(ascii(text), 0, text.length());
        }
        final int length = finish(encoder, "docs", "d1");
        assertThatThrownBy(() -> small.validate(buffer, 0, length))
            .isInstanceOfSatisfying(MalformedMessageException.class, ex ->
            {
                assertThat(ex.reason()).isEqualTo(Reason.FIELD_TOO_LARGE);
                assertThat(ex.field()).isEqualTo("components.text");
                assertThat(ex.rejectReason()).isEqualTo(RejectReason.OP_TOO_LARGE);
            });
        assertThat(validator.validate(buffer, 0, length)).isEqualTo(SubmitOpDecoder.TEMPLATE_ID);
    }

    @Test
    void rejectsMalformedUtf8InAnyVarField()
    {
        final int length = encode(new String[]{"docs", "d\u00e9"}, "abc");
        final int docIdBytes = length - (2 + 32) - 2 - 2 - 4 - 2;
        buffer.putByte(docIdBytes, (byte)0xC3);
        buffer.putByte(docIdBytes + 1, (byte)0x28);
        final MalformedMessageException ex = assertRejected(length, Reason.INVALID_UTF8, true);
        assertThat(ex.field()).isEqualTo("docId");
        assertThat(ex.offset()).isEqualTo(docIdBytes);
    }

    @Test
    void rejectsInconsistentComponents()
    {
        assertComponentRejected(ComponentKind.RETAIN, 0, "");
        assertComponentRejected(ComponentKind.RETAIN, 3, "abc");
        assertComponentRejected(ComponentKind.INSERT, 2, "abc");
        assertComponentRejected(ComponentKind.INSERT, 1, "");
        assertComponentRejected(ComponentKind.INSERT, 2, "\uD83D\uDE00");
        assertComponentRejected(ComponentKind.DELETE, 4, "abc");
        assertComponentRejected(ComponentKind.DELETE, 0, "");
        assertComponentRejected(ComponentKind.DELETE, 0x8000_0000L, "");
        assertComponentAccepted(ComponentKind.INSERT, 1, "\uD83D\uDE00");
        assertComponentAccepted(ComponentKind.DELETE, 3, "abc");
        assertComponentAccepted(ComponentKind.DELETE, 1_000_000, "");
        assertComponentAccepted(ComponentKind.RETAIN, Integer.MAX_VALUE, "");
    }

    @Test
    void acceptsExactlyMaxOpComponents()
    {
        final int max = CodecLimits.DEFAULT_MAX_OP_COMPONENTS;
        assertThat(validator.validate(buffer, 0, retains(max))).isEqualTo(SubmitOpDecoder.TEMPLATE_ID);
        final int tooMany = retains(max + 1);
        final MalformedMessageException ex = assertRejected(tooMany, Reason.TOO_MANY_ENTRIES, true);
        assertThat(ex.rejectReason()).isEqualTo(RejectReason.OP_TOO_LARGE);
        assertThat(validator.validate(buffer, 0, retains(0))).isEqualTo(SubmitOpDecoder.TEMPLATE_ID);
    }

    @Test
    void rejectsTrailingBytesFromAKnownVersionButNotFromANewerOne()
    {
        final int length = Samples.submitInsert(buffer, 0, 5, "abc");
        assertRejected(length + 1, Reason.TRAILING_BYTES, true);
        buffer.putShort(6, (short)(SubmitOpDecoder.SCHEMA_VERSION + 1), LE);
        assertThat(validator.validate(buffer, 0, length + 1)).isEqualTo(SubmitOpDecoder.TEMPLATE_ID);
    }

    @Test
    void readsAVersionOneEngineHeartbeatWithoutTheIngressSessionId()
    {
        final io.quire.codec.protocol.EngineHeartbeatEncoder e = new io.quire.codec.protocol.EngineHeartbeatEncoder()
            .wrapAndApplyHeader(buffer, 0, new MessageHeaderEncoder())
            .epoch(3).timestampNs(1).nodeId(2).shardCount(2).shardBegin(0).shardEnd(2)
            .role(io.quire.codec.protocol.NodeRole.PRIMARY).ingressSessionId(77);
        final int full = BLOCK + e.encodedLength();
        assertThat(validator.validate(buffer, 0, full)).isEqualTo(e.sbeTemplateId());
        final io.quire.codec.protocol.MessageHeaderDecoder header = new io.quire.codec.protocol.MessageHeaderDecoder();
        assertThat(new io.quire.codec.protocol.EngineHeartbeatDecoder().wrapAndApplyHeader(buffer, 0, header)
            .ingressSessionId()).isEqualTo(77);

        // As a version-1 engine sends it: the block ends before ingressSessionId.
        final int v1Block = io.quire.codec.protocol.EngineHeartbeatDecoder.ingressSessionIdEncodingOffset();
        buffer.putShort(0, (short)v1Block, LE);
        buffer.putShort(6, (short)1, LE);
        assertThat(validator.validate(buffer, 0, BLOCK + v1Block)).isEqualTo(e.sbeTemplateId());
        final io.quire.codec.protocol.EngineHeartbeatDecoder old = new io.quire.codec.protocol.EngineHeartbeatDecoder()
            .wrapAndApplyHeader(buffer, 0, header);
        assertThat(old.epoch()).isEqualTo(3);
        assertThat(old.ingressSessionId())
            .isEqualTo(io.quire.codec.protocol.EngineHeartbeatDecoder.ingressSessionIdNullValue());
    }

    @Test
    void readsAVersionTwoOpAckWithoutTheLatencyStamps()
    {
        final io.quire.codec.protocol.OpAckEncoder e = new io.quire.codec.protocol.OpAckEncoder()
            .wrapAndApplyHeader(buffer, 0, new MessageHeaderEncoder())
            .sessionId(1).requestId(2).docHash(3).version(4).seq(5).edgeId(6)
            .engineReceivedNs(10).engineSequencedNs(11).engineSentNs(12)
            .putCollection(ascii("docs"), 0, 4).putDocId(ascii("a"), 0, 1).putSource(ascii("src"), 0, 3);
        final int full = BLOCK + e.encodedLength();
        assertThat(validator.validate(buffer, 0, full)).isEqualTo(e.sbeTemplateId());

        // As a version-2 engine sends it: the block ends where the stamps begin, the var data follows at once.
        final int v2Block = io.quire.codec.protocol.OpAckDecoder.engineReceivedNsEncodingOffset();
        final int dropped = io.quire.codec.protocol.OpAckDecoder.BLOCK_LENGTH - v2Block;
        final UnsafeBuffer old = new UnsafeBuffer(new byte[full]);
        old.putBytes(0, buffer, 0, BLOCK + v2Block);
        old.putBytes(BLOCK + v2Block, buffer, BLOCK + v2Block + dropped, full - BLOCK - v2Block - dropped);
        old.putShort(0, (short)v2Block, LE);
        old.putShort(6, (short)2, LE);
        assertThat(validator.validate(old, 0, full - dropped)).isEqualTo(e.sbeTemplateId());
        final io.quire.codec.protocol.OpAckDecoder d = new io.quire.codec.protocol.OpAckDecoder()
            .wrapAndApplyHeader(old, 0, new io.quire.codec.protocol.MessageHeaderDecoder());
        assertThat(d.version()).isEqualTo(4);
        assertThat(d.engineReceivedNs()).isZero();
        assertThat(d.engineSentNs()).isZero();
        assertThat(d.collection()).isEqualTo("docs");
        assertThat(d.docId()).isEqualTo("a");
        assertThat(d.source()).isEqualTo("src");
        // Shorter than version 2's block is still refused.
        old.putShort(0, (short)(v2Block - 8), LE);
        assertThatThrownBy(() -> validator.validate(old, 0, full - dropped))
            .isInstanceOf(MalformedMessageException.class);
    }

    @Test
    void leavesUnknownEnumValuesFromANewerVersionToTheDecoder()
    {
        final int length = Samples.submitInsert(buffer, 0, 5, "abc");
        buffer.putShort(6, (short)(SubmitOpDecoder.SCHEMA_VERSION + 1), LE);
        buffer.putByte(BLOCK + SubmitOpDecoder.opKindEncodingOffset(), (byte)9);
        buffer.putByte(FIRST_COMPONENT, (byte)9);
        assertThat(validator.validate(buffer, 0, length)).isEqualTo(SubmitOpDecoder.TEMPLATE_ID);
        final SubmitOpDecoder decoder = new SubmitOpDecoder()
            .wrapAndApplyHeader(buffer, 0, new io.quire.codec.protocol.MessageHeaderDecoder());
        assertThat(decoder.opKind()).isEqualTo(OpKind.SBE_UNKNOWN);
        assertThat(decoder.components().next().kind()).isEqualTo(ComponentKind.SBE_UNKNOWN);
    }

    @Test
    void refusesARangeOutsideTheBuffer()
    {
        assertThatThrownBy(() -> validator.validate(new UnsafeBuffer(new byte[10]), 4, 8))
            .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> validator.validate(buffer, -1, 8)).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void validatesWithoutAllocating()
    {
        final com.sun.management.ThreadMXBean threads =
            (com.sun.management.ThreadMXBean)ManagementFactory.getThreadMXBean();
        final int length = Samples.submitInsert(buffer, 0, 5, "h\u00e9llo \uD83D\uDE00 world");
        for (int i = 0; i < 20_000; i++)
        {
            validator.validate(buffer, 0, length);
        }
        final long before = threads.getCurrentThreadAllocatedBytes();
        int sum = 0;
        for (int i = 0; i < 100_000; i++)
        {
            sum += validator.validate(buffer, 0, length);
        }
        final long allocated = threads.getCurrentThreadAllocatedBytes() - before;
        assertThat(sum).isEqualTo(100_000 * SubmitOpDecoder.TEMPLATE_ID);
        assertThat(allocated).as("bytes allocated by 100k validations").isLessThan(1024);
    }

    private void assertComponentRejected(final ComponentKind kind, final long length, final String text)
    {
        final int total = component(kind, length, text);
        final MalformedMessageException ex = assertRejected(total, Reason.INVALID_COMPONENT, true);
        assertThat(ex.rejectReason()).isEqualTo(RejectReason.OP_BADLY_FORMED);
        assertThat(ex.offset()).isEqualTo(FIRST_COMPONENT);
    }

    private void assertComponentAccepted(final ComponentKind kind, final long length, final String text)
    {
        assertThat(validator.validate(buffer, 0, component(kind, length, text))).isEqualTo(SubmitOpDecoder.TEMPLATE_ID);
    }

    private int component(final ComponentKind kind, final long length, final String text)
    {
        final SubmitOpEncoder encoder = start();
        final byte[] bytes = text.getBytes(StandardCharsets.UTF_8);
        encoder.componentsCount(1).next().kind(kind).length(length).putText(bytes, 0, bytes.length);
        return finish(encoder, "docs", "d1");
    }

    private int retains(final int count)
    {
        final SubmitOpEncoder encoder = start();
        final SubmitOpEncoder.ComponentsEncoder components = encoder.componentsCount(count);
        for (int i = 0; i < count; i++)
        {
            components.next().kind(ComponentKind.RETAIN).length(1).putText(new byte[0], 0, 0);
        }
        return finish(encoder, "docs", "d1");
    }

    private int encode(final String[] ids, final String insert)
    {
        final SubmitOpEncoder encoder = start();
        final byte[] bytes = insert.getBytes(StandardCharsets.UTF_8);
        encoder.componentsCount(1).next().kind(ComponentKind.INSERT).length(insert.codePointCount(0, insert.length()))
            .putText(bytes, 0, bytes.length);
        return ids == null ? finish(encoder, "docs", "d1") : finish(encoder, ids[0], ids[1]);
    }

    private SubmitOpEncoder start()
    {
        return new SubmitOpEncoder().wrapAndApplyHeader(buffer, 0, new MessageHeaderEncoder())
            .sessionId(1).requestId(2).docHash(3).baseVersion(4).seq(5).edgeId(6).opKind(OpKind.EDIT);
    }

    private static int finish(final SubmitOpEncoder encoder, final String collection, final String docId)
    {
        encoder.collection(collection).docId(docId).source(Samples.SOURCE).principal("").createType("")
            .createData("");
        return MessageHeaderEncoder.ENCODED_LENGTH + encoder.encodedLength();
    }

    private static UnsafeBuffer ascii(final String text)
    {
        return new UnsafeBuffer(text.getBytes(StandardCharsets.US_ASCII));
    }

    private MalformedMessageException assertRejected(
        final int length, final Reason reason, final boolean rootBlockReadable)
    {
        try
        {
            validator.validate(buffer, 0, length);
        }
        catch (final MalformedMessageException ex)
        {
            assertThat(ex.reason()).as(ex.getMessage()).isEqualTo(reason);
            assertThat(ex.isRootBlockReadable()).as(ex.getMessage()).isEqualTo(rootBlockReadable);
            return ex;
        }
        throw new AssertionError("accepted, expected " + reason);
    }

    private MalformedMessageException assertRejected(
        final int length, final int at, final short value, final Reason reason, final boolean rootBlockReadable)
    {
        final short original = buffer.getShort(at, LE);
        buffer.putShort(at, value, LE);
        try
        {
            return assertRejected(length, reason, rootBlockReadable);
        }
        finally
        {
            buffer.putShort(at, original, LE);
        }
    }

    private void assertRejectedByte(final int length, final int at, final int value, final Reason reason)
    {
        final byte original = buffer.getByte(at);
        buffer.putByte(at, (byte)value);
        assertRejected(length, reason, true);
        buffer.putByte(at, original);
    }

    private void assertRejectedInt(final int length, final int at, final int value, final Reason reason)
    {
        final int original = buffer.getInt(at, LE);
        buffer.putInt(at, value, LE);
        assertRejected(length, reason, true);
        buffer.putInt(at, original, LE);
    }
}
