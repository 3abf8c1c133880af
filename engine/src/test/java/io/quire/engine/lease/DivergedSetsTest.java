package io.quire.engine.lease;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/** Sets of diverged shard directories: names that sort after every existing set, and keeping only the newest. */
class DivergedSetsTest
{
    @TempDir
    Path data;

    private Path set(final long millis) throws IOException
    {
        final Path journal = data.resolve("diverged").resolve(Long.toString(millis)).resolve("shard-0").resolve("journal");
        Files.createDirectories(journal);
        Files.write(journal.resolve("20261123.cq4"), new byte[4096]);
        return journal.getParent().getParent();
    }

    @Test
    void aNewSetIsNamedAfterEveryExistingOne() throws IOException
    {
        assertThat(DivergedSets.newSet(data).getParent()).isEqualTo(data.resolve("diverged"));
        final long future = System.currentTimeMillis() + 3_600_000;
        set(future);
        assertThat(DivergedSets.newSet(data).getFileName().toString()).isEqualTo(Long.toString(future + 1));
    }

    @Test
    void keepsTheNewestSetsAndDeletesTheRestWhole() throws IOException
    {
        final Path oldest = set(1_000);
        final Path second = set(20_000);
        final Path third = set(300_000);
        final Path newest = set(4_000_000);
        // Not a set: left alone whatever it is.
        Files.createDirectories(data.resolve("diverged").resolve("notes"));

        assertThat(DivergedSets.prune(data, 0)).isEmpty();
        assertThat(DivergedSets.prune(data, 4)).isEmpty();
        assertThat(DivergedSets.prune(data, 2)).containsExactly(oldest, second);
        assertThat(oldest).doesNotExist();
        assertThat(second).doesNotExist();
        assertThat(third.resolve("shard-0/journal/20261123.cq4")).exists();
        assertThat(newest).exists();
        assertThat(data.resolve("diverged").resolve("notes")).exists();
        assertThat(DivergedSets.prune(data, 1)).isEqualTo(List.of(third));
        assertThat(DivergedSets.prune(data, 1)).isEmpty();
    }

    @Test
    void noDivergedDirectoryIsNothingToDo()
    {
        assertThat(DivergedSets.prune(data, 1)).isEmpty();
    }
}
