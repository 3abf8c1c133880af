package io.quire.engine.shard;

/**
 * The limits and intervals one shard's sequencer works with (derived from {@code EngineContext}).
 *
 * @param shardId                shard number.
 * @param maxDocumentCodePoints  a document may not grow beyond this many code points.
 * @param snapshotIntervalOps    snapshot a document every this many ops (0: only on unload).
 * @param maxCatchUpOps          most ops one catch-up or transform may read from the journal.
 * @param snapshotChunkBytes     UTF-8 bytes of text per outbound snapshot message.
 * @param aclEnforced            check document roles on every request that carries a principal.
 * @param maxAclEntries          most users with a role on one document.
 * @param snapshotJournalRatio   a periodic snapshot also waits until the document's journal records since its last
 *                               snapshot add up to this many times its length in characters (0: the op count alone),
 *                               so snapshot files of a large document cost at most 1/ratio of what its journal does.
 */
public record SequencerConfig(
    int shardId,
    long maxDocumentCodePoints,
    int snapshotIntervalOps,
    int maxCatchUpOps,
    int snapshotChunkBytes,
    boolean aclEnforced,
    int maxAclEntries,
    int snapshotJournalRatio)
{
    /**
     * Without a journal ratio (snapshots every {@code snapshotIntervalOps} ops whatever the document's size).
     *
     * @param shardId               shard number.
     * @param maxDocumentCodePoints document size limit.
     * @param snapshotIntervalOps   snapshot interval.
     * @param maxCatchUpOps         catch-up bound.
     * @param snapshotChunkBytes    snapshot chunk size.
     * @param aclEnforced           whether roles are checked.
     * @param maxAclEntries         most users with a role on one document.
     */
    public SequencerConfig(
        final int shardId, final long maxDocumentCodePoints, final int snapshotIntervalOps, final int maxCatchUpOps,
        final int snapshotChunkBytes, final boolean aclEnforced, final int maxAclEntries)
    {
        this(shardId, maxDocumentCodePoints, snapshotIntervalOps, maxCatchUpOps, snapshotChunkBytes, aclEnforced,
            maxAclEntries, 0);
    }

    /**
     * Without ACL enforcement or a journal ratio.
     *
     * @param shardId               shard number.
     * @param maxDocumentCodePoints document size limit.
     * @param snapshotIntervalOps   snapshot interval.
     * @param maxCatchUpOps         catch-up bound.
     * @param snapshotChunkBytes    snapshot chunk size.
     */
    public SequencerConfig(
        final int shardId, final long maxDocumentCodePoints, final int snapshotIntervalOps, final int maxCatchUpOps,
        final int snapshotChunkBytes)
    {
        this(shardId, maxDocumentCodePoints, snapshotIntervalOps, maxCatchUpOps, snapshotChunkBytes, false,
            io.quire.codec.CodecLimits.DEFAULT_MAX_ACL_ENTRIES);
    }

    /**
     * @param enforced whether roles are checked.
     * @return a copy with ACL enforcement on or off.
     */
    public SequencerConfig withAclEnforced(final boolean enforced)
    {
        return new SequencerConfig(shardId, maxDocumentCodePoints, snapshotIntervalOps, maxCatchUpOps,
            snapshotChunkBytes, enforced, maxAclEntries, snapshotJournalRatio);
    }

    /** Defaults suitable for tests. */
    public static final SequencerConfig TEST = new SequencerConfig(0, 100L << 20, 1000, 100_000, 4096);
}
