package io.quire.engine;

import io.quire.codec.protocol.MessageHeaderDecoder;
import io.quire.codec.protocol.OpAckDecoder;
import io.quire.engine.ring.ThreadingMode;
import io.quire.engine.shard.Requests;
import io.quire.engine.shard.SequencerConfig;
import io.quire.journal.JournalContext;
import io.quire.journal.snapshot.SnapshotContext;
import org.HdrHistogram.Histogram;
import org.agrona.concurrent.SystemEpochNanoClock;
import org.agrona.concurrent.UnsafeBuffer;
import org.agrona.concurrent.status.CountersManager;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The single and shared threading modes read the clock once per ring batch, not per op: a batch's acks carry one
 * sequenced stamp and one sent stamp, and commit latency is recorded once the whole batch has been handed over. Checks,
 * on a real shard with its Chronicle journal, that the stamps stay ordered (received, sequenced, sent), that ops
 * offered together do share a batch's stamps, and that every committed op's latency is recorded and is never less
 * than its ack's stamps show.
 */
class ShardBatchTimingTest
{
    private static final int EDITS = 300;
    private static final int MAX_BATCH = 64;
    private static final long TIMEOUT_MS = 10_000;

    @TempDir
    Path dir;

    /** An ack's (version, received, sequenced, sent). */
    private record Stamps(long version, long received, long sequenced, long sent)
    {
    }

    @ParameterizedTest
    @EnumSource(value = ThreadingMode.class, names = {"SINGLE", "SHARED"})
    void batchesShareStampsAndEveryCommitIsTimed(final ThreadingMode mode) throws InterruptedException
    {
        final List<Stamps> acks = new ArrayList<>();
        final CountersManager counters = new CountersManager(
            new UnsafeBuffer(new byte[1 << 20]), new UnsafeBuffer(new byte[1 << 18]));
        final ShardSettings settings = new ShardSettings(SequencerConfig.TEST,
            JournalContext.forTests(dir.resolve("journal")), new SnapshotContext().dir(dir.resolve("snapshots")),
            1024, mode, "backoff", MAX_BATCH, 1L << 30, 100, 50, false);
        final MessageHeaderDecoder header = new MessageHeaderDecoder();
        final OpAckDecoder ack = new OpAckDecoder();
        final Shard shard = Shard.open(settings, (edge, buffer, offset, length) ->
        {
            header.wrap(buffer, offset);
            if (header.templateId() == OpAckDecoder.TEMPLATE_ID)
            {
                ack.wrap(buffer, offset + MessageHeaderDecoder.ENCODED_LENGTH, header.blockLength(), header.version());
                synchronized (acks)
                {
                    acks.add(new Stamps(ack.version(), ack.engineReceivedNs(), ack.engineSequencedNs(),
                        ack.engineSentNs()));
                    acks.notifyAll();
                }
            }
            return true;
        }, counters::newCounter, () -> 1L, new SystemEpochNanoClock());
        try
        {
            shard.start();
            final Requests req = new Requests();
            offer(shard, req.create(1, 1, 1, "c", "d", -1, "src", 1, "text-unicode", ""));
            for (int i = 0; i < EDITS; i++)
            {
                // Every edit at the version before it: the test thread offers them all before any is acknowledged.
                offer(shard, req.edit(1, 1, 2 + i, "c", "d", 1 + i, "src", 2 + i, "[\"x\"]"));
            }
            final long deadline = System.currentTimeMillis() + TIMEOUT_MS;
            while (count(acks) < EDITS + 1 && System.currentTimeMillis() < deadline)
            {
                if (mode == ThreadingMode.SINGLE)
                {
                    shard.poll();
                }
                else
                {
                    synchronized (acks)
                    {
                        if (acks.size() < EDITS + 1)
                        {
                            acks.wait(100);
                        }
                    }
                }
            }
            assertThat(count(acks)).as("every op acknowledged").isEqualTo(EDITS + 1);

            // A batch's latencies are recorded once all its messages are handed over, so in shared mode the shard
            // thread may still be recording the last batch's when its last ack arrives here.
            final Histogram latency = shard.commitLatency().getIntervalHistogram();
            while (latency.getTotalCount() < EDITS + 1 && System.currentTimeMillis() < deadline)
            {
                Thread.onSpinWait();
                latency.add(shard.commitLatency().getIntervalHistogram());
            }
            assertThat(latency.getTotalCount()).as("one commit latency per committed op").isEqualTo(EDITS + 1);
            final Set<Long> sequenced = new HashSet<>();
            final Set<Long> sent = new HashSet<>();
            long longestByStamps = 0;
            synchronized (acks)
            {
                for (int i = 0; i < acks.size(); i++)
                {
                    final Stamps s = acks.get(i);
                    assertThat(s.version()).as("acks in version order").isEqualTo(i);
                    assertThat(s.received()).isPositive();
                    assertThat(s.sequenced()).as("sequenced after received").isGreaterThanOrEqualTo(s.received());
                    assertThat(s.sent()).as("sent after sequenced").isGreaterThanOrEqualTo(s.sequenced());
                    sequenced.add(s.sequenced());
                    sent.add(s.sent());
                    longestByStamps = Math.max(longestByStamps, s.sent() - s.received());
                }
            }
            // Ops offered together were sequenced and sent in batches of up to MAX_BATCH: far fewer clock reads.
            assertThat(sequenced.size()).as("distinct sequenced stamps").isLessThan(EDITS / 2);
            assertThat(sent.size()).as("distinct sent stamps").isLessThan(EDITS / 2);
            assertThat(latency.getMaxValue()).as("recorded latency ends after the ack was handed over")
                .isGreaterThanOrEqualTo(latency.lowestEquivalentValue(longestByStamps));

            // Every slot belongs to exactly one group commit, none larger than MAX_BATCH, far fewer than the slots.
            final Histogram batches = shard.batchSlots().getIntervalHistogram();
            while (sum(batches) < EDITS + 1 && System.currentTimeMillis() < deadline)
            {
                Thread.onSpinWait();
                batches.add(shard.batchSlots().getIntervalHistogram());
            }
            assertThat(sum(batches)).as("slots over all batches").isEqualTo(EDITS + 1);
            assertThat(batches.getMaxValue()).as("largest batch").isBetween(2L, (long)MAX_BATCH);
            assertThat(batches.getTotalCount()).as("batches").isLessThan(EDITS / 2);
        }
        finally
        {
            shard.close();
        }
    }

    private static void offer(final Shard shard, final Requests req)
    {
        final long deadline = System.currentTimeMillis() + TIMEOUT_MS;
        while (!shard.offer(req.buffer, 0, req.length, req.templateId, System.nanoTime()))
        {
            assertThat(System.currentTimeMillis()).as("ring accepts the command in time").isLessThan(deadline);
            Thread.onSpinWait();
        }
    }

    private static long sum(final Histogram h)
    {
        long total = 0;
        for (final org.HdrHistogram.HistogramIterationValue v : h.recordedValues())
        {
            total += v.getValueIteratedTo() * v.getCountAtValueIteratedTo();
        }
        return total;
    }

    private static int count(final List<Stamps> acks)
    {
        synchronized (acks)
        {
            return acks.size();
        }
    }
}
