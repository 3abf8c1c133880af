package io.quire.server;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.quire.common.Settings;
import io.quire.test.NodeTools;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The real npm {@code sharedb} client (node, pinned by package-lock.json) against the real all-in-one server started in
 * this JVM on 127.0.0.1 with a free port and a temporary data directory. Each scenario is a node script that exits 0
 * on success; its output is printed when it fails. Every wait is bounded.
 */
class RealClientSystemTest
{
    private static final long SCRIPT_TIMEOUT_S = 120;
    /** Stages every ack through the edge records (with the engine's stamps). */
    private static final List<String> PER_ACK_STAGES =
        List.of("edge_in", "to_engine", "engine_queue", "engine_commit", "from_engine", "edge_out");

    @TempDir
    static Path data;
    private static QuireServer server;

    @BeforeAll
    static void start() throws Exception
    {
        server = QuireServer.start(Settings.defaults("engine", Map.of()),
            Settings.defaults("edge", Map.of("op.rate", "1000", "op.burst", "1000")), "127.0.0.1", 0, data);
    }

    @AfterAll
    static void stop()
    {
        if (server != null)
        {
            server.close();
        }
    }

    private static String node(final String script, final String... args) throws Exception
    {
        final String[] all = new String[args.length + 1];
        all[0] = server.wsUrl();
        System.arraycopy(args, 0, all, 1, args.length);
        final Process process = NodeTools.node(script, all).redirectErrorStream(true).start();
        final ByteArrayOutputStream output = new ByteArrayOutputStream();
        final Thread pump = new Thread(() ->
        {
            try (InputStream in = process.getInputStream())
            {
                in.transferTo(output);
            }
            catch (final java.io.IOException ignored)
            {
                // the process died; its exit code tells
            }
        });
        pump.start();
        final boolean finished = process.waitFor(SCRIPT_TIMEOUT_S, TimeUnit.SECONDS);
        if (!finished)
        {
            process.destroyForcibly();
        }
        pump.join(5000);
        final String text = output.toString(StandardCharsets.UTF_8);
        if (!finished || process.exitValue() != 0)
        {
            System.out.println("---- node " + script + " output ----\n" + text + "---- end ----");
        }
        assertThat(finished).as(script + " finished in " + SCRIPT_TIMEOUT_S + " s").isTrue();
        assertThat(process.exitValue()).as(script + " exit code; output:\n" + text).isZero();
        return text;
    }

    @Test
    void createSubscribeFetchBulkAndSnapshot() throws Exception
    {
        assertThat(node("sharedb-basic.js")).contains("\"ok\":true");
    }

    @Test
    void tenClientsWithRandomDelaysConverge() throws Exception
    {
        assertThat(node("sharedb-converge.js", "10", "30", "15")).contains("\"ok\":true");
    }

    @Test
    void droppedSocketWithOpInFlightResubmitsAndLandsOnce() throws Exception
    {
        assertThat(node("sharedb-reconnect.js")).contains("\"drops\":4");
    }

    @Test
    void presenceReachesOthersMovesWithEditsAndIsNulledOnClose() throws Exception
    {
        assertThat(node("sharedb-presence.js")).contains("\"ok\":true");
    }

    @Test
    void healthAndMetricsIncludeTheEngine() throws Exception
    {
        final HttpClient http = HttpClient.newHttpClient();
        final HttpResponse<String> health = http.send(
            HttpRequest.newBuilder(URI.create(server.httpUrl() + "healthz")).build(), HttpResponse.BodyHandlers.ofString());
        assertThat(health.statusCode()).isEqualTo(200);
        final HttpResponse<String> metrics = http.send(
            HttpRequest.newBuilder(URI.create(server.httpUrl() + "metrics")).build(), HttpResponse.BodyHandlers.ofString());
        assertThat(metrics.body()).contains("quire_edge_ack_latency_seconds", "quire_engine_ops_committed");
    }

    @Test
    void latencyBreakdownFollowsEveryOpThroughEdgeAndEngine() throws Exception
    {
        final HttpClient http = HttpClient.newHttpClient();
        final Map<String, JsonNode> before = latencyStages(http);
        assertThat(node("sharedb-converge.js", "3", "20", "5")).contains("\"ok\":true");
        final Map<String, JsonNode> stages = settledStages(http, before);
        assertThat(stages).containsKeys("edge_in", "to_engine", "engine_queue", "engine_commit", "from_engine",
            "aeron_round_trip", "edge_out", "edge_total", "broadcast_from_engine", "fanout", "socket_write");
        final long acked = count(stages, "edge_total") - count(before, "edge_total");
        assertThat(acked).as("ops acknowledged through the edge").isGreaterThanOrEqualTo(60);
        for (final String stage : PER_ACK_STAGES)
        {
            // Every ack carried the engine's stamps (sharedb clients subscribe, so most acks are their own broadcasts).
            assertThat(count(stages, stage) - count(before, stage)).as(stage).isEqualTo(acked);
            // Each stage is a part of the same op's edge_total, so no stage's maximum can exceed it.
            assertThat(stages.get(stage).path("max").asDouble()).as(stage)
                .isLessThanOrEqualTo(stages.get("edge_total").path("max").asDouble() * 1.01 + 1);
        }
        assertThat(stages.get("fanout").path("count").asLong()).isPositive();
        // Every ack and broadcast the clients got was written by Undertow, and then some (handshakes, snapshots).
        assertThat(count(stages, "socket_write") - count(before, "socket_write")).isGreaterThanOrEqualTo(acked);
        assertThat(stages.get("edge_total").path("histogram").asText()).isNotEmpty();
        final HttpResponse<String> metrics = http.send(
            HttpRequest.newBuilder(URI.create(server.httpUrl() + "metrics")).build(), HttpResponse.BodyHandlers.ofString());
        assertThat(metrics.body()).contains("quire_edge_stage_latency_seconds{quantile=\"0.99\",stage=\"to_engine\"}");
        final HttpResponse<String> post = http.send(HttpRequest.newBuilder(URI.create(server.httpUrl() + "latency"))
            .POST(HttpRequest.BodyPublishers.noBody()).build(), HttpResponse.BodyHandlers.ofString());
        assertThat(post.statusCode()).isEqualTo(405);
    }

    /**
     * The stages once the edge has finished recording the last ack: its reply thread records an ack's stages one by
     * one, lock-free, after queueing the ack on the socket, so a client can have every ack while the last one's stages
     * are still being recorded (seen once: edge_total 61, to_engine 60). Reads until every per-ack stage has counted
     * as many acks as edge_total, for at most 5 s; the caller's assertions then say what was missing.
     */
    private static Map<String, JsonNode> settledStages(final HttpClient http, final Map<String, JsonNode> before)
        throws Exception
    {
        final long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
        while (true)
        {
            final Map<String, JsonNode> stages = latencyStages(http);
            final long acked = count(stages, "edge_total") - count(before, "edge_total");
            final boolean settled = PER_ACK_STAGES.stream()
                .allMatch(stage -> count(stages, stage) - count(before, stage) == acked);
            if (settled || System.nanoTime() - deadline > 0)
            {
                return stages;
            }
            Thread.sleep(10);
        }
    }

    private static Map<String, JsonNode> latencyStages(final HttpClient http) throws Exception
    {
        final HttpResponse<String> r = http.send(
            HttpRequest.newBuilder(URI.create(server.httpUrl() + "latency")).build(), HttpResponse.BodyHandlers.ofString());
        assertThat(r.statusCode()).isEqualTo(200);
        final Map<String, JsonNode> stages = new HashMap<>();
        new ObjectMapper().readTree(r.body()).path("stages").forEach(s -> stages.put(s.path("stage").asText(), s));
        return stages;
    }

    private static long count(final Map<String, JsonNode> stages, final String stage)
    {
        final JsonNode s = stages.get(stage);
        return s == null ? 0 : s.path("count").asLong();
    }
}
