package io.quire.engine;

import io.quire.engine.admin.AdminServer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The admin endpoint of nodes with a fixed role, over real HTTP on 127.0.0.1: a primary and its remote standby
 * (Aeron UDP) report role, epoch and the standby's progress in {@code /status} and {@code /metrics}; the standby is
 * promoted by {@code POST /promote} into a newer epoch and then serves commands; what a node cannot do is refused
 * with 409 and a typed error body.
 */
class AdminServerTest
{
    @TempDir
    Path dir;

    private final List<AutoCloseable> open = new ArrayList<>();
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    @AfterEach
    void close() throws Exception
    {
        for (int i = open.size() - 1; i >= 0; i--)
        {
            open.get(i).close();
        }
    }

    private HttpResponse<String> call(final AdminServer admin, final String method, final String path)
        throws Exception
    {
        return http.send(HttpRequest.newBuilder(URI.create("http://" + admin.address() + path))
            .timeout(Duration.ofSeconds(10)).method(method, HttpRequest.BodyPublishers.noBody()).build(),
            HttpResponse.BodyHandlers.ofString());
    }

    @Test
    void statusMetricsPromoteAndRefusals() throws Exception
    {
        final String channel = "aeron:udp?endpoint=127.0.0.1:" + ReplicaTest.freeUdpPort();
        final EngineNode primary = EngineNode.launch(
            EngineNodeTest.testContext(dir.resolve("p")).replicationChannel(channel));
        open.add(primary);
        ReplicaTest.write(primary, 11, 3, 2, "admin");
        final EngineNode standby = EngineNode.launch(
            EngineNodeTest.testContext(dir.resolve("s")).nodeId(2).replicaOf(channel));
        open.add(standby);
        final AdminServer primaryAdmin = AdminServer.start(0, primary);
        open.add(primaryAdmin);
        final AdminServer standbyAdmin = AdminServer.start(0, standby);
        open.add(standbyAdmin);

        assertThat(call(primaryAdmin, "GET", "/status").body()).contains("\"role\":\"primary\"", "\"epoch\":1");
        final long deadline = System.nanoTime() + 20_000_000_000L;
        while (standby.replicaProgress(0)[0] < ReplicaTest.lastLsn(dir.resolve("p"), 0) ||
            standby.replicaProgress(1)[0] < ReplicaTest.lastLsn(dir.resolve("p"), 1) ||
            standby.replicaProgress(0)[1] < 0 || standby.replicaProgress(1)[1] < 0)
        {
            assertThat(System.nanoTime() - deadline).as("standby caught up").isNegative();
            Thread.sleep(10);
        }
        final String status = call(standbyAdmin, "GET", "/status").body();
        assertThat(status).contains("\"role\":\"standby\"", "\"shard-0.applied-lsn\":" +
            ReplicaTest.lastLsn(dir.resolve("p"), 0));
        final HttpResponse<String> metrics = call(standbyAdmin, "GET", "/metrics");
        assertThat(metrics.statusCode()).isEqualTo(200);
        assertThat(metrics.body()).contains("quire_engine_replica_lag_records{shard=\"0\"}",
            "quire_engine_replica_applied_lsn{shard=\"1\"}", "quire_engine_epoch{role=\"standby\"} 1");
        assertThat(call(primaryAdmin, "GET", "/metrics").body())
            .contains("quire_engine_ops_committed{shard=\"0\"}", "quire_engine_commit_latency_seconds{quantile=\"0.5\"}",
                "quire_engine_ring_batch_slots{quantile=\"0.99\"}", "quire_engine_docs_loaded{shard=\"0\"}",
                "quire_engine_doc_loads{shard=\"1\"}", "quire_engine_doc_unloads{shard=\"0\"} 0.0",
                "quire_engine_doc_unload_snapshots_inline{shard=\"0\"} 0.0",
                "quire_engine_doc_load_seconds{quantile=\"0.99\"}")
            .doesNotContain("quire_engine_replica_lag_records");

        final HttpResponse<String> notStandby = call(primaryAdmin, "POST", "/promote");
        assertThat(notStandby.statusCode()).isEqualTo(409);
        assertThat(notStandby.body()).contains("\"code\":\"not-standby\"");
        final HttpResponse<String> noLease = call(standbyAdmin, "POST", "/step-down");
        assertThat(noLease.statusCode()).isEqualTo(409);
        assertThat(noLease.body()).contains("\"code\":\"no-lease\"");
        assertThat(call(standbyAdmin, "GET", "/promote").statusCode()).isEqualTo(405);

        // The operator has stopped the old primary; the standby is promoted by the admin command.
        primaryAdmin.close();
        open.remove(primaryAdmin);
        primary.close();
        open.remove(primary);
        final HttpResponse<String> promoted = call(standbyAdmin, "POST", "/promote");
        assertThat(promoted.statusCode()).as(promoted.body()).isEqualTo(200);
        assertThat(promoted.body()).contains("\"role\":\"primary\"", "\"epoch\":2");
        assertThat(standby.isReplica()).isFalse();
        assertThat(call(standbyAdmin, "GET", "/status").body()).contains("\"role\":\"primary\"", "\"epoch\":2");
        ReplicaTest.write(standby, 12, 2, 1, "after");
    }
}
