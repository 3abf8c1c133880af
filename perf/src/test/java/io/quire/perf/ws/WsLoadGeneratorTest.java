package io.quire.perf.ws;

import io.quire.common.Settings;
import io.quire.engine.trace.TraceReader;
import io.quire.server.QuireServer;
import io.quire.test.RepoPaths;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The Java load generator against the real all-in-one server, started in this JVM on 127.0.0.1 with a free port and
 * a temporary data directory, and against the reference ShareDB server (node, pinned sharedb): each scenario runs a
 * couple of seconds, every client must converge with a fresh fetch, and the histograms must hold samples. Nothing
 * here asserts on a latency or a rate.
 */
class WsLoadGeneratorTest
{
    @TempDir
    static Path data;
    private static QuireServer quire;

    @BeforeAll
    static void start() throws Exception
    {
        final Map<String, String> edge = new HashMap<>();
        for (final String s : Servers.BENCH_EDGE_SETTINGS)
        {
            final String[] kv = s.substring("edge.".length()).split("=", 2);
            edge.put(kv[0], kv[1]);
        }
        quire = QuireServer.start(Settings.defaults("engine", Map.of()), Settings.defaults("edge", edge),
            "127.0.0.1", 0, data.resolve("quire"));
    }

    @AfterAll
    static void stop()
    {
        if (quire != null)
        {
            quire.close();
        }
    }

    @Test
    void closedLoopClientsOnSeveralDocumentsConvergeOnQuire() throws Exception
    {
        final LoadResult r = run(quire.wsUrl(), "closed:3x2");
        assertThat(r.ackedOps()).isPositive();
        assertThat(r.visible().getTotalCount()).isPositive();
    }

    @Test
    void openLoopOnOneDocumentConvergesOnQuireAndMeasuresFromThePlannedTime() throws Exception
    {
        final LoadResult r = run(quire.wsUrl(), "open:1x4@25");
        // 4 clients × 25 edits/s × 2 s planned inside the window: each is acknowledged once (composed or not).
        assertThat(r.ack().getTotalCount()).isEqualTo(200);
        assertThat(r.visible().getTotalCount()).isEqualTo(200 * 3);
    }

    @Test
    void traceTypedAtHumanPaceReachesTheWatchers() throws Exception
    {
        final LoadResult r = new WsLoadGenerator("quire", quire.wsUrl(), Scenario.parse("trace:2x2@20"), 0.5, 2,
            TraceReader.read(RepoPaths.trace("sveltecomponent.json.gz"))).run();
        assertThat(r.converged()).as(r.note()).isTrue();
        // One watcher per document sees every edit its typist made.
        assertThat(r.visible().getTotalCount()).isEqualTo(r.ack().getTotalCount());
    }

    @Test
    void sameLoadAgainstTheReferenceShareDbServer(@TempDir final Path logs) throws Exception
    {
        try (ServerProcess sharedb = Servers.sharedb(logs.resolve("sharedb.log")))
        {
            final LoadResult closed = run(sharedb.wsUrl(), "closed:2x3");
            assertThat(closed.ackedOps()).isPositive();
            assertThat(closed.visible().getTotalCount()).isPositive();
            final LoadResult open = run(sharedb.wsUrl(), "open:2x2@20");
            assertThat(open.ack().getTotalCount()).isEqualTo(160);
        }
    }

    @Test
    void theFloorServerCarriesOneWriterPerDocumentAndReportsCpu(@TempDir final Path logs) throws Exception
    {
        try (ServerProcess floor = Servers.floor(logs.resolve("floor.log")))
        {
            final LoadResult closed = new WsLoadGenerator("floor", floor.wsUrl(), Scenario.parse("closed:3x1"), 0.5, 2,
                null).serverPid(floor.pid()).run();
            assertThat(closed.converged()).as(closed.note()).isTrue();
            assertThat(closed.ackedOps()).isPositive();
            assertThat(closed.serverCpuUs()).as("node's CPU per op").isPositive();
            assertThat(closed.clientCpuUs()).as("the generator's CPU per op").isPositive();
            final LoadResult open = run(floor.wsUrl(), "open:2x1@20");
            assertThat(open.ack().getTotalCount()).isEqualTo(80);
            assertThat(open.serverCpuUs()).as("no server pid given").isNaN();
        }
    }

    @Test
    void reportWritesHistogramsTableAndPlots(@TempDir final Path out) throws Exception
    {
        final LoadResult q = run(quire.wsUrl(), "closed:1x2");
        final LoadResult s = new LoadResult("sharedb", q.scenario(), q.seconds(), q.ackedOps() / 2, q.ack(),
            q.visible(), 0, true, "", Double.NaN, Double.NaN);
        final String summary = LatencyReport.write(List.of(q, s), "", out);
        assertThat(summary).contains("quire ", "sharedb ", "ratio    closed:1x2");
        assertThat(out.resolve("quire-closed-1x2-ack.hgrm")).content().contains("Value     Percentile");
        assertThat(Files.size(out.resolve("ack-latency.png"))).isPositive();
        assertThat(Files.size(out.resolve("visible-latency.png"))).isPositive();
    }

    @Test
    void scenarioSpecs()
    {
        assertThat(Scenario.parse("closed:200x1")).isEqualTo(new Scenario(Scenario.Mode.CLOSED, 200, 1, 0));
        assertThat(Scenario.parse("open:1x20@12.5").toString()).isEqualTo("open:1x20@12.5");
        assertThat(Scenario.parse("trace:4x3@10").typists()).isEqualTo(4);
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> Scenario.parse("open:1x20"))
            .isInstanceOf(IllegalArgumentException.class);
    }

    private static LoadResult run(final String url, final String scenario) throws Exception
    {
        final LoadResult r = new WsLoadGenerator("quire", url, Scenario.parse(scenario), 0.5, 2, null).run();
        assertThat(r.converged()).as(r.note()).isTrue();
        assertThat(r.ack().getTotalCount()).isPositive();
        return r;
    }
}
