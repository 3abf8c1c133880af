package io.quire.engine;

import io.quire.engine.ring.ThreadingMode;
import io.quire.engine.shard.EpochRecords;
import io.quire.engine.shard.SequencerConfig;
import io.quire.journal.JournalContext;
import io.quire.journal.snapshot.SnapshotContext;
import org.agrona.ExpandableArrayBuffer;
import org.agrona.concurrent.SystemEpochNanoClock;
import org.agrona.concurrent.UnsafeBuffer;
import org.agrona.concurrent.status.CountersManager;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * A shard fed by replication (a real journal in a temp dir) refuses a record whose epoch is older than one it has
 * journaled: once a newer primary's {@code EpochRecord} is in, nothing a deposed primary wrote afterwards is
 * accepted, not even into the open batch; the journal keeps its last good batch and recovers.
 */
class ShardEpochFenceTest
{
    @TempDir
    Path dir;

    private Shard open()
    {
        final CountersManager counters = new CountersManager(
            new UnsafeBuffer(new byte[1 << 20]), new UnsafeBuffer(new byte[1 << 18]));
        final ShardSettings settings = new ShardSettings(
            new SequencerConfig(0, 100L << 20, 100, 100_000, 4096),
            JournalContext.forTests(dir.resolve("journal")),
            new SnapshotContext().dir(dir.resolve("snapshots")),
            1024, ThreadingMode.SHARED, "backoff", 64, 1L << 30, 1000, 50, false);
        return Shard.open(settings, (edge, buffer, offset, length) -> true, counters::newCounter, () -> 0L,
            new SystemEpochNanoClock());
    }

    @Test
    void aRecordFromAnOlderEpochIsRefused()
    {
        final EpochRecords epochs = new EpochRecords();
        final ExpandableArrayBuffer record = new ExpandableArrayBuffer(64);
        try (Shard shard = open())
        {
            int length = epochs.encode(record, 1, 0, 1, 7);
            shard.replicate(1, record, 0, length);
            length = epochs.encode(record, 2, 1, 2, 8);
            shard.replicate(2, record, 0, length);
            shard.replicatedBatch();
            assertThat(shard.lastEpoch()).isEqualTo(2);

            length = epochs.encode(record, 2, 1, 3, 8);
            shard.replicate(3, record, 0, length);
            final int stale = epochs.encode(record, 1, 0, 4, 7);
            assertThatThrownBy(() -> shard.replicate(4, record, 0, stale))
                .isInstanceOfSatisfying(StaleEpochException.class, ex ->
                {
                    assertThat(ex.epoch()).isEqualTo(1);
                    assertThat(ex.journaledEpoch()).isEqualTo(2);
                });
            assertThat(shard.healthy()).as("follows no further").isFalse();
            assertThatThrownBy(() -> shard.replicate(4, record, 0, stale)).isInstanceOf(IllegalStateException.class);
        }
        try (Shard reopened = open())
        {
            assertThat(reopened.nextLsn()).as("the open batch with the refused record was dropped").isEqualTo(3);
            assertThat(reopened.lastEpoch()).isEqualTo(2);
            assertThatThrownBy(() -> reopened.beginEpoch(2, 8, 5)).isInstanceOf(StaleEpochException.class);
        }
    }
}
