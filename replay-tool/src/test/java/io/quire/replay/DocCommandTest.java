package io.quire.replay;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;

import static org.assertj.core.api.Assertions.assertThat;

class DocCommandTest
{
    private static SampleJournal sample;

    @BeforeAll
    static void generate()
    {
        sample = SampleJournal.shared();
    }

    @ParameterizedTest(name = "records read sequentially instead of a seek: {0}")
    @ValueSource(longs = {DocumentHistory.RECORDS_PER_SEEK, 0})
    void everyVersionOfEveryDocumentIsWhatTheClientsSaw(final long recordsPerSeek)
    {
        final List<ShardAccess> shards = new ArrayList<>();
        for (final ShardData shard : DataDir.shards(sample.dataDir, null))
        {
            shards.add(new ShardAccess(shard));
        }
        try
        {
            int fromSnapshots = 0;
            for (final Map.Entry<String, List<String>> e : sample.texts.entrySet())
            {
                final DocumentHistory history = DocumentHistory.find(shards, DocRef.parse(e.getKey()))
                    .recordsPerSeek(recordsPerSeek);
                final List<String> expected = e.getValue();
                assertThat(history.endVersion()).as(e.getKey()).isEqualTo(expected.size() - 1);
                for (int v = 0; v < expected.size(); v++)
                {
                    final DocumentHistory.Rebuilt doc = history.rebuild(v);
                    assertThat(doc.text().toString()).as(e.getKey() + " v" + v)
                        .isEqualTo(expected.get(v) == null ? "" : expected.get(v));
                    assertThat(doc.exists()).as(e.getKey() + " v" + v + " exists").isEqualTo(expected.get(v) != null);
                    if (doc.snapshotVersion() > 0)
                    {
                        fromSnapshots++;
                    }
                }
            }
            assertThat(fromSnapshots).isGreaterThan(100);
        }
        finally
        {
            shards.forEach(ShardAccess::close);
        }
    }

    @Test
    void cliPrintsTheExactTextAtRandomVersionsIncludingAcrossTheRecreate(@TempDir final Path tmp) throws Exception
    {
        final Random random = new Random(7);
        final List<String> docs = new ArrayList<>(sample.texts.keySet());
        for (int i = 0; i < 25; i++)
        {
            final String doc = i < 5 ? SampleJournal.RECREATED : docs.get(random.nextInt(docs.size()));
            final List<String> expected = sample.texts.get(doc);
            final int v = random.nextInt(expected.size());
            final Cli.Result r = Cli.run("doc", sample.dataDir, "--doc", doc, "--version", v);
            assertThat(r.code()).as(r.toString()).isZero();
            assertThat(r.out()).as(doc + " v" + v).isEqualTo(expected.get(v) == null ? "" : expected.get(v));
            assertThat(r.err()).contains(doc + " version " + v + " of 0.." + (expected.size() - 1))
                .contains(expected.get(v) == null ? "type null" : "type http://sharejs.org/types/text-unicode")
                .contains("verified against");
        }
        final List<String> beta = sample.texts.get(SampleJournal.RECREATED);
        final int deleted = beta.lastIndexOf(null);
        assertThat(deleted).as("the re-created document has a deleted version").isPositive();
        final Cli.Result atDelete = Cli.run("doc", sample.dataDir, "--doc", SampleJournal.RECREATED, "--version",
            deleted);
        assertThat(atDelete.out()).isEmpty();
        assertThat(atDelete.err()).contains("type null (deleted)").contains("DELETE");
        final Cli.Result reborn = Cli.run("doc", sample.dataDir, "--doc", SampleJournal.RECREATED, "--version",
            deleted + 1, "--out", tmp.resolve("beta.txt"));
        assertThat(reborn.code()).isZero();
        assertThat(reborn.out()).isEmpty();
        assertThat(Files.readString(tmp.resolve("beta.txt"), StandardCharsets.UTF_8)).startsWith("# reborn beta");
    }

    @Test
    void atAnInstantGivesTheVersionCurrentThen()
    {
        assertThat(sample.timePoints).hasSizeGreaterThan(3);
        for (final SampleJournal.TimePoint point : sample.timePoints)
        {
            for (final String doc : List.of("docs/alpha", "notes/zeta", SampleJournal.RECREATED))
            {
                final long version = point.versions().get(doc);
                final Cli.Result r = Cli.run("doc", sample.dataDir, "--doc", doc, "--at", Times.iso(point.timeNs()));
                assertThat(r.code()).as(r.toString()).isZero();
                assertThat(r.err()).contains("is at version " + version);
                final String expected = sample.texts.get(doc).get((int)version);
                assertThat(r.out()).isEqualTo(expected == null ? "" : expected);
            }
        }
        final Cli.Result before = Cli.run("doc", sample.dataDir, "--doc", "docs/alpha", "--at", "2001-01-01T00:00:00Z");
        assertThat(before.code()).isZero();
        assertThat(before.err()).contains("is at version 0").contains("not created yet");
    }

    @Test
    void aMissingDocumentOrAVersionBeyondTheEndIsAClearError()
    {
        final Cli.Result missing = Cli.run("doc", sample.dataDir, "--doc", "docs/nope", "--version", "1");
        assertThat(missing.code()).isEqualTo(ExitCodes.NOT_FOUND);
        assertThat(missing.err()).contains("document docs/nope not found");
        final int end = sample.texts.get("docs/alpha").size() - 1;
        final Cli.Result beyond = Cli.run("doc", sample.dataDir, "--doc", "docs/alpha", "--version", end + 1);
        assertThat(beyond.code()).isEqualTo(ExitCodes.NOT_FOUND);
        assertThat(beyond.err()).contains("has versions 0.." + end + "; version " + (end + 1) + " is beyond its end");
        final Cli.Result usage = Cli.run("doc", sample.dataDir, "--doc", "docs/alpha");
        assertThat(usage.code()).isEqualTo(ExitCodes.USAGE);
        final Cli.Result badDoc = Cli.run("doc", sample.dataDir, "--doc", "alpha", "--version", "1");
        assertThat(badDoc.code()).isEqualTo(ExitCodes.USAGE);
        final Cli.Result noData = Cli.run("doc", sample.dataDir.resolve("nowhere"), "--doc", "docs/alpha",
            "--version", "1");
        assertThat(noData.code()).isEqualTo(ExitCodes.NOT_FOUND);
    }
}
