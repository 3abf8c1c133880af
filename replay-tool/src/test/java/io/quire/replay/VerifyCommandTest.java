package io.quire.replay;

import io.quire.engine.ot.TextChecksum;
import io.quire.journal.snapshot.SnapshotContext;
import io.quire.journal.snapshot.SnapshotMeta;
import io.quire.journal.snapshot.SnapshotRef;
import io.quire.journal.snapshot.SnapshotStore;
import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

class VerifyCommandTest
{
    private static final long TARGET = 300;

    private static SampleJournal sample;

    @TempDir
    Path tmp;

    @BeforeAll
    static void generate()
    {
        sample = SampleJournal.shared();
    }

    private Path copy()
    {
        final Path data = tmp.resolve("copy");
        SampleJournal.copyTree(sample.dataDir, data);
        return data;
    }

    private static RecordView decode(final Path journal, final long lsn)
    {
        final byte[] bytes = JournalSurgery.record(journal, lsn);
        return new RecordView().decode(lsn, new UnsafeBuffer(bytes), 0, bytes.length, -1, -1);
    }

    @ParameterizedTest(name = "threads {0}")
    @ValueSource(strings = {"1", "2", "4"})
    void aCleanJournalPasses(final String threads)
    {
        final Cli.Result r = Cli.run("verify", sample.dataDir, "--threads", threads);
        assertThat(r.code()).as(r.toString()).isZero();
        assertThat(r.out()).contains("verify: shard 0: ").contains("verify: shard 1: ").endsWith("verify: OK\n");
        assertThat(r.out()).containsPattern(
            "shard 0: [\\d,]+ records \\(lsn 1\\.\\.\\d+\\), 5 documents, [1-9][\\d,]* snapshots checked");
    }

    @Test
    void aFlippedByteIsACrcProblemAtItsLsn()
    {
        final Path data = copy();
        final Path journal = data.resolve("shard-0/journal");
        final RecordView victim = decode(journal, TARGET);
        JournalSurgery.flipByte(journal, TARGET);
        final Cli.Result r = Cli.run("verify", data, "--shard", "0", "--threads", "3");
        assertThat(r.code()).as(r.toString()).isEqualTo(ExitCodes.PROBLEMS);
        assertThat(r.out()).containsPattern("CRC_MISMATCH shard=0 lsn=" + TARGET +
            " file=\\S+\\.cq4 index=0x[0-9a-f]+ " +
            "record=\\d+: stored crc32c");
        assertThat(r.out()).contains("VERSION_GAP shard=0").contains("doc=" + victim.doc() + " version=" +
            (victim.version() + 1)).contains("versions " + victim.version() + ".." + victim.version() + " missing");
    }

    @Test
    void aTruncatedTailIsReported()
    {
        final Path data = copy();
        final Path journal = data.resolve("shard-1/journal");
        final List<JournalSurgery.Batch> batches = JournalSurgery.read(journal);
        final JournalSurgery.Batch last = batches.get(batches.size() - 1);
        final long lastLsn = last.firstLsn() + last.records().size() - 1;
        JournalSurgery.write(journal, batches, 7);
        final Cli.Result r = Cli.run("verify", data, "--shard", "1");
        assertThat(r.code()).as(r.toString()).isEqualTo(ExitCodes.PROBLEMS);
        assertThat(r.out()).containsPattern("(TRUNCATED|BAD_FRAME_LENGTH) shard=1 lsn=" + lastLsn +
            " file=\\S+ index=0x");
    }

    @Test
    void aRemovedRecordIsAnLsnGapAndAVersionGap()
    {
        final Path data = copy();
        final Path journal = data.resolve("shard-0/journal");
        final RecordView victim = decode(journal, TARGET);
        final List<JournalSurgery.Batch> rewritten = new ArrayList<>();
        for (final JournalSurgery.Batch b : JournalSurgery.read(journal))
        {
            final long end = b.firstLsn() + b.records().size();
            if (TARGET < b.firstLsn() || TARGET >= end)
            {
                rewritten.add(b);
                continue;
            }
            final int at = (int)(TARGET - b.firstLsn());
            if (at > 0)
            {
                rewritten.add(new JournalSurgery.Batch(b.firstLsn(), b.records().subList(0, at)));
            }
            if (at + 1 < b.records().size())
            {
                rewritten.add(new JournalSurgery.Batch(TARGET + 1, b.records().subList(at + 1, b.records().size())));
            }
        }
        JournalSurgery.write(journal, rewritten, 0);
        final Cli.Result r = Cli.run("verify", data, "--shard", "0", "--threads", "1");
        assertThat(r.code()).as(r.toString()).isEqualTo(ExitCodes.PROBLEMS);
        assertThat(r.out()).containsPattern("LSN_GAP shard=0 lsn=" + (TARGET + 1) + " file=\\S+ index=0x[0-9a-f]+ " +
            "record=0: expected LSN " + TARGET + ", batch starts at " + (TARGET + 1) + ": 1 record\\(s\\) missing");
        assertThat(r.out()).contains("VERSION_GAP shard=0").contains("doc=" + victim.doc() + " version=" +
            (victim.version() + 1)).contains("versions " + victim.version() + ".." + victim.version() + " missing")
            .contains("this record's prevLsn " + TARGET);
    }

    @Test
    void aReplayedBatchIsAnLsnRegressionAndDuplicateOps()
    {
        final Path data = copy();
        final Path journal = data.resolve("shard-0/journal");
        final List<JournalSurgery.Batch> batches = new ArrayList<>(JournalSurgery.read(journal));
        final int k = batches.size() / 2;
        final JournalSurgery.Batch replayed = batches.get(k);
        batches.add(k + 1, replayed);
        JournalSurgery.write(journal, batches, 0);
        final RecordView first = decode(journal, replayed.firstLsn());
        final Cli.Result r = Cli.run("verify", data, "--shard", "0");
        assertThat(r.code()).as(r.toString()).isEqualTo(ExitCodes.PROBLEMS);
        final long next = replayed.firstLsn() + replayed.records().size();
        assertThat(r.out()).contains("LSN_REGRESSION shard=0 lsn=" + replayed.firstLsn())
            .contains("expected LSN " + next + ", batch starts at " + replayed.firstLsn() + ": records repeated");
        assertThat(r.out()).contains("DUPLICATE_OP shard=0 lsn=" + replayed.firstLsn() + " doc=" + first.doc() +
            " version=" + first.version()).contains("(source " + first.source() + ", seq " + first.seq() +
            ") was already committed to this document; this record repeats version " + first.version());
        assertThat(r.out()).doesNotContain("CHECKSUM_MISMATCH");
    }

    @Test
    void snapshotsThatDisagreeWithTheJournalAreFound()
    {
        final Path data = copy();
        final Path snapshots = data.resolve("shard-0/snapshots");
        final SnapshotMeta meta;
        try (SnapshotStore store = SnapshotStore.open(new SnapshotContext().dir(snapshots)))
        {
            final SnapshotRef ref = store.all().get(3);
            final SnapshotMeta real = store.readMeta(ref);
            final String text = "tampered";
            meta = new SnapshotMeta(real.shardId(), real.docHash(), real.collection(), real.docId(), real.version(),
                real.lsn(), real.epoch(), TextChecksum.of(text), real.docType(), real.createVersion(),
                real.createSource(), real.createSeq(), real.timestampNs(), text.length(), text.length());
            store.write(meta, consumer -> consumer.accept(text.toCharArray(), 0, text.length()));
        }
        final Cli.Result r = Cli.run("verify", data, "--shard", "0");
        assertThat(r.code()).as(r.toString()).isEqualTo(ExitCodes.PROBLEMS);
        assertThat(r.out()).contains("SNAPSHOT_MISMATCH shard=0 lsn=" + meta.lsn() + " doc=" + meta.collection() + "/" +
            meta.docId() + " version=" + meta.version()).contains("text checksum " +
            Long.toHexString(TextChecksum.of("tampered")));
    }
}
