package io.quire.replay;

import io.quire.codec.journal.JournalRecordEncoder;
import io.quire.codec.journal.MessageHeaderEncoder;
import io.quire.engine.ot.TextOp;
import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.function.BiFunction;

import static org.assertj.core.api.Assertions.assertThat;

class DiffCommandTest
{
    private static SampleJournal sample;

    @TempDir
    Path tmp;

    @BeforeAll
    static void generate()
    {
        sample = SampleJournal.shared();
    }

    private Path copy(final String name)
    {
        final Path data = tmp.resolve(name);
        SampleJournal.copyTree(sample.dataDir, data);
        return data;
    }

    /** Rewrite shard 0 of a copy, letting {@code edit} replace the first record it returns non-null for. */
    private static RecordView plant(final Path data, final BiFunction<Long, byte[], byte[]> edit)
    {
        final Path journal = data.resolve("shard-0/journal");
        final List<JournalSurgery.Batch> batches = new ArrayList<>();
        RecordView planted = null;
        for (final JournalSurgery.Batch b : JournalSurgery.read(journal))
        {
            final List<byte[]> records = new ArrayList<>(b.records());
            for (int i = 0; i < records.size() && planted == null; i++)
            {
                final long lsn = b.firstLsn() + i;
                final byte[] changed = lsn >= 300 ? edit.apply(lsn, records.get(i).clone()) : null;
                if (changed != null)
                {
                    planted = new RecordView().decode(lsn, new UnsafeBuffer(records.get(i)), 0, records.get(i).length,
                        -1, -1);
                    records.set(i, changed);
                }
            }
            batches.add(new JournalSurgery.Batch(b.firstLsn(), records));
        }
        JournalSurgery.write(journal, batches, 0);
        assertThat(planted).isNotNull();
        return planted;
    }

    @Test
    void identicalCopiesDoNotDiffer()
    {
        final Cli.Result r = Cli.run("diff", sample.dataDir, copy("b"));
        assertThat(r.code()).as(r.toString()).isZero();
        assertThat(r.out()).startsWith("diff: identical: 6 documents; " + sample.records + " records in A, " +
            sample.records + " in B");
    }

    @Test
    void aRecordWithAnotherEpochIsTheFirstDivergence()
    {
        final Path b = copy("b");
        final RecordView planted = plant(b, (lsn, bytes) ->
        {
            new JournalRecordEncoder().wrap(new UnsafeBuffer(bytes), MessageHeaderEncoder.ENCODED_LENGTH).epoch(99);
            return bytes;
        });
        final Cli.Result r = Cli.run("diff", sample.dataDir, b);
        assertThat(r.code()).as(r.toString()).isEqualTo(ExitCodes.PROBLEMS);
        assertThat(r.out()).contains("diff: " + planted.doc() + ": first difference at version " + planted.version() +
            " (A lsn " + planted.lsn() + " shard 0, B lsn " + planted.lsn() + " shard 0): epoch differs: A " +
            planted.epoch() + ", B 99\n");
        assertThat(r.out()).contains("diff: 1 document(s) differ, 0 only in A, 0 only in B");
    }

    @Test
    void aRecordWithAnotherOpIsTheFirstDivergence()
    {
        final Path b = copy("b");
        final RecordView planted = plant(b, (lsn, bytes) ->
        {
            final RecordView r = new RecordView().decode(lsn, new UnsafeBuffer(bytes), 0, bytes.length, -1, -1);
            final TextOp op = r.op();
            for (int i = 0; i < op.size(); i++)
            {
                if (op.kind(i) == TextOp.INSERT && op.text(i).matches("[a-z]+"))
                {
                    final byte[] text = op.text(i).getBytes(StandardCharsets.US_ASCII);
                    for (int at = bytes.length - text.length; at >= 0; at--)
                    {
                        if (java.util.Arrays.equals(bytes, at, at + text.length, text, 0, text.length))
                        {
                            bytes[at] = (byte)(bytes[at] == 'z' ? 'q' : 'z');
                            return bytes;
                        }
                    }
                }
            }
            return null;
        });
        final Cli.Result r = Cli.run("diff", sample.dataDir, b);
        assertThat(r.code()).as(r.toString()).isEqualTo(ExitCodes.PROBLEMS);
        assertThat(r.out()).contains("diff: " + planted.doc() + ": first difference at version " + planted.version() +
            " (A lsn " + planted.lsn() + " shard 0, B lsn " + planted.lsn() + " shard 0): op differs: A " +
            planted.op().toJson() + ", B ");
        assertThat(r.out()).doesNotContain("epoch differs");
    }

    @Test
    void aShorterReplicaAndAMissingShardAreReported()
    {
        final Path b = copy("b");
        final Path journal = b.resolve("shard-0/journal");
        final List<JournalSurgery.Batch> batches = JournalSurgery.read(journal);
        final JournalSurgery.Batch last = batches.get(batches.size() - 1);
        final RecordView lost = new RecordView().decode(last.firstLsn(), new UnsafeBuffer(last.records().get(0)), 0,
            last.records().get(0).length, -1, -1);
        JournalSurgery.write(journal, batches.subList(0, batches.size() - 1), 0);
        SampleJournal.deleteTree(b.resolve("shard-1"));
        final Cli.Result r = Cli.run("diff", sample.dataDir, b);
        assertThat(r.code()).as(r.toString()).isEqualTo(ExitCodes.PROBLEMS);
        assertThat(r.out()).contains("diff: " + lost.doc() + ": first difference at version " + lost.version() +
            " (A lsn " + lost.lsn() + " shard 0, B lsn -1 shard 0): missing on B (B ends at version " +
            (lost.version() - 1) + ", A at " + lost.version() + ")");
        assertThat(r.out()).contains("diff: notes/delta: only in A (shard 1, versions 0..");
        assertThat(r.out()).contains("1 document(s) differ, 1 only in A, 0 only in B");
    }
}
