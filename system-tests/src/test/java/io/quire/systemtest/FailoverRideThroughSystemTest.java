package io.quire.systemtest;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.quire.common.Settings;
import io.quire.engine.EngineContext;
import io.quire.engine.EngineNode;
import io.quire.test.NodeTools;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.DoublePredicate;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Clients ride through a failover (issue 5, item 4): a real edge (its own JVM) whose shard map names two candidate
 * engines for the shards, a primary engine (its own JVM, {@code ack-policy=replicated}, streaming its journal over
 * Aeron UDP on 127.0.0.1) and its remote hot standby (an {@link EngineNode} in this JVM, so that it can be promoted:
 * there is no admin command for that in a running process yet), and real {@code sharedb} clients typing through
 * {@code reconnecting-websocket} into one shared document and a few others. Mid-typing the primary is killed with
 * SIGKILL and the standby promoted; the edge must route to it without closing a socket: no client reconnects, every
 * acknowledged token is in its document exactly once, no refused token is, and every client agrees with a fresh
 * fetch.
 */
class FailoverRideThroughSystemTest
{
    private static final Logger LOG = LoggerFactory.getLogger(FailoverRideThroughSystemTest.class);
    private static final int CLIENTS = 6;
    private static final int DOCS = 3;
    private static final int TYPING_MS = 12_000;
    private static final String FAILOVERS = "quire_edge_engine_failovers_total{shards=\"0-2\"}";
    private static final String ACKED = "quire_edge_ops_acked_total";

    @TempDir
    Path dir;


    @Test
    void clientsStayConnectedWhileThePrimaryIsKilledAndItsStandbyPromoted() throws Exception
    {
        run(0);
    }

    /** Promoted only after the edge has seen the primary go silent ({@code engine.timeout}): the hold path. */
    @Test
    void clientsStayConnectedWhenTheStandbyIsPromotedSecondsAfterTheKill() throws Exception
    {
        run(4000);
    }

    private void run(final long promoteAfterMs) throws Exception
    {
        final String ingressA = "aeron:udp?endpoint=127.0.0.1:" + EngineCrashSystemTest.freeUdpPort();
        final String ingressB = "aeron:udp?endpoint=127.0.0.1:" + EngineCrashSystemTest.freeUdpPort();
        final String replication = "aeron:udp?endpoint=127.0.0.1:" + EngineCrashSystemTest.freeUdpPort();
        final EngineProcess primary = EngineProcess.start(dir.resolve("primary.log"), 60, TimeUnit.SECONDS, List.of(
            "--data", dir.resolve("primary").toString(), "--node-id", "1", "--shards", "2", "--ingress", ingressA,
            "--aeron-dir", dir.resolve("primary-aeron").toString(), "--set", "replication.channel=" + replication,
            "--set", "ack-policy=replicated", "--set", "term-length=256k", "--set", "driver.term-length=256k",
            "--set", "heartbeat.interval=50ms", "--set", "ring.size=1024", "--set", "journal.block-size=1m",
            "--set", "journal.batch.max-bytes=256k"));
        EngineNode standby = null;
        EdgeProcess edge = null;
        try
        {
            standby = EngineNode.launch(new EngineContext()
                .dataDir(dir.resolve("standby"))
                .aeronDir(dir.resolve("standby-aeron").toString())
                .nodeId(2)
                .shardCount(2)
                .ingressChannel(ingressB)
                .ingressStream(1001)
                .termLength(256 << 10)
                .heartbeatIntervalNs(50_000_000L)
                .replicaOf(replication)
                .journalSettings(Settings.defaults("journal", Map.of("block-size", "1m", "batch.max-bytes", "256k"))));
            final String shardMap = "0-2=" + ingressA + "@1001|" + ingressB + "@1001";
            edge = EdgeProcess.start(dir.resolve("edge.log"), Duration.ofSeconds(60), List.of("--port", "0",
                "--edge-id", "1", "--shards", "2", "--engines", shardMap,
                "--reply-channel", "aeron:udp?endpoint=127.0.0.1:0", "--aeron-dir", dir.resolve("edge-aeron").toString(),
                "--set", "driver.term-length=256k", "--set", "heartbeat.interval=50ms", "--set", "op.rate=1000",
                "--set", "op.burst=1000"));
            assertThat(metric(edge, "quire_edge_engine_epoch{shards=\"0-2\"}")).isEqualTo(1);

            final NodeTools.Script node = NodeTools.start("sharedb-failover-typing.js", edge.wsUrl(), "ride",
                Integer.toString(DOCS), Integer.toString(CLIENTS), Integer.toString(TYPING_MS));

            // Typing is under way (acks come only once the standby has journaled the ops: ack-policy replicated).
            final EdgeProcess e = edge;
            awaitMetric(e, ACKED, v -> v >= 150, 40, "ops acknowledged before the kill");
            final double ackedBeforeKill = metric(edge, ACKED);
            primary.kill9();
            final long killedNs = System.nanoTime();
            if (promoteAfterMs > 0)
            {
                Thread.sleep(promoteAfterMs);
                assertThat(health(edge)).as("the edge noticed the primary is gone").contains("failing over");
            }
            final long epoch = standby.promote(0);
            final long promotedNs = System.nanoTime();
            awaitMetric(e, FAILOVERS, v -> v >= 1, 20, "the edge failed over");
            final long failedOverNs = System.nanoTime();
            LOG.info("primary killed; standby promoted in {} ms (epoch {}); edge failed over {} ms after the kill",
                (promotedNs - killedNs) / 1_000_000, epoch, (failedOverNs - killedNs) / 1_000_000);
            assertThat(metric(edge, "quire_edge_engine_epoch{shards=\"0-2\"}")).isEqualTo(epoch);

            final boolean finished = node.await(120);
            final String output = node.output();
            assertThat(finished).as("node finished; output:\n" + output).isTrue();
            assertThat(node.exitValue()).as("node output:\n" + output).isZero();
            final JsonNode result = new ObjectMapper().readTree(node.lastLine());
            System.out.println("failover ride-through (promoted " + promoteAfterMs + " ms after the kill): " + result + "; kill -> promoted " +
                (promotedNs - killedNs) / 1_000_000 + " ms, kill -> edge failed over " +
                (failedOverNs - killedNs) / 1_000_000 + " ms; acked before the kill " + (long)ackedBeforeKill +
                ", after " + (long)(metric(edge, ACKED) - ackedBeforeKill) + "; requests re-sent " +
                (long)metric(edge, "quire_edge_failover_resent_requests_total") + ", held " +
                (long)metric(edge, "quire_edge_failover_held_requests_total"));
            assertThat(result.get("opens").asInt()).as("no client socket reconnected: " + output).isEqualTo(CLIENTS);
            assertThat(result.get("refused").asInt()).as("no op was refused: " + output).isZero();
            assertThat(result.get("acked").asInt()).isEqualTo(result.get("submitted").asInt());
            assertThat(metric(edge, ACKED)).as("ops acknowledged after the failover").isGreaterThan(ackedBeforeKill);
            assertThat(metric(edge, "quire_edge_connections_closed_total{reason=\"engine-down\"}")).isZero();
            assertThat(metric(edge, FAILOVERS)).isEqualTo(1);
        }
        finally
        {
            if (edge != null)
            {
                edge.close();
            }
            if (standby != null)
            {
                standby.close();
            }
            primary.close();
        }
    }

    private void awaitMetric(
        final EdgeProcess edge, final String name, final DoublePredicate ok, final int seconds, final String what)
        throws Exception
    {
        final long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
        double value = metric(edge, name);
        while (!ok.test(value))
        {
            assertThat(System.nanoTime() - deadline).as(what + " (" + name + " = " + value + ")").isNegative();
            Thread.sleep(20);
            value = metric(edge, name);
        }
    }

    private static String health(final EdgeProcess edge) throws Exception
    {
        return EdgeHttp.health(edge.httpUrl());
    }

    private static double metric(final EdgeProcess edge, final String name) throws Exception
    {
        return EdgeHttp.metric(edge.httpUrl(), name);
    }
}
