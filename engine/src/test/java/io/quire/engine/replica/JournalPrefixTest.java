package io.quire.engine.replica;

import io.quire.engine.shard.EpochRecords;
import io.quire.journal.JournalContext;
import io.quire.journal.JournalReader;
import io.quire.journal.JournalWriter;
import org.agrona.ExpandableArrayBuffer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The local copy of a diverged journal's agreed prefix: same LSNs, bytes and batches, bounded by LSN and epoch. */
class JournalPrefixTest
{
    @TempDir
    Path dir;

    /** Epochs of the records of the source journal, LSN 1 first; batches of 2 records. */
    private static final long[] EPOCHS = {1, 1, 1, 2, 2, 2, 3, 3};

    private Path source()
    {
        final Path journal = dir.resolve("source");
        final EpochRecords epochs = new EpochRecords();
        final ExpandableArrayBuffer buffer = new ExpandableArrayBuffer(256);
        try (JournalWriter writer = new JournalWriter(JournalContext.forTests(journal)))
        {
            for (int i = 0; i < EPOCHS.length; i++)
            {
                final int length = epochs.encode(buffer, EPOCHS[i], 0, 1_000L + i, 7);
                writer.append(i + 1, buffer, 0, length);
                if (i % 2 == 1)
                {
                    writer.commitBatch();
                }
            }
            writer.commitBatch();
        }
        return journal;
    }

    private static List<byte[]> records(final Path journal, final List<Long> batchEnds)
    {
        final List<byte[]> out = new ArrayList<>();
        try (JournalReader reader = JournalReader.open(journal))
        {
            while (reader.poll((lsn, buffer, offset, length, index, position) ->
            {
                assertThat(lsn).isEqualTo(out.size() + 1);
                final byte[] bytes = new byte[length];
                buffer.getBytes(offset, bytes);
                out.add(bytes);
            }, 1) > 0)
            {
                batchEnds.add((long)out.size());
            }
        }
        return out;
    }

    @Test
    void copiesTheRecordsUpToTheAgreedLsnWithTheirBytesAndBatches()
    {
        final Path from = source();
        final Path to = dir.resolve("kept");
        assertThat(JournalPrefix.copy(from, JournalContext.forTests(to), 5, -1)).isEqualTo(5);
        final List<Long> sourceBatches = new ArrayList<>();
        final List<byte[]> all = records(from, sourceBatches);
        final List<Long> keptBatches = new ArrayList<>();
        final List<byte[]> kept = records(to, keptBatches);
        assertThat(kept).hasSize(5);
        for (int i = 0; i < kept.size(); i++)
        {
            assertThat(kept.get(i)).as("LSN %d", i + 1).isEqualTo(all.get(i));
        }
        assertThat(sourceBatches).containsExactly(2L, 4L, 6L, 8L);
        assertThat(keptBatches).containsExactly(2L, 4L, 5L);
        try (JournalWriter writer = new JournalWriter(JournalContext.forTests(to)))
        {
            assertThat(writer.nextLsn()).as("replication resumes after the prefix").isEqualTo(6);
        }
    }

    @Test
    void stopsAtTheFirstRecordOfANewerEpochThanTheAgreedOne()
    {
        final Path from = source();
        // The primary said LSN 7 (epoch 1 there): this journal's epoch 1 ends at LSN 3, so only 1..3 agree.
        assertThat(JournalPrefix.copy(from, JournalContext.forTests(dir.resolve("a")), 7, 1)).isEqualTo(3);
        assertThat(JournalPrefix.copy(from, JournalContext.forTests(dir.resolve("b")), 7, 2)).isEqualTo(6);
        assertThat(JournalPrefix.copy(from, JournalContext.forTests(dir.resolve("c")), 0, 1)).isZero();
    }

    @Test
    void refusesAJournalThatIsNotEmpty()
    {
        final Path from = source();
        assertThatThrownBy(() -> JournalPrefix.copy(from, JournalContext.forTests(from), 3, -1))
            .isInstanceOf(IllegalStateException.class).hasMessageContaining("not empty");
    }
}
