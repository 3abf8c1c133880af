package io.quire.journal;

import net.openhft.chronicle.core.time.SetTimeProvider;
import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * {@link JournalPretoucher} beside a real {@link JournalWriter}: it touches the pages from the writer's last commit to
 * {@code ahead} bytes past it (never past the file's end), follows the writer into a new cycle's file, leaves every
 * record intact, and on close stops its thread and unmaps its window.
 */
class JournalPretoucherTest
{
    private static final long AHEAD = 256 << 10;
    private static final long DEADLINE_NS = TimeUnit.SECONDS.toNanos(10);

    @TempDir
    Path dir;

    @Test
    void keepsTheNextPagesAheadOfTheWriterAcrossFilesAndChangesNothing() throws IOException
    {
        final SetTimeProvider clock = new SetTimeProvider(1_700_000_000_000L);
        final List<String> expected = new ArrayList<>();
        try (JournalWriter writer = new JournalWriter(
            JournalContext.forTests(dir).rollCycle("test-secondly").timeProvider(clock));
            JournalPretoucher pretoucher = new JournalPretoucher(writer, AHEAD, "test-pretouch"))
        {
            assertThat(writer.touchFile()).as("nothing committed yet").isNull();
            appendBatches(writer, expected, 50);
            final JournalWriter.TouchFile first = writer.touchFile();
            assertThat(first).isNotNull();
            assertThat(first.file()).exists();
            final long position = writer.touchPosition();
            // ~50 batches of ~100-byte records: some KB into the file, well inside its first 1 MiB block.
            assertThat(position).isBetween(4_000L, 1L << 20);
            final long fileSize = Files.size(first.file().toPath());
            final long expectedEnd = Math.min(position + AHEAD, fileSize & -JournalPretoucher.PAGE);
            waitFor(() -> pretoucher.touchedUpTo() >= expectedEnd, "touched up to " + expectedEnd);
            assertThat(pretoucher.touchedUpTo()).as("never past the file's end").isLessThanOrEqualTo(fileSize);
            assertThat(pretoucher.pagesTouched())
                .as("pages from the writer's page to AHEAD past its position")
                .isBetween((expectedEnd - (position & -JournalPretoucher.PAGE)) / JournalPretoucher.PAGE,
                    expectedEnd / JournalPretoucher.PAGE);
            final long touchedInFirst = pretoucher.pagesTouched();
            assertThat(mappings(first.file())).as("the writer's and the pretoucher's").isGreaterThanOrEqualTo(2);

            // Nothing new committed: nothing more to read.
            sleepMillis(30);
            assertThat(pretoucher.pagesTouched()).isEqualTo(touchedInFirst);

            // The next cycle: a new file, which it follows.
            clock.advanceMillis(2000);
            appendBatches(writer, expected, 20);
            final JournalWriter.TouchFile second = writer.touchFile();
            assertThat(second.cycle()).isGreaterThan(first.cycle());
            assertThat(second.file()).isNotEqualTo(first.file());
            waitFor(() -> second.file().equals(pretoucher.currentFile()) &&
                pretoucher.touchedUpTo() >= Math.min(writer.touchPosition() + AHEAD,
                    sizeOf(second.file().toPath()) & -JournalPretoucher.PAGE), "second file touched");
            assertThat(pretoucher.pagesTouched()).isGreaterThan(touchedInFirst);
        }
        // Closed (pretoucher first, then writer): no thread left, no mapping of the files left.
        assertThat(Thread.getAllStackTraces().keySet()).noneMatch(t -> t.getName().equals("test-pretouch"));

        final List<String> read = new ArrayList<>();
        try (JournalReader reader = JournalReader.open(dir))
        {
            final long[] nextLsn = {1};
            while (reader.poll((lsn, buffer, offset, length, index, position) ->
            {
                assertThat(lsn).isEqualTo(nextLsn[0]++);
                read.add(buffer.getStringWithoutLengthUtf8(offset, length));
            }, 64) > 0)
            {
                // keep reading
            }
        }
        assertThat(read).containsExactlyElementsOf(expected);
    }

    @Test
    void closeStopsTheThreadAndUnmapsItsWindowAndTheWriterGoesOn() throws IOException
    {
        final List<String> expected = new ArrayList<>();
        final Path file;
        try (JournalWriter writer = new JournalWriter(JournalContext.forTests(dir)))
        {
            final JournalPretoucher pretoucher = new JournalPretoucher(writer, AHEAD, "test-pretouch-2");
            appendBatches(writer, expected, 10);
            file = writer.touchFile().file().toPath();
            waitFor(() -> pretoucher.pagesTouched() > 0, "some pages touched");
            final int withPretoucher = mappings(file.toFile());
            pretoucher.close();
            assertThat(mappings(file.toFile())).as("its window unmapped").isEqualTo(withPretoucher - 1);
            assertThat(Thread.getAllStackTraces().keySet()).noneMatch(t -> t.getName().equals("test-pretouch-2"));
            // The writer goes on without it.
            appendBatches(writer, expected, 10);
        }
        try (JournalWriter writer = new JournalWriter(JournalContext.forTests(dir)))
        {
            assertThat(writer.nextLsn()).isEqualTo(expected.size() + 1);
        }
    }

    @Test
    void writeTouchingBesideABusyWriterAltersNoRecordByte() throws IOException
    {
        // Records of mostly zero bytes with a marker every 64 bytes: page starts land on zero words (the touch's
        // compare-and-set of 0 with 0 succeeds there) and on non-zero ones (it fails and must leave them), while the
        // writer keeps writing the pages the pretoucher is touching (a small distance ahead keeps the two together).
        // The pretoucher only touches ahead of where the writer is, looking every millisecond, so a writer that ran
        // through its batches faster would leave it nothing to touch: the writer pauses for a millisecond every 16
        // batches and goes on until a hundred pages have been touched beside it.
        final List<byte[]> expected = new ArrayList<>();
        final java.util.Random random = new java.util.Random(42);
        try (JournalWriter writer = new JournalWriter(JournalContext.forTests(dir));
            JournalPretoucher pretoucher = new JournalPretoucher(writer, 2 * JournalPretoucher.PAGE, "test-pretouch-3"))
        {
            final long deadline = System.nanoTime() + DEADLINE_NS;
            for (int batch = 0; pretoucher.pagesTouched() <= 100; batch++)
            {
                assertThat(System.nanoTime() - deadline).as("timed out waiting until pages touched beside the writer")
                    .isNegative();
                if (batch % 16 == 15)
                {
                    sleepMillis(1);
                }
                for (int i = 0; i < 4; i++)
                {
                    final byte[] bytes = new byte[1 + random.nextInt(300)];
                    for (int b = 0; b < bytes.length; b += 64)
                    {
                        bytes[b] = (byte)(1 + random.nextInt(255));
                    }
                    expected.add(bytes);
                    writer.append(writer.nextLsn(), new UnsafeBuffer(bytes), 0, bytes.length);
                }
                assertThat(writer.commitBatch()).isTrue();
            }
        }
        final List<byte[]> read = new ArrayList<>();
        try (JournalReader reader = JournalReader.open(dir))
        {
            while (reader.poll((lsn, buffer, offset, length, index, position) ->
            {
                final byte[] bytes = new byte[length];
                buffer.getBytes(offset, bytes);
                read.add(bytes);
            }, 256) > 0)
            {
                // keep reading
            }
        }
        assertThat(read).hasSize(expected.size());
        for (int i = 0; i < read.size(); i++)
        {
            assertThat(read.get(i)).as("record %d", i + 1).isEqualTo(expected.get(i));
        }
    }

    private static void appendBatches(final JournalWriter writer, final List<String> expected, final int batches)
    {
        for (int batch = 0; batch < batches; batch++)
        {
            for (int i = 0; i <= batch % 3; i++)
            {
                final String record = "record-" + writer.nextLsn() + "-" + "z".repeat(80 + batch % 13);
                expected.add(record);
                final byte[] bytes = record.getBytes(StandardCharsets.UTF_8);
                writer.append(writer.nextLsn(), new UnsafeBuffer(bytes), 0, bytes.length);
            }
            assertThat(writer.commitBatch()).isTrue();
        }
    }

    /** @return how many mappings of the file {@code /proc/self/maps} lists. */
    private static int mappings(final java.io.File file) throws IOException
    {
        final String path = file.getCanonicalPath();
        return (int)Files.readAllLines(Path.of("/proc/self/maps")).stream().filter(l -> l.endsWith(path)).count();
    }

    private static long sizeOf(final Path path)
    {
        try
        {
            return Files.size(path);
        }
        catch (final IOException ex)
        {
            throw new IllegalStateException(ex);
        }
    }

    private static void waitFor(final BooleanSupplier condition, final String what)
    {
        final long deadline = System.nanoTime() + DEADLINE_NS;
        while (!condition.getAsBoolean())
        {
            assertThat(System.nanoTime() - deadline).as("timed out waiting until " + what).isNegative();
            sleepMillis(1);
        }
    }

    private static void sleepMillis(final long millis)
    {
        try
        {
            Thread.sleep(millis);
        }
        catch (final InterruptedException ex)
        {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(ex);
        }
    }
}
