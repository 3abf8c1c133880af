package io.quire.perf.jitter;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * {@code bench-jitter} for real on this machine, briefly: one STALLS line per thread count and one WAKE line in the
 * documented format, a histogram file for each, and usage errors exit 2.
 */
class BenchJitterCommandTest
{
    @TempDir
    Path dir;

    @Test
    void printsOneLinePerProbeAndWritesTheirHistograms()
    {
        final StringWriter out = new StringWriter();
        final CommandLine cli = new CommandLine(new BenchJitterCommand()).setOut(new PrintWriter(out));

        final int exit = cli.execute("--threads", "1,all", "--duration", "0.3", "--park", "1ms",
            "--out", dir.toString());

        assertThat(exit).isZero();
        final String[] lines = out.toString().strip().split("\\R");
        final int cpus = Runtime.getRuntime().availableProcessors();
        assertThat(lines).hasSize(3);
        assertThat(lines[0]).matches("STALLS threads=1 seconds=0\\.3 per_s_over_100us=\\d+\\.\\d\\d " +
            "per_s_over_1ms=\\d+\\.\\d\\d lost_pct=\\d+\\.\\d\\d p99_us=\\d+ max_us=\\d+");
        assertThat(lines[1]).startsWith("STALLS threads=" + cpus + " ");
        assertThat(lines[2]).matches("WAKE park_us=1000 seconds=0\\.3 p50_us=\\d+ p99_us=\\d+ p999_us=\\d+ max_us=\\d+");
        assertThat(dir.resolve("bench-jitter-stalls-1-threads.hgrm")).isRegularFile();
        assertThat(dir.resolve("bench-jitter-stalls-" + cpus + "-threads.hgrm")).isRegularFile();
        assertThat(dir.resolve("bench-jitter-wake.hgrm")).isRegularFile();
    }

    @Test
    void skipsTheWakeProbeWithParkZero() throws Exception
    {
        final StringWriter out = new StringWriter();
        final int exit = new CommandLine(new BenchJitterCommand()).setOut(new PrintWriter(out))
            .execute("--threads", "1", "--duration", "0.2", "--park", "0", "--out", dir.toString());

        assertThat(exit).isZero();
        assertThat(out.toString()).startsWith("STALLS threads=1 ").doesNotContain("WAKE");
        assertThat(Files.exists(dir.resolve("bench-jitter-wake.hgrm"))).isFalse();
    }

    @Test
    void refusesMoreThreadsThanCpusAndBadDurations()
    {
        final int cpus = Runtime.getRuntime().availableProcessors();
        for (final String[] args : new String[][] {
            {"--threads", Integer.toString(cpus + 1)},
            {"--threads", "0"},
            {"--threads", "many"},
            {"--duration", "0"},
            {"--threshold", "soon"},
            {"--park", "-1ms"}})
        {
            final StringWriter err = new StringWriter();
            final int exit = new CommandLine(new BenchJitterCommand()).setErr(new PrintWriter(err))
                .execute(append(args, "--out", dir.toString()));
            assertThat(exit).as(String.join(" ", args)).isEqualTo(2);
            assertThat(err.toString()).as(String.join(" ", args)).isNotBlank();
        }
    }

    private static String[] append(final String[] args, final String... more)
    {
        final String[] all = new String[args.length + more.length];
        System.arraycopy(args, 0, all, 0, args.length);
        System.arraycopy(more, 0, all, args.length, more.length);
        return all;
    }
}
