package io.quire.engine.shard;

/**
 * The limits and intervals one shard's sequencer works with (derived from {@code EngineContext}).
 *
 * @param shardId                shard number.
 * @param maxDocumentCodePoints  a document may not grow beyond this many code points.
 * @param snapshotIntervalOps    snapshot a document every this many ops (0: only on unload).
 * @param maxCatchUpOps          most ops one catch-up or transform may read from the journal.
 * @param snapshotChunkBytes     UTF-8 bytes of text per outbound snapshot message.
 */
public record SequencerConfig(
    int shardId,
    long maxDocumentCodePoints,
    int snapshotIntervalOps,
    int maxCatchUpOps,
    int snapshotChunkBytes)
{
    /** Defaults suitable for tests. */
    public static final SequencerConfig TEST = new SequencerConfig(0, 100L << 20, 1000, 100_000, 4096);
}
