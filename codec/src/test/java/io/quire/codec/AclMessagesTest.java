package io.quire.codec;

import io.quire.codec.MalformedMessageException.Reason;
import io.quire.codec.protocol.AclAction;
import io.quire.codec.protocol.AclRequestDecoder;
import io.quire.codec.protocol.AclRequestEncoder;
import io.quire.codec.protocol.AclRole;
import io.quire.codec.protocol.AclStateDecoder;
import io.quire.codec.protocol.AclStateEncoder;
import io.quire.codec.protocol.MessageHeaderDecoder;
import io.quire.codec.protocol.MessageHeaderEncoder;
import io.quire.codec.protocol.RejectReason;
import io.quire.codec.protocol.RequestKind;
import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * The ACL messages of the protocol (AclRequest, AclState) and the SnapshotHeader's ACL group: round trips and the
 * validator's checks on their groups (roles, entry count, user length).
 */
class AclMessagesTest
{
    private final UnsafeBuffer buffer = new UnsafeBuffer(new byte[1 << 16]);
    private final MessageValidator validator = MessageValidator.protocol(CodecLimits.DEFAULT);

    @Test
    void aclRequestRoundTrips()
    {
        final AclRequestEncoder encoder = new AclRequestEncoder().wrapAndApplyHeader(buffer, 0, new MessageHeaderEncoder())
            .sessionId(3).requestId(4).docHash(5).edgeId(6).action(AclAction.GRANT).role(AclRole.EDITOR)
            .collection("docs").docId("d1").user("bob").principal("alice");
        final int length = MessageHeaderEncoder.ENCODED_LENGTH + encoder.encodedLength();
        assertThat(validator.validate(buffer, 0, length)).isEqualTo(AclRequestDecoder.TEMPLATE_ID);
        final AclRequestDecoder decoder = new AclRequestDecoder().wrapAndApplyHeader(
            MessageRoundTripPropertyTest.exactCopy(buffer, 0, length), 0, new MessageHeaderDecoder());
        assertThat(decoder.action()).isEqualTo(AclAction.GRANT);
        assertThat(decoder.role()).isEqualTo(AclRole.EDITOR);
        assertThat(decoder.collection()).isEqualTo("docs");
        assertThat(decoder.docId()).isEqualTo("d1");
        assertThat(decoder.user()).isEqualTo("bob");
        assertThat(decoder.principal()).isEqualTo("alice");
        assertThat(RejectReasons.shareDbCode(RejectReason.LAST_OWNER)).isEqualTo("ERR_ACL_LAST_OWNER");
        assertThat(RejectReasons.shareDbCode(RejectReason.ACL_TOO_LARGE)).isEqualTo("ERR_ACL_TOO_LARGE");
    }

    @Test
    void aclStateRoundTripsItsEntries()
    {
        final int length = aclState(3, AclRole.OWNER);
        assertThat(validator.validate(buffer, 0, length)).isEqualTo(AclStateDecoder.TEMPLATE_ID);
        final AclStateDecoder decoder = new AclStateDecoder().wrapAndApplyHeader(
            MessageRoundTripPropertyTest.exactCopy(buffer, 0, length), 0, new MessageHeaderDecoder());
        assertThat(decoder.requestKind()).isEqualTo(RequestKind.ACL_GRANT);
        final AclStateDecoder.EntriesDecoder entries = decoder.entries();
        assertThat(entries.count()).isEqualTo(3);
        assertThat(entries.next().role()).isEqualTo(AclRole.OWNER);
        assertThat(entries.user()).isEqualTo("user-0-\uD83D\uDE00");
        entries.next().skipUser();
        entries.next().skipUser();
        assertThat(decoder.collection()).isEqualTo("docs");
        assertThat(decoder.docId()).isEqualTo("d1");
    }

    @Test
    void rejectsAnUndefinedRoleInAnEntry()
    {
        final int length = aclState(2, AclRole.VIEWER);
        final int firstEntry = MessageHeaderEncoder.ENCODED_LENGTH + AclStateDecoder.BLOCK_LENGTH +
            AclStateDecoder.EntriesDecoder.sbeHeaderSize();
        buffer.putByte(firstEntry + AclStateDecoder.EntriesDecoder.roleEncodingOffset(), (byte)9);
        assertThatThrownBy(() -> validator.validate(buffer, 0, length))
            .isInstanceOfSatisfying(MalformedMessageException.class,
                ex -> assertThat(ex.reason()).isEqualTo(Reason.INVALID_ENUM));
    }

    @Test
    void rejectsMoreEntriesThanTheLimitAndAUserThatRunsPastTheEnd()
    {
        final MessageValidator small = MessageValidator.protocol(CodecLimits.builder().maxAclEntries(2).build());
        final int length = aclState(3, AclRole.EDITOR);
        assertThatThrownBy(() -> small.validate(buffer, 0, length))
            .isInstanceOfSatisfying(MalformedMessageException.class,
                ex -> assertThat(ex.reason()).isEqualTo(Reason.TOO_MANY_ENTRIES));
        final int firstUser = MessageHeaderEncoder.ENCODED_LENGTH + AclStateDecoder.BLOCK_LENGTH +
            AclStateDecoder.EntriesDecoder.sbeHeaderSize() + AclStateDecoder.EntriesDecoder.sbeBlockLength();
        buffer.putShort(firstUser, (short)60000, java.nio.ByteOrder.LITTLE_ENDIAN);
        assertThatThrownBy(() -> validator.validate(buffer, 0, length))
            .isInstanceOf(MalformedMessageException.class);
    }

    private int aclState(final int entries, final AclRole role)
    {
        final AclStateEncoder encoder = new AclStateEncoder().wrapAndApplyHeader(buffer, 0, new MessageHeaderEncoder())
            .sessionId(1).requestId(2).docHash(3).version(4).edgeId(5).requestKind(RequestKind.ACL_GRANT);
        final AclStateEncoder.EntriesEncoder group = encoder.entriesCount(entries);
        for (int i = 0; i < entries; i++)
        {
            group.next().role(role).user("user-" + i + "-\uD83D\uDE00");
        }
        encoder.collection("docs").docId("d1");
        return MessageHeaderEncoder.ENCODED_LENGTH + encoder.encodedLength();
    }
}
