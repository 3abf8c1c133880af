package io.quire.engine;

import io.quire.engine.ring.ThreadingMode;
import io.quire.engine.shard.SequencerConfig;
import io.quire.journal.JournalContext;
import io.quire.journal.snapshot.SnapshotContext;

/**
 * Everything one shard needs to open (derived from {@link EngineContext}).
 *
 * @param sequencer        sequencer limits and intervals (holds the shard id).
 * @param journal          the shard's journal options (directory set).
 * @param snapshots        the shard's snapshot options (directory set).
 * @param ringSize         ring slots: the bound on queued commands.
 * @param threading        stage threading.
 * @param waitStrategy     ring wait strategy name.
 * @param maxBatch         shared mode: commit and send at least every this many slots.
 * @param maxLoadedBytes   memory bound for documents in memory.
 * @param maxLoadedDocs    bound on documents in memory.
 * @param historyMaxOps    ops of history kept per document in memory.
 * @param snapshotOnClose  snapshot every changed document at a clean shutdown (faster next start).
 * @param engineCpus       CPUs the ring's threads pin themselves to (shared and dedicated modes; empty: none).
 */
public record ShardSettings(
    SequencerConfig sequencer,
    JournalContext journal,
    SnapshotContext snapshots,
    int ringSize,
    ThreadingMode threading,
    String waitStrategy,
    int maxBatch,
    long maxLoadedBytes,
    int maxLoadedDocs,
    int historyMaxOps,
    boolean snapshotOnClose,
    CpuSet engineCpus)
{
    /** Settings whose ring threads are not pinned (tests, tools). */
    public ShardSettings(
        final SequencerConfig sequencer,
        final JournalContext journal,
        final SnapshotContext snapshots,
        final int ringSize,
        final ThreadingMode threading,
        final String waitStrategy,
        final int maxBatch,
        final long maxLoadedBytes,
        final int maxLoadedDocs,
        final int historyMaxOps,
        final boolean snapshotOnClose)
    {
        this(sequencer, journal, snapshots, ringSize, threading, waitStrategy, maxBatch, maxLoadedBytes,
            maxLoadedDocs, historyMaxOps, snapshotOnClose, CpuSet.NONE);
    }

    /** @return the shard number. */
    public int shardId()
    {
        return sequencer.shardId();
    }
}
