package io.quire.engine.shard;

import io.quire.engine.ot.Rope;
import org.agrona.DirectBuffer;

import java.nio.charset.StandardCharsets;

/**
 * One document of a shard. A document is always known by its shell (identity, version, journal chain, who is
 * subscribed); its content (text and recent history) is loaded on use and unloaded under memory pressure after a
 * snapshot, so a shard can know millions of documents while holding few in memory. Owned by the shard's sequencer
 * thread only.
 */
public final class Document
{
    final long hash;
    final byte[] collection;
    final byte[] docId;
    final String collectionString;
    final String docIdString;
    Document nextInBucket;

    long version;
    boolean exists;
    long createVersion = -1;
    byte[] createSource = new byte[0];
    long createSeq;
    long lastLsn = -1;
    long lastRingSequence = -1;
    long lastTimestampNs;

    boolean loaded;
    Rope text;
    History history;
    long snapshotVersion = -1;
    long opsSinceSnapshot;
    /** Bytes of this document's op records the journal has taken since its last snapshot. */
    long journalBytesSinceSnapshot;
    boolean snapshotDue;
    long estimatedBytes;

    Document lruPrev;
    Document lruNext;

    final SubscriberSet subscribers = new SubscriberSet();
    final DocumentAcl acl = new DocumentAcl();

    Document(final long hash, final byte[] collection, final byte[] docId)
    {
        this.hash = hash;
        this.collection = collection;
        this.docId = docId;
        this.collectionString = new String(collection, StandardCharsets.UTF_8);
        this.docIdString = new String(docId, StandardCharsets.UTF_8);
    }

    /** A snapshot at the current version was taken: the op and journal-byte counts start again. */
    void snapshotTaken()
    {
        opsSinceSnapshot = 0;
        journalBytesSinceSnapshot = 0;
    }

    /**
     * @param collectionBuffer buffer holding a collection name.
     * @param collectionOffset its first byte.
     * @param collectionLength its length.
     * @param docIdBuffer      buffer holding a document id.
     * @param docIdOffset      its first byte.
     * @param docIdLength      its length.
     * @return true if this is that document.
     */
    boolean is(
        final DirectBuffer collectionBuffer, final int collectionOffset, final int collectionLength,
        final DirectBuffer docIdBuffer, final int docIdOffset, final int docIdLength)
    {
        return equalBytes(collection, collectionBuffer, collectionOffset, collectionLength) &&
            equalBytes(docId, docIdBuffer, docIdOffset, docIdLength);
    }

    static boolean equalBytes(final byte[] bytes, final DirectBuffer buffer, final int offset, final int length)
    {
        if (bytes.length != length)
        {
            return false;
        }
        for (int i = 0; i < length; i++)
        {
            if (bytes[i] != buffer.getByte(offset + i))
            {
                return false;
            }
        }
        return true;
    }

    /** @return the routing hash. */
    public long hash()
    {
        return hash;
    }

    /** @return ShareDB collection. */
    public String collection()
    {
        return collectionString;
    }

    /** @return ShareDB document id. */
    public String docId()
    {
        return docIdString;
    }

    /** @return the collection's UTF-8 bytes. */
    public byte[] collectionBytes()
    {
        return collection;
    }

    /** @return the document id's UTF-8 bytes. */
    public byte[] docIdBytes()
    {
        return docId;
    }

    /** @return the number of ops committed (ShareDB snapshot {@code v}). */
    public long version()
    {
        return version;
    }

    /** @return true if the document has a type (created and not deleted). */
    public boolean exists()
    {
        return exists;
    }

    /** @return the LSN of its last journal record, -1 if none. */
    public long lastLsn()
    {
        return lastLsn;
    }

    /** @return true if its text and history are in memory. */
    public boolean loaded()
    {
        return loaded;
    }

    /** @return the text (only while loaded). */
    public Rope text()
    {
        return text;
    }

    /** @return the recent history (only while loaded). */
    public History history()
    {
        return history;
    }

    /** @return the edges subscribed to it. */
    public SubscriberSet subscribers()
    {
        return subscribers;
    }

    /** @return its roles. */
    public DocumentAcl acl()
    {
        return acl;
    }

    /** @return version of its last snapshot, -1 if none. */
    public long snapshotVersion()
    {
        return snapshotVersion;
    }

    /** @return the create's version for the current incarnation, -1 if none. */
    public long createVersion()
    {
        return createVersion;
    }

    @Override
    public String toString()
    {
        return collectionString + "/" + docIdString + "@" + version;
    }
}
