package io.quire.engine.shard;

import io.quire.engine.ot.Rope;
import org.HdrHistogram.SingleWriterRecorder;
import org.agrona.DirectBuffer;
import org.agrona.collections.Long2ObjectHashMap;

import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;

/**
 * The documents of one shard: lookup by routing hash and identity without allocating, and a memory bound enforced
 * by unloading the least recently used documents (after a snapshot) once the journal has passed their last op.
 * Owned by the shard's sequencer thread.
 */
public final class DocumentStore
{
    /** Longest load time recorded; longer ones are recorded as this. */
    public static final long MAX_RECORDED_NANOS = java.util.concurrent.TimeUnit.MINUTES.toNanos(10);

    private final Long2ObjectHashMap<Document> byHash = new Long2ObjectHashMap<>();
    private final DocumentPersistence persistence;
    private final long maxLoadedBytes;
    private final int maxLoadedDocuments;
    private final int historyMaxOps;
    private int known;
    private int loadedCount;
    private long loadedBytes;
    private long loads;
    private long unloads;
    private ShardCounters counters;
    private SingleWriterRecorder loadNanos;
    /** Most recently used loaded document; LRU list runs head (newest) to tail (oldest). */
    private Document lruHead;
    private Document lruTail;

    /**
     * @param persistence        snapshots and journal behind the store.
     * @param maxLoadedBytes     memory bound for loaded documents (estimated).
     * @param maxLoadedDocuments bound on documents in memory.
     * @param historyMaxOps      ops of history kept per loaded document.
     */
    public DocumentStore(
        final DocumentPersistence persistence,
        final long maxLoadedBytes,
        final int maxLoadedDocuments,
        final int historyMaxOps)
    {
        this.persistence = persistence;
        this.maxLoadedBytes = maxLoadedBytes;
        this.maxLoadedDocuments = maxLoadedDocuments;
        this.historyMaxOps = historyMaxOps;
    }

    /**
     * Report residency (documents in memory, loads, unloads) to the shard's counters, and the time of each load from
     * persistence, which the shard thread spends reading a snapshot and replaying the journal after it, to a recorder.
     *
     * @param counters  the shard's counters.
     * @param loadNanos receives each load's duration in ns (written by the shard thread only).
     * @return this.
     */
    public DocumentStore observe(final ShardCounters counters, final SingleWriterRecorder loadNanos)
    {
        this.counters = counters;
        this.loadNanos = loadNanos;
        return this;
    }

    /**
     * Find a known document.
     *
     * @param hash             routing hash.
     * @param collectionBuffer buffer holding the collection.
     * @param collectionOffset its offset.
     * @param collectionLength its length.
     * @param docIdBuffer      buffer holding the document id.
     * @param docIdOffset      its offset.
     * @param docIdLength      its length.
     * @return the document's shell, or null.
     */
    public Document find(
        final long hash,
        final DirectBuffer collectionBuffer, final int collectionOffset, final int collectionLength,
        final DirectBuffer docIdBuffer, final int docIdOffset, final int docIdLength)
    {
        for (Document d = byHash.get(hash); d != null; d = d.nextInBucket)
        {
            if (d.is(collectionBuffer, collectionOffset, collectionLength, docIdBuffer, docIdOffset, docIdLength))
            {
                return d;
            }
        }
        return null;
    }

    /**
     * Find the known document whose presence channel ({@code collection + "." + docId}) is the given one.
     *
     * @param hash          the channel's routing hash (equal to the document's).
     * @param buffer        buffer holding the channel.
     * @param offset        its offset.
     * @param length        its length.
     * @return the document's shell, or null (not a document channel, or a document this shard does not know).
     */
    public Document findByChannel(final long hash, final DirectBuffer buffer, final int offset, final int length)
    {
        for (Document d = byHash.get(hash); d != null; d = d.nextInBucket)
        {
            final int c = d.collection.length;
            if (c + 1 + d.docId.length == length && buffer.getByte(offset + c) == '.' &&
                Document.equalBytes(d.collection, buffer, offset, c) &&
                Document.equalBytes(d.docId, buffer, offset + c + 1, d.docId.length))
            {
                return d;
            }
        }
        return null;
    }

    /**
     * Find a document, or make its shell (asking persistence whether it exists durably).
     *
     * @param hash             routing hash.
     * @param collectionBuffer buffer holding the collection.
     * @param collectionOffset its offset.
     * @param collectionLength its length.
     * @param docIdBuffer      buffer holding the document id.
     * @param docIdOffset      its offset.
     * @param docIdLength      its length.
     * @return the document's shell.
     */
    public Document findOrCreate(
        final long hash,
        final DirectBuffer collectionBuffer, final int collectionOffset, final int collectionLength,
        final DirectBuffer docIdBuffer, final int docIdOffset, final int docIdLength)
    {
        final Document found = find(
            hash, collectionBuffer, collectionOffset, collectionLength, docIdBuffer, docIdOffset, docIdLength);
        if (found != null)
        {
            return found;
        }
        final byte[] collection = new byte[collectionLength];
        collectionBuffer.getBytes(collectionOffset, collection);
        final byte[] docId = new byte[docIdLength];
        docIdBuffer.getBytes(docIdOffset, docId);
        final Document shell = new Document(hash, collection, docId);
        persistence.find(shell);
        add(shell);
        return shell;
    }

    /**
     * Register a shell built elsewhere (recovery).
     *
     * @param document the shell.
     */
    public void add(final Document document)
    {
        document.nextInBucket = byHash.get(document.hash);
        byHash.put(document.hash, document);
        known++;
    }

    /**
     * Find a document by identity given as strings (recovery, tools, tests).
     *
     * @param hash       routing hash.
     * @param collection collection bytes.
     * @param docId      document id bytes.
     * @return the shell or null.
     */
    public Document find(final long hash, final byte[] collection, final byte[] docId)
    {
        for (Document d = byHash.get(hash); d != null; d = d.nextInBucket)
        {
            if (java.util.Arrays.equals(d.collection, collection) && java.util.Arrays.equals(d.docId, docId))
            {
                return d;
            }
        }
        return null;
    }

    /**
     * Make sure the document's content is in memory and mark it most recently used.
     *
     * @param document the shell.
     */
    public void load(final Document document)
    {
        if (!document.loaded)
        {
            if (document.history == null)
            {
                document.history = new History(16, historyMaxOps);
            }
            else
            {
                document.history.clear();
            }
            if (document.version == 0 && document.lastLsn < 0 && document.snapshotVersion < 0)
            {
                document.text = new Rope();
            }
            else
            {
                final long start = System.nanoTime();
                persistence.load(document);
                if (loadNanos != null)
                {
                    loadNanos.recordValue(Math.min(System.nanoTime() - start, MAX_RECORDED_NANOS));
                }
            }
            document.loaded = true;
            loadedCount++;
            loads++;
            document.estimatedBytes = estimate(document);
            loadedBytes += document.estimatedBytes;
            linkFirst(document);
            if (counters != null)
            {
                counters.docLoaded(loadedCount);
            }
        }
        else if (lruHead != document)
        {
            unlink(document);
            linkFirst(document);
        }
    }

    /**
     * Recovery: a document whose text and history were rebuilt outside {@link #load} becomes loaded.
     *
     * @param document a shell with {@code text} and {@code history} set.
     */
    public void install(final Document document)
    {
        if (document.loaded)
        {
            return;
        }
        document.loaded = true;
        loadedCount++;
        document.estimatedBytes = estimate(document);
        loadedBytes += document.estimatedBytes;
        linkFirst(document);
        if (counters != null)
        {
            counters.docsInMemory(loadedCount);
        }
    }

    /** @return ops of history kept per loaded document. */
    public int historyMaxOps()
    {
        return historyMaxOps;
    }

    /**
     * Re-estimate a loaded document's footprint after it changed.
     *
     * @param document a loaded document.
     */
    public void accountChange(final Document document)
    {
        final long now = estimate(document);
        loadedBytes += now - document.estimatedBytes;
        document.estimatedBytes = now;
    }

    /**
     * Unload least recently used documents while over the memory or count bound. Documents with ops the journal has
     * not yet passed are kept (their state is not yet durable anywhere else). A document whose snapshot is due waits
     * (with every document used after it) while the background snapshot writer is full and the store is less than
     * an eighth over its bounds, so that the shard thread does not write the file itself and wait for the writer's
     * current one; further over, it is written here.
     *
     * @param journaledSequence ring sequence the journal has passed.
     * @param keep              a document never to unload now (the one being worked on), or null.
     * @return documents unloaded.
     */
    public int enforceBounds(final long journaledSequence, final Document keep)
    {
        int unloaded = 0;
        Document candidate = lruTail;
        while ((loadedBytes > maxLoadedBytes || loadedCount > maxLoadedDocuments) && candidate != null)
        {
            final Document previous = candidate.lruPrev;
            if (candidate != keep && candidate.lastRingSequence <= journaledSequence)
            {
                if (!unload(candidate, farOverBounds()))
                {
                    if (counters != null)
                    {
                        counters.docUnloadDeferred();
                    }
                    break;
                }
                unloaded++;
            }
            candidate = previous;
        }
        return unloaded;
    }

    /**
     * Snapshot (if it changed since its last snapshot) and unload a document. The snapshot is handed to the
     * background writer, which keeps the dropped text and writes the file later, so the shard thread neither copies
     * the text nor creates and writes a file per eviction; only when every background job is in flight is it written
     * here, at once. Either way the document's ops are already journaled, so a load before the file exists starts
     * from an older snapshot and replays more of the journal: slower, never different.
     *
     * @param document a loaded document whose ops are all journaled.
     */
    public void unload(final Document document)
    {
        unload(document, true);
    }

    /**
     * @param inlineAllowed whether the snapshot may be written on this thread when the background writer is full.
     * @return false if the document stays loaded: its snapshot is due, the writer is full and inline was not allowed.
     */
    private boolean unload(final Document document, final boolean inlineAllowed)
    {
        if (!document.loaded)
        {
            return true;
        }
        boolean inline = false;
        // Only a document that moved past its last snapshot needs one. During recovery a document starts from its
        // latest snapshot while the journal pass is still at an older version of it (its text is the snapshot's,
        // ahead of its version): saving then would file the newer text under the older version. Unloaded without a
        // snapshot, it is loaded again at the journal's version from an older snapshot (or none) and the journal.
        if (document.snapshotVersion < document.version && !persistence.saveForUnload(document))
        {
            if (!inlineAllowed)
            {
                return false;
            }
            persistence.save(document);
            inline = true;
        }
        unlink(document);
        document.loaded = false;
        document.text = null;
        document.history.clear();
        document.history = null;
        loadedBytes -= document.estimatedBytes;
        document.estimatedBytes = 0;
        loadedCount--;
        unloads++;
        if (counters != null)
        {
            counters.docUnloaded(loadedCount, inline);
        }
        return true;
    }

    private boolean farOverBounds()
    {
        return loadedBytes > maxLoadedBytes + maxLoadedBytes / 8 ||
            loadedCount > maxLoadedDocuments + Math.max(1, maxLoadedDocuments / 8);
    }

    /**
     * Visit every known document (cold: edge clean-up, recovery checks, shutdown snapshots).
     *
     * @param visitor receives each shell.
     */
    public void forEach(final Consumer<Document> visitor)
    {
        final List<Document> all = new ArrayList<>(known);
        byHash.values().forEach(head ->
        {
            for (Document d = head; d != null; d = d.nextInBucket)
            {
                all.add(d);
            }
        });
        all.forEach(visitor);
    }

    /** @return documents known (shells). */
    public int knownCount()
    {
        return known;
    }

    /** @return documents in memory. */
    public int loadedCount()
    {
        return loadedCount;
    }

    /** @return estimated bytes of documents in memory. */
    public long loadedBytes()
    {
        return loadedBytes;
    }

    /** @return loads from persistence so far. */
    public long loads()
    {
        return loads;
    }

    /** @return unloads so far. */
    public long unloads()
    {
        return unloads;
    }

    private static long estimate(final Document document)
    {
        final long text = document.text == null ? 0 : document.text.utf16Length() * 2L + 64;
        final long history = document.history == null ? 0 : document.history.size() * 160L;
        return 256L + document.collection.length + document.docId.length + text + history;
    }

    private void linkFirst(final Document document)
    {
        document.lruPrev = null;
        document.lruNext = lruHead;
        if (lruHead != null)
        {
            lruHead.lruPrev = document;
        }
        lruHead = document;
        if (lruTail == null)
        {
            lruTail = document;
        }
    }

    private void unlink(final Document document)
    {
        if (document.lruPrev != null)
        {
            document.lruPrev.lruNext = document.lruNext;
        }
        else
        {
            lruHead = document.lruNext;
        }
        if (document.lruNext != null)
        {
            document.lruNext.lruPrev = document.lruPrev;
        }
        else
        {
            lruTail = document.lruPrev;
        }
        document.lruPrev = null;
        document.lruNext = null;
    }
}
