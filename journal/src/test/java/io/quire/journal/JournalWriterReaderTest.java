package io.quire.journal;

import io.quire.test.ByteSearch;
import net.openhft.chronicle.bytes.Bytes;
import net.openhft.chronicle.core.time.SetTimeProvider;
import net.openhft.chronicle.queue.ExcerptAppender;
import net.openhft.chronicle.queue.impl.single.SingleChronicleQueue;
import net.openhft.chronicle.queue.impl.single.SingleChronicleQueueBuilder;
import net.openhft.chronicle.wire.DocumentContext;
import org.agrona.ExpandableArrayBuffer;
import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.stream.Stream;
import java.util.zip.CRC32C;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class JournalWriterReaderTest
{
    @TempDir
    Path dir;

    private static byte[] payload(final long lsn)
    {
        return ("record-" + lsn + "-" + "x".repeat((int)(lsn % 37))).getBytes(StandardCharsets.UTF_8);
    }

    private static void append(final JournalWriter writer, final byte[] bytes)
    {
        writer.append(writer.nextLsn(), new UnsafeBuffer(bytes), 0, bytes.length);
    }

    private static List<String> readAll(final JournalReader reader, final List<Long> lsns)
    {
        final List<String> out = new ArrayList<>();
        while (reader.poll((lsn, buffer, offset, length, index, position) ->
        {
            lsns.add(lsn);
            out.add(buffer.getStringWithoutLengthUtf8(offset, length));
        }, 16) > 0)
        {
            // keep reading
        }
        return out;
    }

    @Test
    void recordsSurviveReopenWithConsecutiveLsns()
    {
        final Random random = new Random(42);
        final List<String> expected = new ArrayList<>();
        try (JournalWriter writer = new JournalWriter(JournalContext.forTests(dir)))
        {
            assertThat(writer.nextLsn()).isEqualTo(1);
            for (int batch = 0; batch < 20; batch++)
            {
                final int n = 1 + random.nextInt(50);
                for (int i = 0; i < n; i++)
                {
                    final byte[] p = payload(writer.nextLsn());
                    expected.add(new String(p, StandardCharsets.UTF_8));
                    append(writer, p);
                }
                assertThat(writer.commitBatch()).isTrue();
            }
            assertThat(writer.commitBatch()).isFalse();
        }
        try (JournalWriter writer = new JournalWriter(JournalContext.forTests(dir)))
        {
            assertThat(writer.nextLsn()).isEqualTo(expected.size() + 1);
            final byte[] p = payload(writer.nextLsn());
            expected.add(new String(p, StandardCharsets.UTF_8));
            append(writer, p);
            writer.commitBatch();
        }
        final List<Long> lsns = new ArrayList<>();
        try (JournalReader reader = JournalReader.open(dir))
        {
            assertThat(readAll(reader, lsns)).containsExactlyElementsOf(expected);
            assertThat(reader.lastLsn()).isEqualTo(expected.size());
        }
        for (int i = 0; i < lsns.size(); i++)
        {
            assertThat(lsns.get(i)).isEqualTo(i + 1L);
        }
    }

    @Test
    void largeBatchesAreSplitOverExcerpts()
    {
        try (JournalWriter writer = new JournalWriter(JournalContext.forTests(dir).batchMaxRecords(7)))
        {
            for (int i = 0; i < 100; i++)
            {
                append(writer, payload(writer.nextLsn()));
            }
            writer.commitBatch();
            assertThat(writer.batchesCommitted()).isEqualTo(15);
        }
        final List<Long> lsns = new ArrayList<>();
        try (JournalReader reader = JournalReader.open(dir))
        {
            assertThat(readAll(reader, lsns)).hasSize(100);
            assertThat(reader.batchesRead()).isEqualTo(15);
        }
    }

    @Test
    void seekFindsEveryLsn()
    {
        final Random random = new Random(7);
        int total = 0;
        try (JournalWriter writer = new JournalWriter(JournalContext.forTests(dir)))
        {
            for (int batch = 0; batch < 300; batch++)
            {
                final int n = 1 + random.nextInt(9);
                for (int i = 0; i < n; i++)
                {
                    append(writer, payload(writer.nextLsn()));
                    total++;
                }
                writer.commitBatch();
            }
        }
        try (JournalReader reader = JournalReader.open(dir))
        {
            for (int attempt = 0; attempt < 200; attempt++)
            {
                final long target = 1 + random.nextInt(total);
                assertThat(reader.seekLsn(target)).isTrue();
                final long[] first = {-1};
                final String[] text = {null};
                while (first[0] < 0 && reader.poll((lsn, b, o, l, i, p) ->
                {
                    if (first[0] < 0)
                    {
                        first[0] = lsn;
                        text[0] = b.getStringWithoutLengthUtf8(o, l);
                    }
                }, 1) > 0)
                {
                    // until the first record
                }
                assertThat(first[0]).isEqualTo(target);
                assertThat(text[0]).isEqualTo(new String(payload(target), StandardCharsets.UTF_8));
            }
            assertThat(reader.seekLsn(total + 5)).isFalse();
        }
    }

    /** The seek finds the record, and the next record the reader delivers is that one. */
    private static void assertSeekDelivers(final JournalReader reader, final long target)
    {
        assertThat(reader.seekLsn(target)).as("seek %d", target).isTrue();
        final long[] first = {-1};
        reader.poll((lsn, b, o, l, i, p) ->
        {
            if (first[0] < 0)
            {
                first[0] = lsn;
            }
        }, 1);
        assertThat(first[0]).as("seek %d", target).isEqualTo(target);
    }

    @Test
    void seeksFindRecordsAppendedSinceTheLastSeekInTheSameCycleAndInANewOne()
    {
        final SetTimeProvider clock = new SetTimeProvider(1_700_000_000_000L);
        try (JournalWriter writer = new JournalWriter(
            JournalContext.forTests(dir).rollCycle("test-secondly").timeProvider(clock));
            JournalReader reader = writer.newReader())
        {
            long last = 0;
            for (int round = 0; round < 3; round++)
            {
                for (int batch = 0; batch < 5; batch++)
                {
                    append(writer, payload(writer.nextLsn()));
                    append(writer, payload(writer.nextLsn()));
                    writer.commitBatch();
                }
                // The reader's last seek found the journal's last batch then; the records after it came later.
                for (long target = last + 1; target < writer.nextLsn(); target++)
                {
                    assertSeekDelivers(reader, target);
                }
                last = writer.nextLsn() - 1;
                assertThat(reader.seekLsn(last)).isTrue();
                assertThat(reader.seekLsn(last + 1)).isFalse();
                if (round == 1)
                {
                    clock.advanceMillis(2000);
                }
            }
        }
    }

    @Test
    void seekWorksAcrossRollCycles()
    {
        final SetTimeProvider clock = new SetTimeProvider(1_700_000_000_000L);
        try (JournalWriter writer = new JournalWriter(
            JournalContext.forTests(dir).rollCycle("test-secondly").timeProvider(clock)))
        {
            for (int batch = 0; batch < 40; batch++)
            {
                for (int i = 0; i < 3; i++)
                {
                    append(writer, payload(writer.nextLsn()));
                }
                writer.commitBatch();
                if (batch % 7 == 6)
                {
                    clock.advanceMillis(batch % 2 == 0 ? 1000 : 5000);
                }
            }
        }
        try (JournalReader reader = JournalReader.open(dir))
        {
            for (long target = 1; target <= 120; target++)
            {
                assertSeekDelivers(reader, target);
            }
            // Backwards, as a document's history is walked, and then jumping about: each seek starts from the batch
            // the one before found, within its cycle or across cycles.
            final Random random = new Random(11);
            final List<Long> targets = new ArrayList<>();
            for (long target = 120; target >= 1; target--)
            {
                targets.add(target);
            }
            for (int i = 0; i < 200; i++)
            {
                targets.add(1L + random.nextInt(120));
            }
            for (final long target : targets)
            {
                assertSeekDelivers(reader, target);
            }
            assertThat(reader.seekLsn(121)).isFalse();
            assertThat(reader.seekLsn(60)).isTrue();
            final List<Long> lsns = new ArrayList<>();
            reader.toStart();
            readAll(reader, lsns);
            assertThat(lsns).hasSize(120);
        }
    }

    @Test
    void wrongLsnAndOversizedRecordsAreRefused()
    {
        try (JournalWriter writer = new JournalWriter(JournalContext.forTests(dir)))
        {
            final byte[] p = payload(1);
            assertThatThrownBy(() -> writer.append(5, new UnsafeBuffer(p), 0, p.length))
                .isInstanceOf(IllegalStateException.class).hasMessageContaining("expected");
            final byte[] huge = new byte[writer.context().maxRecordBytes() + 1];
            assertThatThrownBy(() -> writer.append(1, new UnsafeBuffer(huge), 0, huge.length))
                .isInstanceOf(IllegalArgumentException.class);
            assertThat(writer.nextLsn()).isEqualTo(1);
        }
    }

    @Test
    void syncPolicyCommitsDurably()
    {
        try (JournalWriter writer = new JournalWriter(JournalContext.forTests(dir.resolve("w"))))
        {
            assertThat(writer.syncMode()).isEqualTo(net.openhft.chronicle.bytes.SyncMode.NONE);
        }
        try (JournalWriter writer = new JournalWriter(JournalContext.forTests(dir).durability(DurabilityPolicy.SYNC)))
        {
            // Chronicle's default is ASYNC (msync without waiting for the device): the policy must ask for SYNC.
            assertThat(writer.syncMode()).isEqualTo(net.openhft.chronicle.bytes.SyncMode.SYNC);
            for (int i = 0; i < 10; i++)
            {
                append(writer, payload(writer.nextLsn()));
                writer.commitBatch();
            }
        }
        try (JournalReader reader = JournalReader.open(dir))
        {
            assertThat(reader.lastLsn()).isEqualTo(10);
        }
    }

    @Test
    void aFlippedByteIsReportedAtItsRecordAndTheRestIsStillRead() throws Exception
    {
        try (JournalWriter writer = new JournalWriter(JournalContext.forTests(dir)))
        {
            for (int i = 0; i < 30; i++)
            {
                append(writer, payload(writer.nextLsn()));
                if (i % 10 == 9)
                {
                    writer.commitBatch();
                }
            }
        }
        final byte[] needle = payload(17);
        final Path file;
        try (Stream<Path> files = Files.list(dir))
        {
            file = files.filter(f -> f.toString().endsWith(".cq4")).findFirst().orElseThrow();
        }
        final byte[] content = Files.readAllBytes(file);
        final int at = ByteSearch.indexOf(content, needle);
        assertThat(at).isPositive();
        content[at + 3] ^= 0x20;
        Files.write(file, content);

        final List<JournalProblem> problems = new ArrayList<>();
        final List<Long> lsns = new ArrayList<>();
        try (JournalReader reader = JournalReader.open(dir).problemHandler(problems::add))
        {
            readAll(reader, lsns);
        }
        assertThat(problems).hasSize(1);
        assertThat(problems.get(0).kind()).isEqualTo(JournalProblem.Kind.CRC_MISMATCH);
        assertThat(problems.get(0).lsn()).isEqualTo(17);
        assertThat(problems.get(0).position()).isEqualTo(6);
        assertThat(problems.get(0).file()).endsWith(".cq4");
        assertThat(lsns).hasSize(29).doesNotContain(17L);

        try (JournalReader strict = JournalReader.open(dir))
        {
            assertThatThrownBy(() -> readAll(strict, new ArrayList<>()))
                .isInstanceOf(JournalCorruptedException.class).hasMessageContaining("lsn=17");
        }
    }

    @Test
    void missingAndRepeatedBatchesAreReported()
    {
        // Forge batches with the raw Chronicle API: LSNs 1-3, then 6-7 (4 and 5 removed), then 6-7 again (replayed).
        try (SingleChronicleQueue queue = SingleChronicleQueueBuilder.binary(dir).blockSize(1 << 20).build())
        {
            final ExcerptAppender appender = queue.createAppender();
            writeRawBatch(appender, 1, 3);
            writeRawBatch(appender, 6, 2);
            writeRawBatch(appender, 6, 2);
        }
        final List<JournalProblem> problems = new ArrayList<>();
        final List<Long> lsns = new ArrayList<>();
        try (JournalReader reader = JournalReader.open(dir).problemHandler(problems::add))
        {
            readAll(reader, lsns);
        }
        assertThat(problems).extracting(JournalProblem::kind)
            .containsExactly(JournalProblem.Kind.LSN_GAP, JournalProblem.Kind.LSN_REGRESSION);
        assertThat(problems.get(0).detail()).contains("2 record(s) missing");
        assertThat(lsns).containsExactly(1L, 2L, 3L, 6L, 7L, 6L, 7L);
    }

    private static void writeRawBatch(final ExcerptAppender appender, final long firstLsn, final int count)
    {
        final CRC32C crc = new CRC32C();
        final byte[] scratch = new byte[12];
        try (DocumentContext dc = appender.writingDocument())
        {
            final Bytes<?> bytes = dc.wire().bytes();
            bytes.writeInt(JournalFormat.MAGIC);
            bytes.writeShort(JournalFormat.FORMAT_VERSION);
            bytes.writeShort((short)count);
            bytes.writeLong(firstLsn);
            for (int i = 0; i < count; i++)
            {
                final byte[] p = payload(firstLsn + i);
                bytes.writeInt(p.length);
                bytes.write(p);
                bytes.writeInt(JournalFormat.frameCrc(crc, scratch, firstLsn + i, p, 0, p.length));
            }
        }
    }

    @Test
    void expandableBuffersAreAcceptedAtAnyOffset()
    {
        final ExpandableArrayBuffer buffer = new ExpandableArrayBuffer(64);
        final byte[] p = payload(1);
        buffer.putBytes(10, p);
        try (JournalWriter writer = new JournalWriter(JournalContext.forTests(dir)))
        {
            writer.append(1, buffer, 10, p.length);
            writer.commitBatch();
        }
        try (JournalReader reader = JournalReader.open(dir))
        {
            assertThat(readAll(reader, new ArrayList<>())).containsExactly(new String(p, StandardCharsets.UTF_8));
        }
    }
}
