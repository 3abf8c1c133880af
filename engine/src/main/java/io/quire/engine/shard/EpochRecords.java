package io.quire.engine.shard;

import io.quire.codec.journal.AclRecordDecoder;
import io.quire.codec.journal.EpochRecordDecoder;
import io.quire.codec.journal.EpochRecordEncoder;
import io.quire.codec.journal.JournalRecordDecoder;
import io.quire.codec.journal.MessageHeaderDecoder;
import io.quire.codec.journal.MessageHeaderEncoder;
import io.quire.codec.journal.NodeRole;
import org.agrona.DirectBuffer;
import org.agrona.ExpandableArrayBuffer;

/**
 * Journal records of leadership changes ({@code EpochRecord}), and the epoch every kind of record carries. A node
 * that becomes primary for a shard appends an {@code EpochRecord} before its first op record; every later record
 * carries that epoch. Recovery and replicas read the epoch of each record to know the newest epoch journaled.
 */
public final class EpochRecords
{
    private final MessageHeaderEncoder headerEncoder = new MessageHeaderEncoder();
    private final EpochRecordEncoder encoder = new EpochRecordEncoder();
    private final MessageHeaderDecoder headerDecoder = new MessageHeaderDecoder();
    private final EpochRecordDecoder epochDecoder = new EpochRecordDecoder();
    private final JournalRecordDecoder opDecoder = new JournalRecordDecoder();
    private final AclRecordDecoder aclDecoder = new AclRecordDecoder();

    /**
     * Encode an epoch change.
     *
     * @param buffer        destination.
     * @param epoch         the new epoch.
     * @param previousEpoch the epoch it supersedes (0 for the first).
     * @param timestampNs   wall clock.
     * @param nodeId        the node that became primary.
     * @return encoded length.
     */
    public int encode(
        final ExpandableArrayBuffer buffer, final long epoch, final long previousEpoch, final long timestampNs,
        final int nodeId)
    {
        encoder.wrapAndApplyHeader(buffer, 0, headerEncoder)
            .epoch(epoch).previousEpoch(previousEpoch).timestampNs(timestampNs).nodeId(nodeId)
            .role(NodeRole.PRIMARY);
        return MessageHeaderEncoder.ENCODED_LENGTH + encoder.encodedLength();
    }

    /**
     * @param buffer a journal record buffer.
     * @param offset record start.
     * @return true if it is an {@code EpochRecord}.
     */
    public boolean isEpochRecord(final DirectBuffer buffer, final int offset)
    {
        headerDecoder.wrap(buffer, offset);
        return headerDecoder.templateId() == EpochRecordDecoder.TEMPLATE_ID;
    }

    /**
     * The epoch a record carries, whatever its kind.
     *
     * @param buffer record buffer.
     * @param offset record start.
     * @return its epoch, or -1 for a record kind without one.
     */
    public long epochOf(final DirectBuffer buffer, final int offset)
    {
        headerDecoder.wrap(buffer, offset);
        final int at = offset + MessageHeaderDecoder.ENCODED_LENGTH;
        final int blockLength = headerDecoder.blockLength();
        final int version = headerDecoder.version();
        switch (headerDecoder.templateId())
        {
            case JournalRecordDecoder.TEMPLATE_ID:
                return opDecoder.wrap(buffer, at, blockLength, version).epoch();
            case AclRecordDecoder.TEMPLATE_ID:
                return aclDecoder.wrap(buffer, at, blockLength, version).epoch();
            case EpochRecordDecoder.TEMPLATE_ID:
                return epochDecoder.wrap(buffer, at, blockLength, version).epoch();
            default:
                return -1;
        }
    }

    /**
     * The wall-clock time a record carries, whatever its kind.
     *
     * @param buffer record buffer.
     * @param offset record start.
     * @return its timestamp (ns since the epoch), or -1 for a record kind without one.
     */
    public long timestampOf(final DirectBuffer buffer, final int offset)
    {
        headerDecoder.wrap(buffer, offset);
        final int at = offset + MessageHeaderDecoder.ENCODED_LENGTH;
        final int blockLength = headerDecoder.blockLength();
        final int version = headerDecoder.version();
        switch (headerDecoder.templateId())
        {
            case JournalRecordDecoder.TEMPLATE_ID:
                return opDecoder.wrap(buffer, at, blockLength, version).timestampNs();
            case AclRecordDecoder.TEMPLATE_ID:
                return aclDecoder.wrap(buffer, at, blockLength, version).timestampNs();
            case EpochRecordDecoder.TEMPLATE_ID:
                return epochDecoder.wrap(buffer, at, blockLength, version).timestampNs();
            default:
                return -1;
        }
    }

    /**
     * Decode an epoch record (checked by {@link #isEpochRecord} first).
     *
     * @param buffer record buffer.
     * @param offset record start.
     * @return the decoder.
     */
    public EpochRecordDecoder decode(final DirectBuffer buffer, final int offset)
    {
        headerDecoder.wrap(buffer, offset);
        return epochDecoder.wrap(buffer, offset + MessageHeaderDecoder.ENCODED_LENGTH, headerDecoder.blockLength(),
            headerDecoder.version());
    }
}
