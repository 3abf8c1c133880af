package io.quire.perf.ws;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

import java.nio.file.Files;
import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * {@code bench-ws} end to end: it starts Quire's server (a child JVM) and the reference ShareDB server (node), runs a
 * tiny scenario against each, writes the reports, and leaves no child process behind; a server it cannot reach makes
 * it exit 1.
 */
class BenchWsCommandTest
{
    @Test
    void sideBySideRunWritesReportsAndStopsItsServers(@TempDir final Path out) throws Exception
    {
        final int code = new CommandLine(new BenchWsCommand()).execute("--vs-sharedb", "--scenario", "closed:2x2",
            "--warmup", "0.5", "--duration", "1.5", "--out", out.toString());

        assertThat(code).isZero();
        assertThat(out.resolve("summary.txt")).content()
            .containsPattern("quire +closed:2x2 +\\d+ \\|")
            .containsPattern("sharedb +closed:2x2 +\\d+ \\|")
            .contains("ratio    closed:2x2", "engine in->ack out");
        assertThat(out.resolve("quire-closed-2x2-ack.hgrm")).exists();
        assertThat(out.resolve("sharedb-closed-2x2-visible.hgrm")).exists();
        assertThat(Files.size(out.resolve("ack-latency-closed-2x2.png"))).isPositive();
        assertThat(ProcessHandle.current().children().filter(ProcessHandle::isAlive)).isEmpty();
    }

    @Test
    void unreachableServerFailsTheRun(@TempDir final Path out)
    {
        final int code = new CommandLine(new BenchWsCommand()).execute("--url", "ws://127.0.0.1:1/ws", "--scenario",
            "closed:1x1", "--warmup", "0", "--duration", "1", "--out", out.toString());

        assertThat(code).isEqualTo(1);
    }
}
