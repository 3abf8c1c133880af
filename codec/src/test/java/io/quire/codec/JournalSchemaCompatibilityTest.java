package io.quire.codec;

import io.quire.codec.journal.ComponentKind;
import io.quire.codec.journal.JournalRecordDecoder;
import io.quire.codec.journal.JournalRecordEncoder;
import io.quire.codec.journal.MessageHeaderDecoder;
import io.quire.codec.journal.MessageHeaderEncoder;
import io.quire.codec.journal.OpKind;
import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Journals must stay readable across schema versions. {@code quire-journal-next.xml} (test only) is the journal schema
 * one version later: JournalRecord gains a root field, a field in each component and a trailing var field, all
 * {@code sinceVersion="2"}. The current (version 1) reader must read records written by it, honouring the larger
 * block lengths from the headers (SBE's acting block length) and ignoring what it does not know; and the next reader
 * must read today's records, seeing null values for what they lack.
 */
class JournalSchemaCompatibilityTest
{
    private final UnsafeBuffer buffer = new UnsafeBuffer(new byte[4096]);

    @Test
    void theCurrentReaderReadsRecordsFromTheNextVersion()
    {
        final io.quire.codec.journal.next.JournalRecordEncoder encoder =
            new io.quire.codec.journal.next.JournalRecordEncoder()
                .wrapAndApplyHeader(buffer, 0, new io.quire.codec.journal.next.MessageHeaderEncoder())
                .version(41)
                .docHash(-99)
                .timestampNs(1_700_000_000_000_000_000L)
                .epoch(3)
                .seq(12)
                .prevLsn(4096)
                .checksum(123_456_789L)
                .codePointLength(17)
                .shardId(5)
                .opKind(io.quire.codec.journal.next.OpKind.EDIT)
                .causalityToken(777);
        final io.quire.codec.journal.next.JournalRecordEncoder.ComponentsEncoder components =
            encoder.componentsCount(2);
        components.next().kind(io.quire.codec.journal.next.ComponentKind.RETAIN).length(6).attributes(1).text("");
        components.next().kind(io.quire.codec.journal.next.ComponentKind.INSERT).length(2).attributes(2)
            .text("h\uD83D\uDE00");
        encoder.collection("docs").docId("d1").source("src").principal("alice").createType("").createData("")
            .comment("written by version 2");
        final int length = MessageHeaderEncoder.ENCODED_LENGTH + encoder.encodedLength();

        final MessageHeaderDecoder header = new MessageHeaderDecoder().wrap(buffer, 0);
        assertThat(header.version()).isEqualTo(3);
        assertThat(header.blockLength()).isGreaterThan(JournalRecordDecoder.BLOCK_LENGTH);
        assertThat(MessageValidator.journal(CodecLimits.DEFAULT).validate(buffer, 0, length))
            .isEqualTo(JournalRecordDecoder.TEMPLATE_ID);

        final UnsafeBuffer exact = MessageRoundTripPropertyTest.exactCopy(buffer, 0, length);
        final JournalRecordDecoder decoder = new JournalRecordDecoder().wrapAndApplyHeader(exact, 0, header);
        assertThat(decoder.actingVersion()).isEqualTo(3);
        assertThat(decoder.version()).isEqualTo(41);
        assertThat(decoder.docHash()).isEqualTo(-99);
        assertThat(decoder.timestampNs()).isEqualTo(1_700_000_000_000_000_000L);
        assertThat(decoder.epoch()).isEqualTo(3);
        assertThat(decoder.seq()).isEqualTo(12);
        assertThat(decoder.prevLsn()).isEqualTo(4096);
        assertThat(decoder.checksum()).isEqualTo(123_456_789L);
        assertThat(decoder.codePointLength()).isEqualTo(17);
        assertThat(decoder.shardId()).isEqualTo(5);
        assertThat(decoder.opKind()).isEqualTo(OpKind.EDIT);
        final JournalRecordDecoder.ComponentsDecoder read = decoder.components();
        assertThat(read.count()).isEqualTo(2);
        assertThat(read.next().actingBlockLength()).isGreaterThan(JournalRecordDecoder.ComponentsDecoder.sbeBlockLength());
        assertThat(read.kind()).isEqualTo(ComponentKind.RETAIN);
        assertThat(read.length()).isEqualTo(6);
        assertThat(read.text()).isEmpty();
        assertThat(read.next().kind()).isEqualTo(ComponentKind.INSERT);
        assertThat(read.length()).isEqualTo(2);
        assertThat(read.text()).isEqualTo("h\uD83D\uDE00");
        assertThat(decoder.collection()).isEqualTo("docs");
        assertThat(decoder.docId()).isEqualTo("d1");
        assertThat(decoder.source()).isEqualTo("src");
        assertThat(decoder.principal()).isEqualTo("alice");
        assertThat(decoder.createType()).isEmpty();
        assertThat(decoder.createData()).isEmpty();
        assertThat(MessagePrinter.journal().print(exact, 0, length)).contains("principal='alice'");
    }

    @Test
    void theNextReaderReadsTodaysRecords()
    {
        final JournalRecordEncoder encoder = new JournalRecordEncoder()
            .wrapAndApplyHeader(buffer, 0, new MessageHeaderEncoder())
            .version(0).docHash(1).timestampNs(2).epoch(3).seq(4).prevLsn(-1).checksum(5).codePointLength(0)
            .shardId(6).opKind(OpKind.CREATE);
        encoder.componentsCount(1).next().kind(ComponentKind.DELETE).length(3).text("");
        encoder.collection("docs").docId("d1").source("s").principal("").createType(CodecConstants.TEXT_UNICODE_URI)
            .createData("hello");
        final int length = MessageHeaderEncoder.ENCODED_LENGTH + encoder.encodedLength();

        final UnsafeBuffer exact = MessageRoundTripPropertyTest.exactCopy(buffer, 0, length);
        final io.quire.codec.journal.next.JournalRecordDecoder decoder =
            new io.quire.codec.journal.next.JournalRecordDecoder()
                .wrapAndApplyHeader(exact, 0, new io.quire.codec.journal.next.MessageHeaderDecoder());
        assertThat(decoder.actingVersion()).isEqualTo(2);
        assertThat(decoder.prevLsn()).isEqualTo(CodecConstants.NULL_LSN);
        assertThat(decoder.opKind()).isEqualTo(io.quire.codec.journal.next.OpKind.CREATE);
        assertThat(decoder.causalityToken())
            .isEqualTo(io.quire.codec.journal.next.JournalRecordDecoder.causalityTokenNullValue());
        final io.quire.codec.journal.next.JournalRecordDecoder.ComponentsDecoder components = decoder.components();
        assertThat(components.next().length()).isEqualTo(3);
        assertThat(components.attributes())
            .isEqualTo(io.quire.codec.journal.next.JournalRecordDecoder.ComponentsDecoder.attributesNullValue());
        assertThat(components.text()).isEmpty();
        assertThat(decoder.collection()).isEqualTo("docs");
        assertThat(decoder.docId()).isEqualTo("d1");
        assertThat(decoder.source()).isEqualTo("s");
        assertThat(decoder.principal()).isEmpty();
        assertThat(decoder.createType()).isEqualTo(CodecConstants.TEXT_UNICODE_URI);
        assertThat(decoder.createData()).isEqualTo("hello");
        assertThat(decoder.commentLength()).isZero();
        assertThat(decoder.comment()).isEmpty();
    }

    @Test
    void theCurrentReaderReadsVersionOneSnapshotHeadersWithoutAnAcl()
    {
        final io.quire.codec.journal.SnapshotHeaderEncoder encoder = new io.quire.codec.journal.SnapshotHeaderEncoder()
            .wrapAndApplyHeader(buffer, 0, new MessageHeaderEncoder())
            .docHash(7).version(3).epoch(1).lsn(9).checksum(11).utf16Length(5).codePointLength(5).textLength(5)
            .timestampNs(12).shardId(1).createVersion(0).createSeq(1);
        final int groupAt = MessageHeaderEncoder.ENCODED_LENGTH + encoder.encodedLength();
        encoder.aclCount(0);
        encoder.collection("docs").docId("d1").docType(CodecConstants.TEXT_UNICODE_URI).createSource("s");
        final int written = MessageHeaderEncoder.ENCODED_LENGTH + encoder.encodedLength();
        // A version 1 writer had no acl group: cut its header out and stamp version 1.
        final int groupHeader = io.quire.codec.journal.SnapshotHeaderEncoder.AclEncoder.sbeHeaderSize();
        buffer.putBytes(groupAt, buffer, groupAt + groupHeader, written - groupAt - groupHeader);
        final int length = written - groupHeader;
        buffer.putShort(6, (short)1, java.nio.ByteOrder.LITTLE_ENDIAN);

        assertThat(MessageValidator.journal(CodecLimits.DEFAULT).validate(buffer, 0, length))
            .isEqualTo(io.quire.codec.journal.SnapshotHeaderDecoder.TEMPLATE_ID);
        final UnsafeBuffer exact = MessageRoundTripPropertyTest.exactCopy(buffer, 0, length);
        final MessageHeaderDecoder header = new MessageHeaderDecoder().wrap(exact, 0);
        final io.quire.codec.journal.SnapshotHeaderDecoder decoder = new io.quire.codec.journal.SnapshotHeaderDecoder()
            .wrapAndApplyHeader(exact, 0, header);
        assertThat(decoder.actingVersion()).isEqualTo(1);
        assertThat(decoder.acl().count()).isZero();
        assertThat(decoder.collection()).isEqualTo("docs");
        assertThat(decoder.docId()).isEqualTo("d1");
        assertThat(decoder.docType()).isEqualTo(CodecConstants.TEXT_UNICODE_URI);
        assertThat(decoder.createSource()).isEqualTo("s");
    }
}
