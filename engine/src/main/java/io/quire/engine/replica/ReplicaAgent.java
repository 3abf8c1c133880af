package io.quire.engine.replica;

import io.quire.engine.Shard;
import org.agrona.CloseHelper;
import org.agrona.concurrent.Agent;
import org.agrona.concurrent.EpochNanoClock;
import org.agrona.concurrent.status.AtomicCounter;

import java.nio.file.Path;
import java.util.concurrent.atomic.AtomicIntegerArray;
import java.util.function.Function;

/**
 * The duty cycle of a replica node: follow the primary's journal for every owned shard ({@link ShardTail}), and
 * sample the replication lag once per {@code sampleIntervalNs}. The shards' rings are not running: this agent is the
 * only thread that touches their journals and documents until the node stops (or is promoted).
 */
public final class ReplicaAgent implements Agent, Replication
{
    private static final int MAX_BATCHES_PER_SHARD = 16;

    private final ShardTail[] tails;
    // Per shard, 1 once the last poll found the primary's journal read to its end (everything applied), else 0.
    private final AtomicIntegerArray atEnd;
    private final EpochNanoClock wallClock;
    private final long sampleIntervalNs;
    private long nextSampleNs;

    /**
     * @param shards           the owned shards, recovered from the replica's own journal, not started.
     * @param primaryDataDir   the primary's data directory (holding {@code shard-N/journal}).
     * @param counters         makes counters from labels.
     * @param wallClock        wall clock for the lag in milliseconds.
     * @param sampleIntervalNs how often lag is measured.
     * @throws ReplicaDivergedException if a shard's journal is not a prefix of the primary's.
     */
    public ReplicaAgent(
        final Shard[] shards, final Path primaryDataDir, final Function<String, AtomicCounter> counters,
        final EpochNanoClock wallClock, final long sampleIntervalNs)
    {
        this.tails = new ShardTail[shards.length];
        try
        {
            for (int i = 0; i < shards.length; i++)
            {
                tails[i] = new ShardTail(shards[i],
                    primaryDataDir.resolve("shard-" + shards[i].shardId()).resolve("journal"), counters);
            }
        }
        catch (final RuntimeException ex)
        {
            CloseHelper.quietCloseAll(tails);
            throw ex;
        }
        this.atEnd = new AtomicIntegerArray(shards.length);
        this.wallClock = wallClock;
        this.sampleIntervalNs = sampleIntervalNs;
    }

    @Override
    public int doWork()
    {
        int work = 0;
        for (int i = 0; i < tails.length; i++)
        {
            final int batches = tails[i].poll(MAX_BATCHES_PER_SHARD);
            work += batches;
            final int end = batches == 0 && tails[i].failure() == null ? 1 : 0;
            if (atEnd.get(i) != end)
            {
                atEnd.lazySet(i, end);
            }
        }
        final long now = System.nanoTime();
        if (now - nextSampleNs >= 0)
        {
            nextSampleNs = now + sampleIntervalNs;
            final long wall = wallClock.nanoTime();
            for (final ShardTail tail : tails)
            {
                tail.sampleLag(wall);
            }
        }
        return work;
    }

    @Override
    public RuntimeException failure()
    {
        for (final ShardTail tail : tails)
        {
            if (tail.failure() != null)
            {
                return tail.failure();
            }
        }
        return null;
    }

    @Override
    public boolean caughtUp()
    {
        for (int i = 0; i < tails.length; i++)
        {
            if (atEnd.get(i) == 0)
            {
                return false;
            }
        }
        return true;
    }

    @Override
    public long[] progress(final int index)
    {
        final ShardTail t = tails[index];
        return new long[] {t.appliedLsn(), t.lagRecords(), t.lagBytes(), t.lagMs()};
    }

    @Override
    public void onClose()
    {
        CloseHelper.quietCloseAll(tails);
    }

    @Override
    public String roleName()
    {
        return "quire-replica";
    }
}
