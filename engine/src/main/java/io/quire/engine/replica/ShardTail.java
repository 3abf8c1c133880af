package io.quire.engine.replica;

import io.quire.engine.Shard;
import io.quire.engine.shard.EpochRecords;
import io.quire.journal.JournalFormat;
import io.quire.journal.JournalReader;
import io.quire.journal.JournalRecordHandler;
import org.agrona.CloseHelper;
import org.agrona.DirectBuffer;
import org.agrona.concurrent.status.AtomicCounter;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.nio.file.Path;
import java.util.Arrays;
import java.util.function.Function;

/**
 * One shard of a replica following its primary's journal directory read-only (the local transport): each of the
 * primary's batches is appended to the replica's own journal with the same LSNs, committed, and applied to the
 * documents with recovery's checks ({@link Shard#replicate}). At start the replica's last record must equal the
 * primary's record at that LSN ({@link ReplicaDivergedException} otherwise). Lag is sampled on request.
 * Replication thread only.
 */
final class ShardTail implements JournalRecordHandler, AutoCloseable
{
    private static final Logger LOG = LoggerFactory.getLogger(ShardTail.class);
    private static final int MAX_SAMPLE_BATCHES = 10_000;

    private final Shard shard;
    private final JournalReader source;
    private final JournalReader sampler;
    private final EpochRecords records = new EpochRecords();
    private final AtomicCounter appliedLsn;
    private final AtomicCounter lagRecords;
    private final AtomicCounter lagBytes;
    private final AtomicCounter lagMs;
    private final AtomicCounter replicatedBytes;
    private final long ownLastLsn;
    private final byte[] ownLast;
    private final JournalRecordHandler sample = this::onSampled;
    private long sampleBytes;
    private long sampleFirstTimestampNs;
    private RuntimeException failure;

    ShardTail(final Shard shard, final Path sourceJournal, final Function<String, AtomicCounter> counters)
    {
        this.shard = shard;
        final String label = "shard-" + shard.shardId() + " replica-";
        this.appliedLsn = counters.apply(label + "applied-lsn");
        this.lagRecords = counters.apply(label + "lag-records");
        this.lagBytes = counters.apply(label + "lag-bytes");
        this.lagMs = counters.apply(label + "lag-ms");
        this.replicatedBytes = counters.apply(label + "bytes");
        this.ownLastLsn = shard.nextLsn() - 1;
        this.ownLast = ownLastLsn >= JournalFormat.FIRST_LSN ? ownRecord(shard, ownLastLsn) : null;
        this.source = JournalReader.open(sourceJournal);
        this.sampler = JournalReader.open(sourceJournal);
        if (ownLast != null && !source.seekLsn(ownLastLsn))
        {
            final long theirs = sampler.lastLsn();
            CloseHelper.quietCloseAll(source, sampler);
            throw new ReplicaDivergedException(shard.shardId(), ownLastLsn,
                "the primary's journal has no record with this LSN (it ends at " + theirs + ")");
        }
        appliedLsn.setOrdered(ownLastLsn);
        lagRecords.setOrdered(-1); // unknown until the first sample
        lagMs.setOrdered(-1);
        source.handOver();
        sampler.handOver();
        shard.handOver();
    }

    static byte[] ownRecord(final Shard shard, final long lsn)
    {
        final byte[][] found = new byte[1][];
        try (JournalReader reader = shard.newJournalReader())
        {
            reader.seekLsn(lsn);
            while (found[0] == null && reader.poll((l, buffer, offset, length, index, position) ->
            {
                if (l == lsn)
                {
                    found[0] = new byte[length];
                    buffer.getBytes(offset, found[0]);
                }
            }, 1) > 0)
            {
                continue;
            }
        }
        if (found[0] == null)
        {
            throw new IllegalStateException("shard " + shard.shardId() + ": cannot read back its own LSN " + lsn);
        }
        return found[0];
    }

    /**
     * Copy and apply up to {@code maxBatches} of the primary's batches.
     *
     * @param maxBatches bound on the work.
     * @return batches copied.
     */
    int poll(final int maxBatches)
    {
        if (failure != null)
        {
            return 0;
        }
        int batches = 0;
        try
        {
            while (batches < maxBatches && source.poll(this, 1) > 0)
            {
                shard.replicatedBatch();
                batches++;
            }
        }
        catch (final RuntimeException ex)
        {
            failure = ex;
            LOG.error("shard {}: replication stopped at LSN {}", shard.shardId(), shard.nextLsn(), ex);
        }
        appliedLsn.setOrdered(shard.nextLsn() - 1);
        return batches;
    }

    @Override
    public void onRecord(
        final long lsn, final DirectBuffer buffer, final int offset, final int length, final long index,
        final int position)
    {
        if (lsn <= ownLastLsn)
        {
            if (lsn == ownLastLsn)
            {
                final byte[] theirs = new byte[length];
                buffer.getBytes(offset, theirs);
                if (!Arrays.equals(theirs, ownLast))
                {
                    throw new ReplicaDivergedException(shard.shardId(), lsn, "the records differ");
                }
            }
            return;
        }
        shard.replicate(lsn, buffer, offset, length);
        replicatedBytes.getAndAddOrdered(length + JournalFormat.FRAME_OVERHEAD);
    }

    /**
     * Measure how far behind the primary this shard is: records, framed bytes and the age of the oldest record not
     * yet applied (reads the primary's journal from the applied LSN to its end, at most a bounded number of batches).
     *
     * @param nowEpochNs wall clock.
     */
    void sampleLag(final long nowEpochNs)
    {
        final long applied = shard.nextLsn() - 1;
        final long last = sampler.lastLsn();
        final long behind = Math.max(0, last - applied);
        lagRecords.setOrdered(behind);
        if (behind == 0)
        {
            lagBytes.setOrdered(0);
            lagMs.setOrdered(0);
            return;
        }
        sampleBytes = 0;
        sampleFirstTimestampNs = -1;
        sampler.seekLsn(applied + 1);
        for (int i = 0; i < MAX_SAMPLE_BATCHES && sampler.poll(sample, 1) > 0; i++)
        {
            continue;
        }
        lagBytes.setOrdered(sampleBytes);
        lagMs.setOrdered(sampleFirstTimestampNs < 0 ? 0 : Math.max(0, (nowEpochNs - sampleFirstTimestampNs) / 1_000_000));
    }

    private void onSampled(
        final long lsn, final DirectBuffer buffer, final int offset, final int length, final long index,
        final int position)
    {
        sampleBytes += length + JournalFormat.FRAME_OVERHEAD;
        if (sampleFirstTimestampNs < 0)
        {
            sampleFirstTimestampNs = records.timestampOf(buffer, offset);
        }
    }

    /** @return why replication of this shard stopped, or null. */
    RuntimeException failure()
    {
        return failure;
    }

    /** @return the LSN of the last record copied and applied (any thread). */
    long appliedLsn()
    {
        return appliedLsn.get();
    }

    /** @return framed bytes behind at the last sample (any thread). */
    long lagBytes()
    {
        return lagBytes.get();
    }

    /** @return age in ms of the oldest record not applied at the last sample (any thread). */
    long lagMs()
    {
        return lagMs.get();
    }

    /** @return records behind at the last sample (any thread). */
    long lagRecords()
    {
        return lagRecords.get();
    }

    @Override
    public void close()
    {
        CloseHelper.quietCloseAll(source, sampler);
    }
}
