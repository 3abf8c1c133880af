package io.quire.engine;

import io.quire.engine.shard.SequencerConfig;
import io.quire.journal.JournalCorruptedException;
import io.quire.test.ByteSearch;
import net.openhft.chronicle.core.io.BackgroundResourceReleaser;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledOnOs;
import org.junit.jupiter.api.condition.OS;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * A shard whose journal cannot be recovered fails to open, and leaves nothing open behind it: no file descriptor and
 * no mapping of its journal or snapshot files (a leased node retries opening its shards in the same JVM), and no
 * snapshot thread. The damage is real: a byte of a committed record in the middle of a Chronicle file is flipped.
 */
@EnabledOnOs(OS.LINUX)
class ShardOpenFailureTest
{
    private static final String DOC = "leak-check-document";

    @TempDir
    Path dir;

    @Test
    void aShardThatFailsToRecoverClosesWhatItOpened() throws Exception
    {
        try (ShardRig rig = new ShardRig(dir, SequencerConfig.TEST, 100, false))
        {
            // One at a time: each is its own journal batch, so the first record is not in the last batch.
            rig.createAndEditOneByOne(DOC, 20);
        }
        damageFirstRecord();
        assertNothingOpenUnder(dir);

        assertThatThrownBy(() -> new ShardRig(dir, SequencerConfig.TEST, 100, false))
            .as("recovery of a damaged journal fails").isInstanceOf(JournalCorruptedException.class);

        assertNothingOpenUnder(dir);
        assertThat(Thread.getAllStackTraces().keySet().stream().filter(Thread::isAlive)
            .filter(t -> t.getName().equals("quire-snapshots-0")).count())
            .as("snapshot threads of shard 0 left running (other tests' shards are closed by now)").isZero();
    }

    /** Flip a byte of the document id in the first op record of the journal (the CREATE). */
    private void damageFirstRecord() throws IOException
    {
        final byte[] needle = DOC.getBytes(StandardCharsets.US_ASCII);
        try (Stream<Path> files = Files.walk(dir.resolve("journal")))
        {
            for (final Path file : files.filter(p -> p.toString().endsWith(".cq4")).toList())
            {
                final byte[] bytes = Files.readAllBytes(file);
                final int at = ByteSearch.indexOf(bytes, needle);
                if (at >= 0)
                {
                    bytes[at + needle.length - 1] ^= 0x01;
                    Files.write(file, bytes);
                    return;
                }
            }
        }
        throw new AssertionError("no journal file holds " + DOC);
    }

    /**
     * Chronicle hands closed queues' files to a background thread to unmap: wait for what it has been given, then
     * nothing may be open. No time-based wait and no System.gc(): a collection would run the cleaners that close what
     * was leaked, hiding the leak.
     */
    private static void assertNothingOpenUnder(final Path dir) throws Exception
    {
        BackgroundResourceReleaser.releasePendingResources();
        final String prefix = dir.toRealPath().toString();
        assertThat(openUnder(prefix)).as("file descriptors and mappings under " + prefix).isEmpty();
    }

    private static List<String> openUnder(final String prefix) throws IOException
    {
        final List<String> open = new ArrayList<>();
        try (Stream<Path> fds = Files.list(Path.of("/proc/self/fd")))
        {
            for (final Path fd : fds.toList())
            {
                try
                {
                    final String target = Files.readSymbolicLink(fd).toString();
                    if (target.startsWith(prefix))
                    {
                        open.add("fd " + target);
                    }
                }
                catch (final IOException ex)
                {
                    // closed meanwhile
                }
            }
        }
        for (final String line : Files.readAllLines(Path.of("/proc/self/maps")))
        {
            final int path = line.indexOf('/');
            if (path >= 0 && line.substring(path).startsWith(prefix))
            {
                open.add("mapping " + line.substring(path));
            }
        }
        return open;
    }
}
