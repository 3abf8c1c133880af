package io.quire.codec;

import io.quire.codec.MessageLayout.Limit;
import io.quire.codec.journal.AclRecordDecoder;
import io.quire.codec.journal.AclRole;
import io.quire.codec.journal.ComponentKind;
import io.quire.codec.journal.EpochRecordDecoder;
import io.quire.codec.journal.JournalRecordDecoder;
import io.quire.codec.journal.NodeRole;
import io.quire.codec.journal.OpKind;
import io.quire.codec.journal.SnapshotHeaderDecoder;

import static io.quire.codec.MessageLayout.mask;

/**
 * Validation layouts of every message of {@code quire-journal.xml}, in schema order.
 */
final class JournalLayouts
{
    private static final long ACL_ROLES = mask(AclRole.values(), AclRole::value);
    private static final long COMPONENT_KINDS = mask(ComponentKind.values(), ComponentKind::value);
    private static final long NODE_ROLES = mask(NodeRole.values(), NodeRole::value);
    private static final long OP_KINDS = mask(OpKind.values(), OpKind::value);

    /** Layouts indexed by template id. */
    static final MessageLayout[] LAYOUTS = new MessageLayout.Builder()
        .message(JournalRecordDecoder.TEMPLATE_ID, "JournalRecord", JournalRecordDecoder.BLOCK_LENGTH)
        .min("version", JournalRecordDecoder.versionEncodingOffset(), 0)
        .min("prevLsn", JournalRecordDecoder.prevLsnEncodingOffset(), -1)
        .enumField("opKind", JournalRecordDecoder.opKindEncodingOffset(), OP_KINDS)
        .components(
            "components",
            JournalRecordDecoder.ComponentsDecoder.sbeHeaderSize(),
            JournalRecordDecoder.ComponentsDecoder.sbeBlockLength(),
            JournalRecordDecoder.ComponentsDecoder.kindEncodingOffset(),
            JournalRecordDecoder.ComponentsDecoder.lengthEncodingOffset(),
            COMPONENT_KINDS,
            JournalRecordDecoder.ComponentsDecoder.textHeaderLength())
        .var("collection", JournalRecordDecoder.collectionHeaderLength(), Limit.ID)
        .var("docId", JournalRecordDecoder.docIdHeaderLength(), Limit.ID)
        .var("source", JournalRecordDecoder.sourceHeaderLength(), Limit.SOURCE)
        .var("principal", JournalRecordDecoder.principalHeaderLength(), Limit.PRINCIPAL)
        .var("createType", JournalRecordDecoder.createTypeHeaderLength(), Limit.TYPE)
        .var("createData", JournalRecordDecoder.createDataHeaderLength(), Limit.CREATE_DATA)
        .message(AclRecordDecoder.TEMPLATE_ID, "AclRecord", AclRecordDecoder.BLOCK_LENGTH)
        .enumField("role", AclRecordDecoder.roleEncodingOffset(), ACL_ROLES)
        .var("collection", AclRecordDecoder.collectionHeaderLength(), Limit.ID)
        .var("docId", AclRecordDecoder.docIdHeaderLength(), Limit.ID)
        .var("user", AclRecordDecoder.userHeaderLength(), Limit.PRINCIPAL)
        .var("grantedBy", AclRecordDecoder.grantedByHeaderLength(), Limit.PRINCIPAL)
        .message(EpochRecordDecoder.TEMPLATE_ID, "EpochRecord", EpochRecordDecoder.BLOCK_LENGTH)
        .enumField("role", EpochRecordDecoder.roleEncodingOffset(), NODE_ROLES)
        .message(SnapshotHeaderDecoder.TEMPLATE_ID, "SnapshotHeader", SnapshotHeaderDecoder.BLOCK_LENGTH)
        .min("version", SnapshotHeaderDecoder.versionEncodingOffset(), 0)
        .min("lsn", SnapshotHeaderDecoder.lsnEncodingOffset(), -1)
        .min("textLength", SnapshotHeaderDecoder.textLengthEncodingOffset(), 0)
        .min("createVersion", SnapshotHeaderDecoder.createVersionEncodingOffset(), -1)
        .aclGroup(
            "acl",
            SnapshotHeaderDecoder.AclDecoder.sbeHeaderSize(),
            SnapshotHeaderDecoder.AclDecoder.sbeBlockLength(),
            2,
            SnapshotHeaderDecoder.AclDecoder.roleEncodingOffset(),
            ACL_ROLES,
            SnapshotHeaderDecoder.AclDecoder.userHeaderLength())
        .var("collection", SnapshotHeaderDecoder.collectionHeaderLength(), Limit.ID)
        .var("docId", SnapshotHeaderDecoder.docIdHeaderLength(), Limit.ID)
        .var("docType", SnapshotHeaderDecoder.docTypeHeaderLength(), Limit.TYPE)
        .var("createSource", SnapshotHeaderDecoder.createSourceHeaderLength(), Limit.SOURCE)
        .build();

    private JournalLayouts()
    {
    }
}
