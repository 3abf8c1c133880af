package io.quire.codec;

import io.quire.codec.MalformedMessageException.Reason;
import io.quire.codec.protocol.HistoryEntryDecoder;
import io.quire.codec.protocol.HistoryEntryEncoder;
import io.quire.codec.protocol.HistoryRequestDecoder;
import io.quire.codec.protocol.HistoryRequestEncoder;
import io.quire.codec.protocol.MessageHeaderDecoder;
import io.quire.codec.protocol.MessageHeaderEncoder;
import io.quire.codec.protocol.OpKind;
import io.quire.codec.protocol.RejectReason;
import io.quire.codec.protocol.RequestKind;
import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.Test;

import java.nio.ByteOrder;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * The history exchange (HistoryRequest, then HistoryEntry* and RequestDone): what the edge and the engine encode
 * passes the validator and decodes back; the checks on its fixed fields and var fields hold.
 */
class HistoryMessagesTest
{
    private static final int BLOCK = MessageHeaderEncoder.ENCODED_LENGTH;

    private final MessageValidator validator = MessageValidator.protocol(CodecLimits.DEFAULT);
    private final UnsafeBuffer buffer = new UnsafeBuffer(new byte[4096]);
    private final MessageHeaderEncoder header = new MessageHeaderEncoder();

    private int request(final long fromVersion, final String principal)
    {
        final HistoryRequestEncoder e = new HistoryRequestEncoder().wrapAndApplyHeader(buffer, 0, header)
            .sessionId(3).requestId(44).docHash(ShardRouter.docHash("docs", "notes")).fromVersion(fromVersion)
            .maxEntries(50).edgeId(1)
            .collection("docs").docId("notes").principal(principal);
        return BLOCK + e.encodedLength();
    }

    private int entry(final String principal)
    {
        final HistoryEntryEncoder e = new HistoryEntryEncoder().wrapAndApplyHeader(buffer, 0, header)
            .sessionId(3).requestId(44).docHash(ShardRouter.docHash("docs", "notes")).version(17)
            .timestampNs(1_790_000_000_123_456_789L).inserted(5).deleted(2).edgeId(1).opKind(OpKind.EDIT)
            .principal(principal).source("0f9e8d7c6b5a49382716051423324150");
        return BLOCK + e.encodedLength();
    }

    @Test
    void aRequestPassesAndDecodes()
    {
        final int length = request(CodecConstants.NULL_VERSION, "alice");
        assertThat(validator.validate(buffer, 0, length)).isEqualTo(HistoryRequestDecoder.TEMPLATE_ID);
        final HistoryRequestDecoder d = new HistoryRequestDecoder().wrapAndApplyHeader(
            buffer, 0, new MessageHeaderDecoder());
        assertThat(d.fromVersion()).isEqualTo(CodecConstants.NULL_VERSION);
        assertThat(d.maxEntries()).isEqualTo(50);
        assertThat(d.collection()).isEqualTo("docs");
        assertThat(d.docId()).isEqualTo("notes");
        assertThat(d.principal()).isEqualTo("alice");
    }

    @Test
    void aRequestBelowVersionMinusOneOrWithAnOversizedPrincipalIsRefused()
    {
        final int length = request(-2, "");
        assertThatThrownBy(() -> validator.validate(buffer, 0, length))
            .isInstanceOfSatisfying(MalformedMessageException.class, ex ->
            {
                assertThat(ex.reason()).isEqualTo(Reason.VALUE_OUT_OF_RANGE);
                assertThat(ex.isRootBlockReadable()).isTrue();
                assertThat(ex.rejectReason()).isEqualTo(RejectReason.MESSAGE_BADLY_FORMED);
            });
        final int tooLong = request(0, "p".repeat(CodecLimits.DEFAULT_MAX_PRINCIPAL_BYTES + 1));
        assertThatThrownBy(() -> validator.validate(buffer, 0, tooLong))
            .isInstanceOfSatisfying(MalformedMessageException.class,
                ex -> assertThat(ex.reason()).isEqualTo(Reason.FIELD_TOO_LARGE));
    }

    @Test
    void anEntryPassesAndDecodesWithItsAuthorTimeAndSize()
    {
        final int length = entry("bob");
        assertThat(validator.validate(buffer, 0, length)).isEqualTo(HistoryEntryDecoder.TEMPLATE_ID);
        final HistoryEntryDecoder d = new HistoryEntryDecoder().wrapAndApplyHeader(
            buffer, 0, new MessageHeaderDecoder());
        assertThat(d.version()).isEqualTo(17);
        assertThat(d.timestampNs()).isEqualTo(1_790_000_000_123_456_789L);
        assertThat(d.inserted()).isEqualTo(5);
        assertThat(d.deleted()).isEqualTo(2);
        assertThat(d.opKind()).isEqualTo(OpKind.EDIT);
        assertThat(d.principal()).isEqualTo("bob");
        assertThat(d.source()).isEqualTo("0f9e8d7c6b5a49382716051423324150");
    }

    @Test
    void anEntryWithAnUnknownOpKindOrANegativeVersionIsRefused()
    {
        final int length = entry("");
        final int opKind = BLOCK + HistoryEntryDecoder.opKindEncodingOffset();
        buffer.putByte(opKind, (byte)7);
        assertThatThrownBy(() -> validator.validate(buffer, 0, length))
            .isInstanceOfSatisfying(MalformedMessageException.class,
                ex -> assertThat(ex.reason()).isEqualTo(Reason.INVALID_ENUM));
        buffer.putByte(opKind, (byte)OpKind.EDIT.value());
        buffer.putLong(BLOCK + HistoryEntryDecoder.versionEncodingOffset(), -1, ByteOrder.LITTLE_ENDIAN);
        assertThatThrownBy(() -> validator.validate(buffer, 0, length))
            .isInstanceOfSatisfying(MalformedMessageException.class,
                ex -> assertThat(ex.reason()).isEqualTo(Reason.VALUE_OUT_OF_RANGE));
    }

    @Test
    void historyIsARequestKindWithItsOwnErrorCodes()
    {
        // 10 and 11 are ACL_GET and ACL_GRANT (branch auth); HISTORY took the next value when the branches merged.
        assertThat(RequestKind.get((short)12)).isEqualTo(RequestKind.HISTORY);
        assertThat(RequestKind.get((short)10)).isEqualTo(RequestKind.ACL_GET);
        assertThat(RejectReasons.shareDbCode(RejectReason.HISTORY_GONE)).isEqualTo("ERR_SUBMIT_TRANSFORM_OPS_NOT_FOUND");
    }
}
