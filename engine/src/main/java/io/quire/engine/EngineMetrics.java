package io.quire.engine;

import io.quire.codec.protocol.RejectReason;
import org.HdrHistogram.Histogram;
import org.agrona.concurrent.status.AtomicCounter;

import java.util.EnumMap;
import java.util.Map;

/**
 * What an engine node exposes for monitoring (a Prometheus exporter in the edge or server reads it): per-shard
 * counters and gauges, and commit, journal-commit and document-load latency and batch-size histograms accumulated
 * from the shards'
 * {@link org.HdrHistogram.SingleWriterRecorder}s.
 * <p>
 * Counters and gauges can be read from any thread. The histogram methods are synchronized: each call first moves
 * the shards' interval histograms into the accumulated ones (a recorder has exactly one reader, this object), so
 * call them from a cold thread, never from a shard or the ingress.
 */
public final class EngineMetrics
{
    private static final long MAX_NANOS = 60_000_000_000L;

    private final Shard[] shards;
    private final int shardBegin;
    private final EngineCounters counters;
    private final AtomicCounter[] ringRemaining;
    private final AtomicCounter[] ringCapacity;
    private final AtomicCounter[] journalBytes;
    private final Histogram[] commit;
    private final Histogram[] journal;
    private final Histogram[] commitRecycle;
    private final Histogram[] journalRecycle;
    private final Histogram[] batch;
    private final Histogram[] batchRecycle;
    private final Histogram[] docLoad;
    private final Histogram[] docLoadRecycle;

    /**
     * @param shards     the owned shards, indexed by shard id minus {@code shardBegin}.
     * @param shardBegin first owned shard.
     * @param counters   the node's counters (gauges are allocated there).
     */
    public EngineMetrics(final Shard[] shards, final int shardBegin, final EngineCounters counters)
    {
        this.shards = shards.clone();
        this.shardBegin = shardBegin;
        this.counters = counters;
        final int n = shards.length;
        ringRemaining = new AtomicCounter[n];
        ringCapacity = new AtomicCounter[n];
        journalBytes = new AtomicCounter[n];
        commit = new Histogram[n];
        journal = new Histogram[n];
        commitRecycle = new Histogram[n];
        journalRecycle = new Histogram[n];
        batch = new Histogram[n];
        batchRecycle = new Histogram[n];
        docLoad = new Histogram[n];
        docLoadRecycle = new Histogram[n];
        for (int i = 0; i < n; i++)
        {
            final String shard = "shard-" + (shardBegin + i) + " ";
            ringRemaining[i] = counters.newCounter(shard + "ring-remaining");
            ringCapacity[i] = counters.newCounter(shard + "ring-capacity");
            journalBytes[i] = counters.newCounter(shard + "journal-bytes");
            ringCapacity[i].setOrdered(shards[i].ringSize());
            commit[i] = new Histogram(MAX_NANOS, 3);
            journal[i] = new Histogram(MAX_NANOS, 3);
            batch[i] = new Histogram(3);
            docLoad[i] = new Histogram(3);
        }
        refreshGauges();
    }

    /** Ingress thread (the gauges' only writer): copy ring occupancy and journal size into the gauges. */
    public void refreshGauges()
    {
        for (int i = 0; i < shards.length; i++)
        {
            ringRemaining[i].setOrdered(shards[i].ringRemaining());
            journalBytes[i].setOrdered(shards[i].journalBytes());
        }
    }

    /** @return the node's counters (ingress, egress, edges). */
    public EngineCounters counters()
    {
        return counters;
    }

    /** @return first owned shard. */
    public int shardBegin()
    {
        return shardBegin;
    }

    /** @return one past the last owned shard. */
    public int shardEnd()
    {
        return shardBegin + shards.length;
    }

    /**
     * @param shardId an owned shard.
     * @return ops received by it.
     */
    public long opsIn(final int shardId)
    {
        return shard(shardId).counters().opsIn();
    }

    /**
     * @param shardId an owned shard.
     * @return ops it committed.
     */
    public long committed(final int shardId)
    {
        return shard(shardId).counters().committedCount();
    }

    /**
     * @param shardId an owned shard.
     * @return resubmissions it recognised as duplicates.
     */
    public long duplicates(final int shardId)
    {
        return shard(shardId).counters().duplicates();
    }

    /**
     * @param shardId an owned shard.
     * @param reason  a reason.
     * @return rejects for that shard with that reason (the sequencer's; OVERLOADED is counted there by the ingress).
     */
    public long rejects(final int shardId, final RejectReason reason)
    {
        return shard(shardId).counters().rejects(reason);
    }

    /**
     * @param shardId an owned shard.
     * @return every reject reason with a non-zero count.
     */
    public Map<RejectReason, Long> rejects(final int shardId)
    {
        final Map<RejectReason, Long> result = new EnumMap<>(RejectReason.class);
        for (final RejectReason reason : RejectReason.values())
        {
            if (reason != RejectReason.NULL_VAL && reason != RejectReason.SBE_UNKNOWN)
            {
                final long n = rejects(shardId, reason);
                if (n > 0)
                {
                    result.put(reason, n);
                }
            }
        }
        return result;
    }

    /**
     * @param shardId an owned shard.
     * @return documents it holds in memory.
     */
    public long docsLoaded(final int shardId)
    {
        return shard(shardId).counters().docsLoaded();
    }

    /**
     * @param shardId an owned shard.
     * @return documents it loaded into memory since start.
     */
    public long docLoads(final int shardId)
    {
        return shard(shardId).counters().docLoads();
    }

    /**
     * @param shardId an owned shard.
     * @return documents it unloaded (evicted) since start.
     */
    public long docUnloads(final int shardId)
    {
        return shard(shardId).counters().docUnloads();
    }

    /**
     * @param shardId an owned shard.
     * @return unloads whose snapshot its thread wrote itself because the background snapshot writer was full.
     */
    public long docUnloadSnapshotsInline(final int shardId)
    {
        return shard(shardId).counters().docUnloadSnapshotsInline();
    }

    /**
     * @param shardId an owned shard.
     * @return times its eviction stopped, over the bounds, because the background snapshot writer was full.
     */
    public long docUnloadsDeferred(final int shardId)
    {
        return shard(shardId).counters().docUnloadsDeferred();
    }

    /**
     * @param shardId an owned shard.
     * @return its ring size (the bound on queued commands).
     */
    public long ringCapacity(final int shardId)
    {
        return shard(shardId).ringSize();
    }

    /**
     * @param shardId an owned shard.
     * @return free slots in its ring now.
     */
    public long ringRemaining(final int shardId)
    {
        return shard(shardId).ringRemaining();
    }

    /**
     * @param shardId an owned shard.
     * @return bytes it appended to its journal since the node started (as of the last gauge refresh).
     */
    public long journalBytes(final int shardId)
    {
        return journalBytes[shardId - shardBegin].get();
    }

    /**
     * @param shardId an owned shard.
     * @return false if its journal failed (it acknowledges nothing until restart).
     */
    public boolean healthy(final int shardId)
    {
        return shard(shardId).healthy();
    }

    /**
     * Commit latency of one shard since start (or the last reset): ns from the ingress receiving a SubmitOp to its
     * ack being handed to the transport, for committed and duplicate ops.
     *
     * @param shardId an owned shard.
     * @return a copy of the accumulated histogram.
     */
    public synchronized Histogram commitLatency(final int shardId)
    {
        drain();
        return commit[shardId - shardBegin].copy();
    }

    /** @return commit latency over every owned shard (a new histogram, ns). */
    public synchronized Histogram commitLatency()
    {
        drain();
        return sum(commit, new Histogram(MAX_NANOS, 3));
    }

    /**
     * Journal batch commit time of one shard: ns per group commit (write, plus the sync under {@code sync}).
     *
     * @param shardId an owned shard.
     * @return a copy of the accumulated histogram.
     */
    public synchronized Histogram journalCommitLatency(final int shardId)
    {
        drain();
        return journal[shardId - shardBegin].copy();
    }

    /** @return journal batch commit time over every owned shard (a new histogram, ns). */
    public synchronized Histogram journalCommitLatency()
    {
        drain();
        return sum(journal, new Histogram(MAX_NANOS, 3));
    }

    /**
     * Ring slots per journal batch commit over every owned shard: how many commands shared one group commit (and,
     * in the single and shared modes, were acknowledged together once the whole batch was journaled).
     *
     * @return a new histogram (slots).
     */
    public synchronized Histogram batchSlots()
    {
        drain();
        return sum(batch, new Histogram(3));
    }

    /**
     * Document loads over every owned shard: ns per load of a document from its snapshot and the journal, during
     * which its shard's thread does nothing else.
     *
     * @return a new histogram (ns).
     */
    public synchronized Histogram docLoadLatency()
    {
        drain();
        return sum(docLoad, new Histogram(3));
    }

    /** Forget the latencies recorded so far (e.g. after a benchmark's warm-up). */
    public synchronized void resetLatencies()
    {
        drain();
        for (int i = 0; i < shards.length; i++)
        {
            commit[i].reset();
            journal[i].reset();
            batch[i].reset();
            docLoad[i].reset();
        }
    }

    private static Histogram sum(final Histogram[] parts, final Histogram into)
    {
        for (final Histogram h : parts)
        {
            into.add(h);
        }
        return into;
    }

    private void drain()
    {
        for (int i = 0; i < shards.length; i++)
        {
            commitRecycle[i] = shards[i].commitLatency().getIntervalHistogram(commitRecycle[i]);
            commit[i].add(commitRecycle[i]);
            journalRecycle[i] = shards[i].journalLatency().getIntervalHistogram(journalRecycle[i]);
            journal[i].add(journalRecycle[i]);
            batchRecycle[i] = shards[i].batchSlots().getIntervalHistogram(batchRecycle[i]);
            batch[i].add(batchRecycle[i]);
            docLoadRecycle[i] = shards[i].docLoadLatency().getIntervalHistogram(docLoadRecycle[i]);
            docLoad[i].add(docLoadRecycle[i]);
        }
    }

    private Shard shard(final int shardId)
    {
        final int i = shardId - shardBegin;
        if (i < 0 || i >= shards.length)
        {
            throw new IllegalArgumentException("shard " + shardId + " is not owned by this node (" + shardBegin +
                "-" + shardEnd() + ")");
        }
        return shards[i];
    }
}
