package io.quire.replay;

import io.quire.test.RepoPaths;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/** The command line end to end: every subcommand's key output lines and exit codes. */
class CliTest
{
    private static SampleJournal sample;

    @TempDir
    Path tmp;

    @BeforeAll
    static void generate()
    {
        sample = SampleJournal.shared();
    }

    @Test
    void everySubcommandHasHelpWithTheExitCodes()
    {
        for (final String sub : List.of("info", "dump", "doc", "verify", "diff", "stats", "blame"))
        {
            final Cli.Result r = Cli.run(sub, "--help");
            assertThat(r.code()).as(sub).isZero();
            assertThat(r.out()).as(sub).contains("Usage: replay " + sub).contains("Exit codes:")
                .contains("2   bad usage");
        }
        final Cli.Result top = Cli.run("--help");
        assertThat(top.out()).contains("info", "dump", "doc", "verify", "diff", "stats", "blame",
            "3   data not found or unreadable");
        assertThat(Cli.run().code()).isEqualTo(ExitCodes.USAGE);
        assertThat(Cli.run("frobnicate").code()).isEqualTo(ExitCodes.USAGE);
        assertThat(Cli.run("info", sample.dataDir, "--bogus").code()).isEqualTo(ExitCodes.USAGE);
    }

    @Test
    void infoSummarisesEachShard()
    {
        final Cli.Result r = Cli.run("info", sample.dataDir);
        assertThat(r.code()).as(r.toString()).isZero();
        assertThat(r.out()).contains("shard 0 (", "shard 1 (")
            .containsPattern("lsn +1\\.\\.\\d+ \\(\\d+ records in \\d+ " +
            "batches\\)").containsPattern("excerpts +0x[0-9a-f]+\\.\\.0x[0-9a-f]+")
            .contains("CREATE 6, EDIT ", ", DELETE 1, ACL 0, EPOCH 0").contains("epochs      1, 2")
            .containsPattern("time +20\\d\\d-\\d\\d-\\d\\dT[\\d:.]+Z \\.\\. 20")
                .containsPattern("snapshots +\\d+ files, ")
            .contains("problems    none");
        final Cli.Result json = Cli.run("info", sample.dataDir, "--shard", "1", "--format", "json");
        assertThat(json.code()).isZero();
        assertThat(json.out().trim()).startsWith("{\"shard\":1,").contains("\"documents\":1", "\"epochs\":[1,2]")
            .doesNotContain("\n");
        assertThat(Cli.run("info", sample.dataDir, "--shard", "7").code()).isEqualTo(ExitCodes.NOT_FOUND);
        assertThat(Cli.run("info", tmp).code()).isEqualTo(ExitCodes.NOT_FOUND);
    }

    @Test
    void dumpFiltersByDocumentVersionSourceEpochLsnAndTime()
    {
        final Cli.Result doc = Cli.run("dump", sample.dataDir, "--doc", "docs/alpha", "--from-version", "10",
            "--to-version", "14");
        assertThat(doc.code()).as(doc.toString()).isZero();
        final String[] lines = doc.out().split("\n");
        assertThat(lines).hasSize(5);
        for (int i = 0; i < 5; i++)
        {
            assertThat(lines[i]).containsPattern("^lsn=\\d+ 20\\S+Z docs/alpha v=" + (10 + i) + " EDIT \\[");
        }
        final Cli.Result bySource = Cli.run("dump", sample.dataDir, "--source", "src-bob", "--epoch", "2",
            "--limit", "7",
            "--format", "json");
        final String[] json = bySource.out().split("\n");
        assertThat(json).hasSize(7).allSatisfy(l -> assertThat(l).startsWith("{\"lsn\":")
            .contains("\"source\":\"src-bob\"", "\"principal\":\"bob\"", "\"epoch\":2"));
        final Cli.Result lsns = Cli.run("dump", sample.dataDir, "--shard", "1", "--from-lsn", "20", "--to-lsn", "22");
        assertThat(lsns.out().split("\n")).hasSize(3).satisfies(l -> assertThat(l[0]).startsWith("lsn=20 "));
        final Cli.Result recreate = Cli.run("dump", sample.dataDir, "--doc", SampleJournal.RECREATED);
        assertThat(recreate.out()).contains(" DELETE  src=")
            .containsPattern("CREATE text-unicode \"# reborn beta\\\\n\"");

        final SampleJournal.TimePoint a = sample.timePoints.get(1);
        final SampleJournal.TimePoint b = sample.timePoints.get(2);
        long expected = 0;
        for (final String d : SampleJournal.DOCS)
        {
            expected += b.versions().get(d) - a.versions().get(d);
        }
        final Cli.Result window = Cli.run("dump", sample.dataDir, "--since", Times.iso(a.timeNs()), "--until",
            String.valueOf(b.timeNs() / 1_000_000));
        assertThat(window.code()).isZero();
        assertThat(window.out().split("\n")).hasSize((int)expected);
    }

    @Test
    void followPrintsRecordsUntilInterrupted() throws Exception
    {
        final StringWriter out = new StringWriter();
        final int[] code = {-1};
        final Thread follower = new Thread(() -> code[0] = ReplayTool.execute(new PrintWriter(out),
            new PrintWriter(new StringWriter()), "dump", sample.dataDir.toString(), "--shard", "1", "--follow"));
        follower.start();
        final long deadline = System.currentTimeMillis() + 10_000;
        final int expected = sample.texts.get("notes/delta").size() - 1;
        while (out.toString().split("\n").length < expected && System.currentTimeMillis() < deadline)
        {
            Thread.sleep(50);
        }
        Thread.sleep(300);
        assertThat(follower.isAlive()).as("still following at the end of the journal").isTrue();
        follower.interrupt();
        follower.join(5_000);
        assertThat(follower.isAlive()).isFalse();
        assertThat(code[0]).isZero();
        assertThat(out.toString().split("\n")).hasSize(expected);
    }

    @Test
    void statsWritesTheSummaryHistogramAndPlot() throws Exception
    {
        final Path dir = tmp.resolve("stats");
        final Cli.Result r = Cli.run("stats", sample.dataDir, "--out", dir, "--top", "3");
        assertThat(r.code()).as(r.toString()).isZero();
        assertThat(r.out()).startsWith(String.format("stats: %,d records, %,d ops, shards 0, 1", sample.records,
            sample.records))
            .contains("documents: 6; top 3 by ops:", "authors (principal, else source): 3; top 3 by ops:", "src-anon",
                "alice", "bob", "components             mean", "inserted code points", "deleted code points",
                "latency ingress -> sequencing (µs; " + sample.records + " records", "busiest second");
        for (final String f : List.of("summary.txt", "latency.hgrm", "latency.png", "ops-per-second.csv",
            "ops-per-minute.csv", "documents.csv", "authors.csv"))
        {
            assertThat(dir.resolve(f)).isNotEmptyFile();
        }
        assertThat(Files.readString(dir.resolve("latency.hgrm")))
            .contains("Value     Percentile TotalCount 1/(1-Percentile)")
            .contains("#[Max     =");
        final byte[] png = Files.readAllBytes(dir.resolve("latency.png"));
        assertThat(new String(png, 1, 3, StandardCharsets.US_ASCII)).isEqualTo("PNG");
        assertThat(Files.readAllLines(dir.resolve("documents.csv"))).hasSize(7).first().isEqualTo("document,ops");
    }

    @Test
    void blameAttributesEveryCodePointToItsAuthorAndVersion()
    {
        final String doc = "notes/zeta";
        final List<String> texts = sample.texts.get(doc);
        final int version = texts.size() - 1;
        final Cli.Result r = Cli.run("blame", sample.dataDir, "--doc", doc);
        assertThat(r.code()).as(r.toString()).isZero();
        assertThat(r.err()).contains(doc + " version " + version + " of 0.." + version);
        int next = 0;
        final StringBuilder rebuilt = new StringBuilder();
        for (final String line : r.out().split("\n"))
        {
            assertThat(line).matches("\\[\\d+,\\d+\\) version=\\d+ author=(alice|bob|src-anon) \".*\"");
            final int start = Integer.parseInt(line.substring(1, line.indexOf(',')));
            final int end = Integer.parseInt(line.substring(line.indexOf(',') + 1, line.indexOf(')')));
            final int v = Integer.parseInt(line.replaceAll(".*version=(\\d+) .*", "$1"));
            assertThat(start).isEqualTo(next);
            next = end;
            final String expectedText = texts.get(version);
            final String piece = expectedText.substring(expectedText.offsetByCodePoints(0, start),
                expectedText.offsetByCodePoints(0, end));
            rebuilt.append(piece);
            // The op at version v left this piece, so it is in the text at v + 1 (the ops after it keep it).
            assertThat(texts.get(v + 1)).as(line).isNotNull();
        }
        assertThat(rebuilt.toString()).isEqualTo(texts.get(version));
        assertThat(next).isEqualTo(texts.get(version).codePointCount(0, texts.get(version).length()));

        final Cli.Result early = Cli.run("blame", sample.dataDir, "--doc", doc, "--version", "1");
        assertThat(early.out()).isEqualTo("[0," + texts.get(1).codePointCount(0, texts.get(1).length()) +
            ") version=0 author=" + early.out().replaceAll("(?s).*author=(\\S+) .*", "$1") + " " +
            RecordFormat.excerpt(texts.get(1)) + "\n");
        final Cli.Result lines = Cli.run("blame", sample.dataDir, "--doc", doc, "--lines");
        assertThat(lines.out().split("\n")).hasSize(texts.get(version).split("\n", -1).length -
            (texts.get(version).endsWith("\n") ? 1 : 0)).allSatisfy(l -> assertThat(l)
                .matches(" *\\d+ v\\d+ +\\S+ +\\| .*"));
        final Cli.Result reborn = Cli.run("blame", sample.dataDir, "--doc", SampleJournal.RECREATED);
        assertThat(reborn.out()).doesNotContain("version=0 ");
    }

    @Test
    void theToolRunsAsItsOwnProcessWithTheLaunchersFlags() throws Exception
    {
        final List<String> command = new ArrayList<>();
        command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        command.add("@" + RepoPaths.root().resolve("config/jvm.options"));
        command.add("-cp");
        command.add(System.getProperty("java.class.path"));
        command.add(ReplayTool.class.getName());
        command.add("verify");
        command.add(sample.dataDir.toString());
        command.add("--quiet");
        final Process p = new ProcessBuilder(command).redirectErrorStream(false).start();
        final String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        final String err = new String(p.getErrorStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
        assertThat(p.exitValue()).as(out + err).isZero();
        assertThat(out).endsWith("verify: OK\n");
        assertThat(err).as("nothing logged").isEmpty();

        final Process missing = new ProcessBuilder(command.subList(0, command.size() - 3))
            .command(concat(command.subList(0, command.size() - 3), "doc", sample.dataDir.toString(), "--doc",
                "docs/none", "--version", "0")).start();
        final String missingErr = new String(missing.getErrorStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(missing.waitFor(60, TimeUnit.SECONDS)).isTrue();
        assertThat(missing.exitValue()).isEqualTo(ExitCodes.NOT_FOUND);
        assertThat(missingErr).startsWith("replay doc: document docs/none not found");
    }

    private static List<String> concat(final List<String> head, final String... tail)
    {
        final List<String> all = new ArrayList<>(head);
        all.addAll(List.of(tail));
        return all;
    }
}
