package io.quire.engine.shard;

import io.quire.codec.CodecConstants;
import io.quire.codec.Utf8;
import io.quire.codec.journal.ComponentKind;
import io.quire.codec.journal.JournalRecordDecoder;
import io.quire.codec.journal.JournalRecordEncoder;
import io.quire.codec.journal.MessageHeaderDecoder;
import io.quire.codec.journal.MessageHeaderEncoder;
import io.quire.codec.journal.OpKind;
import io.quire.engine.ot.TextOp;
import org.agrona.DirectBuffer;
import org.agrona.ExpandableArrayBuffer;

/**
 * Journal records of committed ops: encoding (stage 1, into the slot) and decoding (recovery, history fallback,
 * tools) to and from {@link HistoryEntry}. A record holds the transformed op exactly as clients saw it, so nobody
 * re-runs transforms to rebuild history.
 */
public final class JournalRecords
{
    private static final byte[] EMPTY = new byte[0];

    private final MessageHeaderEncoder headerEncoder = new MessageHeaderEncoder();
    private final JournalRecordEncoder encoder = new JournalRecordEncoder();
    private final MessageHeaderDecoder headerDecoder = new MessageHeaderDecoder();
    private final JournalRecordDecoder decoder = new JournalRecordDecoder();
    private final Utf8Scratch utf8 = new Utf8Scratch();

    /**
     * Encode the record of a just-committed op.
     *
     * @param buffer     destination (the slot's journal buffer).
     * @param shardId    shard number.
     * @param epoch      current epoch.
     * @param doc        the document (after the op).
     * @param entry      the op's history entry.
     * @param checksum   checksum of the text after the op.
     * @param cpLength   code point length after the op.
     * @param ingressNs  ns from ingress receive to sequencing, -1 if unknown.
     * @return encoded length.
     */
    public int encode(
        final ExpandableArrayBuffer buffer, final int shardId, final long epoch, final Document doc,
        final HistoryEntry entry, final long checksum, final long cpLength, final long ingressNs)
    {
        encoder.wrapAndApplyHeader(buffer, 0, headerEncoder)
            .version(entry.version).docHash(doc.hash).timestampNs(entry.timestampNs).epoch(epoch).seq(entry.seq)
            .prevLsn(entry.prevLsn).checksum(checksum).codePointLength(cpLength).shardId(shardId)
            .opKind(kind(entry.kind)).ingressNs(ingressNs);
        final TextOp op = entry.op;
        final boolean edit = entry.kind == HistoryEntry.EDIT;
        final JournalRecordEncoder.ComponentsEncoder components = encoder.componentsCount(edit ? op.size() : 0);
        if (edit)
        {
            final char[] text = op.textBuffer();
            for (int i = 0, n = op.size(); i < n; i++)
            {
                components.next().kind(componentKind(op.kind(i))).length(op.length(i));
                if (op.hasText(i))
                {
                    final int bytes = utf8.encode(text, op.textStart(i), op.textLength(i));
                    components.putText(utf8.buffer, 0, bytes);
                }
                else
                {
                    components.putText(EMPTY, 0, 0);
                }
            }
        }
        encoder.putCollection(doc.collection, 0, doc.collection.length)
            .putDocId(doc.docId, 0, doc.docId.length)
            .putSource(entry.source, 0, entry.sourceLength)
            .putPrincipal(entry.principal, 0, entry.principalLength);
        if (entry.kind == HistoryEntry.CREATE)
        {
            encoder.createType(CodecConstants.TEXT_UNICODE_URI);
            if (op.size() == 0)
            {
                encoder.putCreateData(EMPTY, 0, 0);
            }
            else
            {
                final int bytes = utf8.encode(op.textBuffer(), op.textStart(0), op.textLength(0));
                encoder.putCreateData(utf8.buffer, 0, bytes);
            }
        }
        else
        {
            encoder.putCreateType(EMPTY, 0, 0);
            encoder.putCreateData(EMPTY, 0, 0);
        }
        return MessageHeaderEncoder.ENCODED_LENGTH + encoder.encodedLength();
    }

    /**
     * @param buffer a journal record buffer.
     * @param offset record start.
     * @return true if it is a {@code JournalRecord} (not an ACL or epoch record).
     */
    public boolean isOpRecord(final DirectBuffer buffer, final int offset)
    {
        headerDecoder.wrap(buffer, offset);
        return headerDecoder.templateId() == JournalRecordDecoder.TEMPLATE_ID;
    }

    /**
     * Wrap an op record for reading its fixed fields (checked by {@link #isOpRecord} first).
     *
     * @param buffer record buffer.
     * @param offset record start.
     * @return the decoder, positioned at the record.
     */
    public JournalRecordDecoder wrap(final DirectBuffer buffer, final int offset)
    {
        headerDecoder.wrap(buffer, offset);
        return decoder.wrap(buffer, offset + MessageHeaderDecoder.ENCODED_LENGTH,
            headerDecoder.blockLength(), headerDecoder.version());
    }

    /**
     * Decode a whole op record into a history entry (its op, source, seq, version, prevLsn, time, principal).
     *
     * @param buffer record buffer.
     * @param offset record start.
     * @param lsn    the record's LSN.
     * @param entry  destination.
     * @return the decoder, left after the record's last field (collection and docId have been skipped; read
     *         {@link #lastCollection} / {@link #lastDocId} for them).
     */
    public JournalRecordDecoder decode(final DirectBuffer buffer, final int offset, final long lsn, final HistoryEntry entry)
    {
        final JournalRecordDecoder d = wrap(buffer, offset);
        entry.version = d.version();
        entry.seq = d.seq();
        entry.prevLsn = d.prevLsn();
        entry.timestampNs = d.timestampNs();
        entry.checksum = d.checksum();
        entry.lsn = lsn;
        entry.kind = kindByte(d.opKind());
        final TextOp op = entry.op;
        op.clear();
        for (final JournalRecordDecoder.ComponentsDecoder c : d.components())
        {
            final int length = (int)c.length();
            final int textLength = c.textLength();
            final int textOffset = d.limit() + JournalRecordDecoder.ComponentsDecoder.textHeaderLength();
            switch (c.kind())
            {
                case RETAIN:
                    op.addSkip(length);
                    break;
                case INSERT:
                    addText(op, TextOp.INSERT, buffer, textOffset, textLength, length);
                    break;
                default:
                    if (textLength == 0)
                    {
                        op.addDelete(length);
                    }
                    else
                    {
                        addText(op, TextOp.DELETE, buffer, textOffset, textLength, length);
                    }
                    break;
            }
            c.skipText();
        }
        collectionOffset = d.limit() + JournalRecordDecoder.collectionHeaderLength();
        collectionLength = d.collectionLength();
        d.skipCollection();
        docIdOffset = d.limit() + JournalRecordDecoder.docIdHeaderLength();
        docIdLength = d.docIdLength();
        d.skipDocId();
        final int sourceOffset = d.limit() + JournalRecordDecoder.sourceHeaderLength();
        final int sourceLength = d.sourceLength();
        entry.setSource(buffer, sourceOffset, sourceLength);
        d.skipSource();
        final int principalOffset = d.limit() + JournalRecordDecoder.principalHeaderLength();
        final int principalLength = d.principalLength();
        entry.setPrincipal(buffer, principalOffset, principalLength);
        d.skipPrincipal();
        d.skipCreateType();
        if (entry.kind == HistoryEntry.CREATE)
        {
            final int dataOffset = d.limit() + JournalRecordDecoder.createDataHeaderLength();
            final int dataLength = d.createDataLength();
            if (dataLength > 0)
            {
                addText(op, TextOp.INSERT, buffer, dataOffset, dataLength, Utf8.codePointCount(buffer, dataOffset, dataLength));
            }
        }
        d.skipCreateData();
        return d;
    }

    private int collectionOffset;
    private int collectionLength;
    private int docIdOffset;
    private int docIdLength;

    /** @return offset of the collection in the last decoded record. */
    public int lastCollectionOffset()
    {
        return collectionOffset;
    }

    /** @return length of the collection in the last decoded record. */
    public int lastCollectionLength()
    {
        return collectionLength;
    }

    /** @return offset of the document id in the last decoded record. */
    public int lastDocIdOffset()
    {
        return docIdOffset;
    }

    /** @return length of the document id in the last decoded record. */
    public int lastDocIdLength()
    {
        return docIdLength;
    }

    private void addText(
        final TextOp op, final byte kind, final DirectBuffer buffer, final int offset, final int length, final int codePoints)
    {
        final int start = op.beginRawText(length);
        final int n = Utf8.decode(buffer, offset, length, op.textBuffer(), start);
        op.endRawText(kind, start, n, codePoints);
    }

    static OpKind kind(final byte kind)
    {
        switch (kind)
        {
            case HistoryEntry.CREATE:
                return OpKind.CREATE;
            case HistoryEntry.DELETE:
                return OpKind.DELETE;
            default:
                return OpKind.EDIT;
        }
    }

    static byte kindByte(final OpKind kind)
    {
        switch (kind)
        {
            case CREATE:
                return HistoryEntry.CREATE;
            case DELETE:
                return HistoryEntry.DELETE;
            default:
                return HistoryEntry.EDIT;
        }
    }

    static ComponentKind componentKind(final byte kind)
    {
        switch (kind)
        {
            case TextOp.SKIP:
                return ComponentKind.RETAIN;
            case TextOp.INSERT:
                return ComponentKind.INSERT;
            default:
                return ComponentKind.DELETE;
        }
    }
}
