package io.quire.perf.engine;

import io.quire.test.RepoPaths;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import picocli.CommandLine;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * {@code bench-engine} end to end on a few thousand ops: a real engine node (embedded driver, journal in a temp dir)
 * driven over IPC, closed and open loop, woken and polling; it must print its one RESULT line, write the histogram
 * and find every document equal to the trace (exit 0), which it checks itself; the open loop must have timed its
 * ops' departures against their plan. With {@code --floor} a stand-in acknowledges the ops instead of an engine.
 */
class BenchEngineCommandTest
{
    @TempDir
    Path dir;

    @ParameterizedTest
    @ValueSource(strings = {"closed", "closed --wake", "open --wake", "open --send-interval 50us", "closed --floor",
        "open --floor", "closed --set ingress.channel=aeron:udp?endpoint=127.0.0.1:0",
        "closed --floor --set ingress.channel=aeron:udp?endpoint=127.0.0.1:0"})
    void runsVerifiesAndPrintsOneResultLine(final String mode) throws Exception
    {
        final List<String> args = new ArrayList<>(List.of(
            "--trace", RepoPaths.trace("automerge-paper.json.gz").toString(),
            "--data", dir.resolve("data").toString(),
            "--docs", "8", "--sources", "2", "--window", "256",
            "--warmup", "0.5", "--duration", "1", "--max-ops", "4000",
            "--hgrm", dir.resolve("latency.hgrm").toString(),
            "--set", "term-length=1m", "--set", "driver.term-length=1m"));
        final String[] words = mode.split(" ");
        if (words[0].equals("open"))
        {
            args.addAll(List.of("--rate", "5000"));
        }
        args.addAll(List.of(words).subList(1, words.length));

        final StringWriter out = new StringWriter();
        final StringWriter err = new StringWriter();
        final BenchEngineCommand command = new BenchEngineCommand();
        final int exit = new CommandLine(command)
            .setOut(new PrintWriter(out)).setErr(new PrintWriter(err))
            .execute(args.toArray(String[]::new));

        assertThat(exit).as("exit code; stderr: %s", err).isZero();
        assertThat(out.toString().lines().filter(l -> l.startsWith("RESULT ")).toList()).singleElement()
            .asString().matches("RESULT ops_per_s=[1-9][0-9]* p50_us=\\d+ p99_us=\\d+ p999_us=\\d+ max_us=\\d+");
        assertThat(Files.readString(dir.resolve("latency.hgrm"))).contains("Value", "Percentile");
        // The floor's stand-in acknowledges without an engine: nothing is journaled.
        assertThat(Files.exists(dir.resolve("data").resolve("shard-0"))).isEqualTo(!mode.contains("--floor"));
        // The open loop times every measured op's departure against its plan; the closed loop has no plan.
        if (words[0].equals("open"))
        {
            assertThat(command.sendLateness().getTotalCount()).isPositive().isLessThanOrEqualTo(4000);
        }
        else
        {
            assertThat(command.sendLateness().getTotalCount()).isZero();
        }
    }

    @Test
    void theFloorTakesNeitherWakeNorReopen()
    {
        for (final String extra : List.of("--wake", "--reopen"))
        {
            final StringWriter err = new StringWriter();
            final int exit = new CommandLine(new BenchEngineCommand()).setErr(new PrintWriter(err)).execute(
                "--trace", RepoPaths.trace("automerge-paper.json.gz").toString(),
                "--data", dir.resolve("data").toString(), "--floor", extra);
            assertThat(exit).as(extra).isEqualTo(2);
            assertThat(err.toString()).contains("--floor measures the harness alone");
        }
    }
}
