package io.quire.engine.client;

import io.quire.codec.ShardRouter;

import java.nio.charset.StandardCharsets;

/**
 * A document as a client addresses it: collection and id, their UTF-8 bytes and their routing hash, computed once
 * so that sending a request for it encodes nothing twice. Immutable.
 */
public final class DocRef
{
    private final String collection;
    private final String docId;
    private final byte[] collectionBytes;
    private final byte[] docIdBytes;
    private final long hash;

    /**
     * @param collection ShareDB collection ({@code c}).
     * @param docId      ShareDB document id ({@code d}).
     */
    public DocRef(final String collection, final String docId)
    {
        this.collection = collection;
        this.docId = docId;
        this.collectionBytes = collection.getBytes(StandardCharsets.UTF_8);
        this.docIdBytes = docId.getBytes(StandardCharsets.UTF_8);
        this.hash = ShardRouter.docHash(collection, docId);
    }

    /** @return the collection. */
    public String collection()
    {
        return collection;
    }

    /** @return the document id. */
    public String docId()
    {
        return docId;
    }

    /** @return the collection as UTF-8 (do not modify). */
    public byte[] collectionBytes()
    {
        return collectionBytes;
    }

    /** @return the document id as UTF-8 (do not modify). */
    public byte[] docIdBytes()
    {
        return docIdBytes;
    }

    /** @return {@link ShardRouter#docHash(CharSequence, CharSequence)} of the document. */
    public long hash()
    {
        return hash;
    }

    /** @return the document's presence channel, {@code collection + "." + docId}. */
    public String channel()
    {
        return collection + "." + docId;
    }

    @Override
    public String toString()
    {
        return collection + "/" + docId;
    }
}
