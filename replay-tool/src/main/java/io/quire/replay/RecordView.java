package io.quire.replay;

import io.quire.codec.journal.AclRecordDecoder;
import io.quire.codec.journal.EpochRecordDecoder;
import io.quire.codec.journal.JournalRecordDecoder;
import io.quire.codec.journal.MessageHeaderDecoder;
import io.quire.engine.ot.TextOp;
import io.quire.engine.shard.HistoryEntry;
import io.quire.engine.shard.JournalRecords;
import org.agrona.DirectBuffer;

import java.nio.charset.StandardCharsets;

/**
 * One journal record decoded for people: every field of a {@code JournalRecord}, {@code AclRecord} or
 * {@code EpochRecord}, with strings. Op records are decoded by the engine's {@link JournalRecords}, so the tool reads
 * exactly what recovery reads. Reused from record to record; cold path (allocates strings).
 */
public final class RecordView
{
    /** What kind of record. */
    public enum Type
    {
        /** A committed op ({@code JournalRecord}): create, edit or delete. */
        OP,
        /** A role granted or revoked ({@code AclRecord}). */
        ACL,
        /** A new primary epoch ({@code EpochRecord}). */
        EPOCH,
        /** A template this tool does not know (written by a newer schema). */
        UNKNOWN
    }

    private final JournalRecords records = new JournalRecords();
    private final MessageHeaderDecoder header = new MessageHeaderDecoder();
    private final AclRecordDecoder acl = new AclRecordDecoder();
    private final EpochRecordDecoder epochRecord = new EpochRecordDecoder();
    private final HistoryEntry entry = new HistoryEntry();

    long lsn;
    long excerptIndex;
    int position;
    Type type;
    int templateId;
    int length;

    long version;
    long docHash;
    long timestampNs;
    long epoch;
    long seq;
    long prevLsn;
    long checksum;
    long codePointLength;
    int shardId;
    byte kind;
    long ingressNs;
    String collection = "";
    String docId = "";
    String source = "";
    String principal = "";

    String role = "";
    String user = "";
    String grantedBy = "";
    long previousEpoch;
    long nodeId;

    /**
     * Decode a record.
     *
     * @param lsn          its LSN.
     * @param buffer       buffer holding it.
     * @param offset       its first byte.
     * @param length       its length.
     * @param excerptIndex the Chronicle index of its batch.
     * @param position     its position in the batch.
     * @return this.
     * @throws RuntimeException if the record is malformed (only a faulty writer makes one whose CRC matches).
     */
    public RecordView decode(
        final long lsn, final DirectBuffer buffer, final int offset, final int length, final long excerptIndex,
        final int position)
    {
        this.lsn = lsn;
        this.excerptIndex = excerptIndex;
        this.position = position;
        this.length = length;
        header.wrap(buffer, offset);
        templateId = header.templateId();
        final int body = offset + MessageHeaderDecoder.ENCODED_LENGTH;
        switch (templateId)
        {
            case JournalRecordDecoder.TEMPLATE_ID:
                decodeOp(buffer, offset);
                break;
            case AclRecordDecoder.TEMPLATE_ID:
                type = Type.ACL;
                acl.wrap(buffer, body, header.blockLength(), header.version());
                docHash = acl.docHash();
                epoch = acl.epoch();
                timestampNs = acl.timestampNs();
                shardId = acl.shardId();
                role = acl.role().name();
                collection = acl.collection();
                docId = acl.docId();
                user = acl.user();
                grantedBy = acl.grantedBy();
                break;
            case EpochRecordDecoder.TEMPLATE_ID:
                type = Type.EPOCH;
                epochRecord.wrap(buffer, body, header.blockLength(), header.version());
                epoch = epochRecord.epoch();
                previousEpoch = epochRecord.previousEpoch();
                timestampNs = epochRecord.timestampNs();
                nodeId = epochRecord.nodeId();
                role = epochRecord.role().name();
                collection = "";
                docId = "";
                break;
            default:
                type = Type.UNKNOWN;
                timestampNs = Long.MIN_VALUE;
                break;
        }
        return this;
    }

    private void decodeOp(final DirectBuffer buffer, final int offset)
    {
        type = Type.OP;
        final JournalRecordDecoder d = records.wrap(buffer, offset);
        docHash = d.docHash();
        epoch = d.epoch();
        codePointLength = d.codePointLength();
        shardId = d.shardId();
        ingressNs = d.ingressNs();
        records.decode(buffer, offset, lsn, entry);
        version = entry.version();
        timestampNs = entry.timestampNs();
        seq = entry.seq();
        prevLsn = entry.prevLsn();
        checksum = entry.checksum();
        kind = entry.kind();
        collection = buffer.getStringWithoutLengthUtf8(records.lastCollectionOffset(), records.lastCollectionLength());
        docId = buffer.getStringWithoutLengthUtf8(records.lastDocIdOffset(), records.lastDocIdLength());
        source = new String(entry.source(), 0, entry.sourceLength(), StandardCharsets.UTF_8);
        principal = new String(entry.principal(), 0, entry.principalLength(), StandardCharsets.UTF_8);
    }

    /** @return the record's LSN. */
    public long lsn()
    {
        return lsn;
    }

    /** @return the Chronicle index of its batch. */
    public long excerptIndex()
    {
        return excerptIndex;
    }

    /** @return its position in the batch. */
    public int position()
    {
        return position;
    }

    /** @return the record kind. */
    public Type type()
    {
        return type;
    }

    /** @return the SBE template id. */
    public int templateId()
    {
        return templateId;
    }

    /** @return the record's length in bytes. */
    public int length()
    {
        return length;
    }

    /** @return op: the version it was applied at. */
    public long version()
    {
        return version;
    }

    /** @return the document hash (op, ACL). */
    public long docHash()
    {
        return docHash;
    }

    /** @return wall clock of the record, ns since the Unix epoch. */
    public long timestampNs()
    {
        return timestampNs;
    }

    /** @return epoch of the primary that wrote it (for an epoch record, the new epoch). */
    public long epoch()
    {
        return epoch;
    }

    /** @return op: ShareDB seq. */
    public long seq()
    {
        return seq;
    }

    /** @return op: LSN of the document's previous record, -1 if none. */
    public long prevLsn()
    {
        return prevLsn;
    }

    /** @return op: checksum of the text after the op. */
    public long checksum()
    {
        return checksum;
    }

    /** @return op: code point length of the text after the op. */
    public long codePointLength()
    {
        return codePointLength;
    }

    /** @return shard (op, ACL). */
    public int shardId()
    {
        return shardId;
    }

    /** @return op: {@link HistoryEntry#CREATE}, {@link HistoryEntry#EDIT} or {@link HistoryEntry#DELETE}. */
    public byte kind()
    {
        return kind;
    }

    /** @return op: CREATE, EDIT or DELETE. */
    public String kindName()
    {
        return kind == HistoryEntry.CREATE ? "CREATE" : kind == HistoryEntry.DELETE ? "DELETE" : "EDIT";
    }

    /** @return op: ns from ingress to sequencing, -1 if unknown. */
    public long ingressNs()
    {
        return ingressNs;
    }

    /** @return op: the transformed op (EDIT), the initial text as one insert (CREATE), empty (DELETE). */
    public TextOp op()
    {
        return entry.op();
    }

    /** @return the decoded op as a history entry (shared, overwritten by the next decode). */
    public HistoryEntry entry()
    {
        return entry;
    }

    /** @return ShareDB collection (op, ACL). */
    public String collection()
    {
        return collection;
    }

    /** @return ShareDB document id (op, ACL). */
    public String docId()
    {
        return docId;
    }

    /** @return {@code collection/docId}. */
    public String doc()
    {
        return collection + "/" + docId;
    }

    /** @return op: ShareDB src. */
    public String source()
    {
        return source;
    }

    /** @return op: the authenticated principal, empty when anonymous. */
    public String principal()
    {
        return principal;
    }

    /** @return op: the author: the principal, else the source. */
    public String author()
    {
        return principal.isEmpty() ? source : principal;
    }

    /** @return ACL: the role granted; epoch record: the node role. */
    public String role()
    {
        return role;
    }

    /** @return ACL: the principal receiving the role. */
    public String user()
    {
        return user;
    }

    /** @return ACL: who granted it. */
    public String grantedBy()
    {
        return grantedBy;
    }

    /** @return epoch record: the epoch superseded. */
    public long previousEpoch()
    {
        return previousEpoch;
    }

    /** @return epoch record: the node that took over. */
    public long nodeId()
    {
        return nodeId;
    }

    /** @return op: code points inserted. */
    public long insertedCodePoints()
    {
        return sum(TextOp.INSERT);
    }

    /** @return op: code points deleted. */
    public long deletedCodePoints()
    {
        return sum(TextOp.DELETE);
    }

    private long sum(final byte componentKind)
    {
        if (kind != HistoryEntry.EDIT)
        {
            return 0;
        }
        final TextOp op = entry.op();
        long n = 0;
        for (int i = 0; i < op.size(); i++)
        {
            if (op.kind(i) == componentKind)
            {
                n += op.length(i);
            }
        }
        return n;
    }
}
