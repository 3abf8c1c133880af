package io.quire.engine;

import io.quire.engine.shard.SequencerConfig;
import io.quire.journal.JournalContext;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A shard runs a {@code quire-pretouch-N} thread beside its journal by default: once ops are committed it has read
 * pages ahead of the journal's end (counted as {@code journal-pretouched-pages}), and closing the shard stops it.
 */
class ShardJournalPretouchTest
{
    private static final String THREAD = "quire-pretouch-0";

    @TempDir
    Path dir;

    @Test
    void pagesAheadOfTheJournalAreTouchedWhileTheShardRunsAndTheThreadStopsWithIt() throws InterruptedException
    {
        try (ShardRig rig = new ShardRig(dir, SequencerConfig.TEST, 100, false))
        {
            assertThat(threadAlive()).as("started with the shard").isTrue();
            rig.createAndEditOneByOne("pretouched", 20);
            final long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
            while (rig.counter("shard-0 journal-pretouched-pages") == 0)
            {
                assertThat(System.nanoTime() - deadline).as("pages touched in time").isNegative();
                Thread.sleep(1);
            }
            // At most the default 4 MiB past the last commit (less: the test journal's file is shorter than that).
            assertThat(rig.counter("shard-0 journal-pretouched-pages"))
                .isBetween(1L, JournalContext.PRETOUCH_AHEAD_DEFAULT / 4096 + 1);
        }
        assertThat(threadAlive()).as("stopped with the shard").isFalse();
    }

    private static boolean threadAlive()
    {
        return Thread.getAllStackTraces().keySet().stream().anyMatch(t -> t.isAlive() && t.getName().equals(THREAD));
    }
}
