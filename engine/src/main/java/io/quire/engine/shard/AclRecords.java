package io.quire.engine.shard;

import io.quire.codec.journal.AclRecordDecoder;
import io.quire.codec.journal.AclRecordEncoder;
import io.quire.codec.journal.AclRole;
import io.quire.codec.journal.MessageHeaderDecoder;
import io.quire.codec.journal.MessageHeaderEncoder;
import org.agrona.DirectBuffer;
import org.agrona.ExpandableArrayBuffer;

/**
 * Journal records of role changes ({@code AclRecord}): encoded by stage 1 into the slot when an owner grants or
 * revokes a role, decoded by recovery. The role a CREATE gives its principal is not an AclRecord: it is implied by
 * the CREATE record itself (see {@code quire-journal.xml}).
 */
public final class AclRecords
{
    private final MessageHeaderEncoder headerEncoder = new MessageHeaderEncoder();
    private final AclRecordEncoder encoder = new AclRecordEncoder();
    private final MessageHeaderDecoder headerDecoder = new MessageHeaderDecoder();
    private final AclRecordDecoder decoder = new AclRecordDecoder();
    private int collectionOffset;
    private int collectionLength;
    private int docIdOffset;
    private int docIdLength;
    private byte[] user;

    /**
     * Encode a grant.
     *
     * @param buffer      destination (the slot's journal buffer).
     * @param shardId     shard number.
     * @param epoch       current epoch.
     * @param timestampNs wall clock.
     * @param doc         the document.
     * @param user        the principal receiving the role.
     * @param role        its new role (NONE revokes).
     * @param grantedBy   buffer holding the granting principal.
     * @param byOffset    its offset.
     * @param byLength    its length.
     * @return encoded length.
     */
    public int encode(
        final ExpandableArrayBuffer buffer, final int shardId, final long epoch, final long timestampNs,
        final Document doc, final byte[] user, final byte role, final DirectBuffer grantedBy, final int byOffset,
        final int byLength)
    {
        encoder.wrapAndApplyHeader(buffer, 0, headerEncoder)
            .docHash(doc.hash).epoch(epoch).timestampNs(timestampNs).shardId(shardId).role(AclRole.get(role))
            .putCollection(doc.collection, 0, doc.collection.length)
            .putDocId(doc.docId, 0, doc.docId.length)
            .putUser(user, 0, user.length)
            .putGrantedBy(grantedBy, byOffset, byLength);
        return MessageHeaderEncoder.ENCODED_LENGTH + encoder.encodedLength();
    }

    /**
     * @param buffer a journal record buffer.
     * @param offset record start.
     * @return true if it is an {@code AclRecord}.
     */
    public boolean isAclRecord(final DirectBuffer buffer, final int offset)
    {
        headerDecoder.wrap(buffer, offset);
        return headerDecoder.templateId() == AclRecordDecoder.TEMPLATE_ID;
    }

    /**
     * Decode an ACL record (checked by {@link #isAclRecord} first); the collection and document id are left in the
     * buffer ({@link #collectionOffset()} ...), the user is copied ({@link #user()}).
     *
     * @param buffer record buffer.
     * @param offset record start.
     * @return the decoder, after the record's last field.
     */
    public AclRecordDecoder decode(final DirectBuffer buffer, final int offset)
    {
        headerDecoder.wrap(buffer, offset);
        final AclRecordDecoder d = decoder.wrap(buffer, offset + MessageHeaderDecoder.ENCODED_LENGTH,
            headerDecoder.blockLength(), headerDecoder.version());
        d.role();
        collectionOffset = d.limit() + AclRecordDecoder.collectionHeaderLength();
        collectionLength = d.collectionLength();
        d.skipCollection();
        docIdOffset = d.limit() + AclRecordDecoder.docIdHeaderLength();
        docIdLength = d.docIdLength();
        d.skipDocId();
        user = new byte[d.userLength()];
        d.getUser(user, 0, user.length);
        d.skipGrantedBy();
        return d;
    }

    /** @return the collection's offset in the last decoded record. */
    public int collectionOffset()
    {
        return collectionOffset;
    }

    /** @return the collection's length in the last decoded record. */
    public int collectionLength()
    {
        return collectionLength;
    }

    /** @return the document id's offset in the last decoded record. */
    public int docIdOffset()
    {
        return docIdOffset;
    }

    /** @return the document id's length in the last decoded record. */
    public int docIdLength()
    {
        return docIdLength;
    }

    /** @return the user of the last decoded record (a fresh copy). */
    public byte[] user()
    {
        return user;
    }
}
