package io.quire.edge;

import io.aeron.ExclusivePublication;
import io.aeron.Publication;
import io.quire.codec.protocol.EngineHeartbeatEncoder;
import io.quire.codec.protocol.MessageHeaderEncoder;
import io.quire.codec.protocol.NodeRole;
import io.quire.codec.protocol.SubmitOpDecoder;
import com.fasterxml.jackson.databind.JsonNode;
import org.agrona.ExpandableArrayBuffer;
import org.junit.jupiter.api.Test;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Epoch fencing and routing at the edge, over real Aeron and WebSockets: when the shard map's second candidate
 * engine announces itself as primary of the same shards in a newer epoch, the edge routes to it without closing the
 * sessions (re-sending what was in flight, re-subscribing silently), drops every reply and broadcast the old primary
 * still sends, and lets its heartbeats no longer keep the shards alive. A replica's heartbeat changes nothing.
 */
class EdgeEpochFenceTest
{
    private static final HttpClient HTTP = HttpClient.newHttpClient();

    /** A second engine that only heartbeats, on its own image of the edge's reply stream. */
    private static final class Claimant implements AutoCloseable
    {
        private final ExclusivePublication publication;
        private final ExpandableArrayBuffer buffer = new ExpandableArrayBuffer(128);
        private final Thread thread;
        private volatile boolean running = true;

        Claimant(final EdgeHarness harness, final long epoch, final NodeRole role)
        {
            publication = harness.aeron.addExclusivePublication("aeron:ipc", 2001);
            final EngineHeartbeatEncoder e = new EngineHeartbeatEncoder();
            thread = new Thread(() ->
            {
                while (running)
                {
                    e.wrapAndApplyHeader(buffer, 0, new MessageHeaderEncoder()).epoch(epoch)
                        .timestampNs(System.currentTimeMillis() * 1_000_000L).nodeId(9).shardCount(2).shardBegin(0)
                        .shardEnd(2).role(role);
                    publication.offer(buffer, 0, MessageHeaderEncoder.ENCODED_LENGTH + e.encodedLength());
                    try
                    {
                        Thread.sleep(50);
                    }
                    catch (final InterruptedException ex)
                    {
                        return;
                    }
                }
            }, "claimant");
            thread.setDaemon(true);
            thread.start();
        }

        boolean connected()
        {
            return publication.isConnected();
        }

        @Override
        public void close() throws InterruptedException
        {
            running = false;
            thread.join();
            publication.close();
        }
    }

    @Test
    void newerPrimaryTakesOverWithoutClosingSessionsAndTheOldOneIsFenced() throws Exception
    {
        try (EdgeHarness harness = new EdgeHarness(ctx -> ctx.engines(2, "0-2=aeron:ipc@1001|aeron:ipc@1002"));
            WsClient a = harness.client())
        {
            a.handshake();
            a.send("{\"a\":\"s\",\"c\":\"docs\",\"d\":\"fence1\",\"v\":null}");
            assertThat(a.next().get("a").asText()).isEqualTo("s");
            a.send("{\"a\":\"op\",\"c\":\"docs\",\"d\":\"fence1\",\"v\":null,\"seq\":1,\"x\":{}," +
                "\"create\":{\"type\":\"text-unicode\",\"data\":\"hi\"}}");
            assertThat(a.next().get("v").asLong()).as("acked by the primary of epoch 1").isZero();
            assertThat(metric(harness, "quire_edge_engine_epoch{shards=\"0-2\"}")).isEqualTo(1);

            // The old primary stops answering ops: this one is in flight when the standby takes over.
            harness.engine.ignoredTemplates.add(SubmitOpDecoder.TEMPLATE_ID);
            a.send("{\"a\":\"op\",\"c\":\"docs\",\"d\":\"fence1\",\"v\":1,\"seq\":2,\"x\":{},\"op\":[\"A\"]}");
            assertThat(a.poll(200)).isNull();

            // The standby, promoted in epoch 2, subscribes its ingress (the map's second candidate) and has the
            // documents the old primary had.
            try (FakeEngine promoted = new FakeEngine(harness.aeron, "aeron:ipc", 1002, 2, 2, harness.engine))
            {
                final JsonNode ack = a.next();
                assertThat(ack.get("seq").asLong()).as("the in-flight op, re-sent to the new primary").isEqualTo(2);
                assertThat(ack.get("v").asLong()).isEqualTo(1);
                assertThat(promoted.received).contains("op fence1 EDIT base=1 seq=2 src=" + ack.get("src").asText(),
                    "s fence1 1");
                assertThat(harness.engine.received).doesNotContain("s fence1 1");
                assertThat(metric(harness, "quire_edge_engine_epoch{shards=\"0-2\"}")).isEqualTo(2);
                awaitMetric(harness, "quire_edge_engine_failovers_total{shards=\"0-2\"}", 1);
                assertThat(harness.edge.healthProblem()).isNull();
                while (a.poll(200) != null)
                {
                    // the re-subscription's catch-up repeats the client's own op; a ShareDB client drops it
                }

                // The deposed primary still heartbeats in epoch 1 and sends an op: dropped, nothing reaches the client.
                final double fencedBefore = metric(harness, "quire_edge_engine_messages_fenced_total");
                harness.engine.rebroadcastLatest("docs", "fence1");
                final long deadline = System.nanoTime() + 10_000_000_000L;
                while (metric(harness, "quire_edge_engine_messages_fenced_total") <= fencedBefore)
                {
                    assertThat(System.nanoTime() - deadline).as("the old primary's output was dropped").isNegative();
                    Thread.sleep(20);
                }
                assertThat(a.poll(200)).as("nothing from the deposed primary").isNull();

                // The same session goes on, routed to the new primary.
                harness.engine.ignoredTemplates.clear();
                final int oldBefore = harness.engine.received.size();
                a.send("{\"a\":\"op\",\"c\":\"docs\",\"d\":\"fence1\",\"v\":2,\"seq\":3,\"x\":{},\"op\":[\"B\"]}");
                final JsonNode next = a.next();
                assertThat(next.get("seq").asLong()).isEqualTo(3);
                assertThat(next.get("v").asLong()).isEqualTo(2);
                assertThat(harness.engine.received.subList(oldBefore, harness.engine.received.size()))
                    .as("the old primary gets nothing").isEmpty();
                assertThat(harness.engine.doc("docs", "fence1").text.toString()).isEqualTo("BAhi");
            }
            // The newer primary went away; the old one still heartbeats in epoch 1, which no longer brings the shards
            // up: the session is held, then closed when no primary of epoch 2 or later answers.
            final long deadline = System.nanoTime() + 10_000_000_000L;
            while (harness.edge.healthProblem() == null)
            {
                assertThat(System.nanoTime() - deadline).as("shards down without their newest primary").isNegative();
                Thread.sleep(20);
            }
            assertThat(harness.edge.healthProblem()).contains("0-2 is down");
        }
    }

    @Test
    void replicaHeartbeatChangesNothing() throws Exception
    {
        try (EdgeHarness harness = new EdgeHarness(ctx -> { });
            WsClient a = harness.client())
        {
            a.handshake();
            a.send("{\"a\":\"s\",\"c\":\"docs\",\"d\":\"fence2\",\"v\":null}");
            assertThat(a.next().get("a").asText()).isEqualTo("s");
            try (Claimant replica = new Claimant(harness, 5, NodeRole.REPLICA))
            {
                final long deadline = System.nanoTime() + 10_000_000_000L;
                while (!replica.connected())
                {
                    assertThat(System.nanoTime() - deadline).isNegative();
                    Thread.sleep(20);
                }
                a.send("{\"a\":\"op\",\"c\":\"docs\",\"d\":\"fence2\",\"v\":null,\"seq\":1,\"x\":{}," +
                    "\"create\":{\"type\":\"text-unicode\",\"data\":\"hi\"}}");
                assertThat(a.next().get("v").asLong()).as("the primary still answers").isZero();
                assertThat(harness.edge.healthProblem()).isNull();
            }
        }
    }

    private static void awaitMetric(final EdgeHarness harness, final String name, final double value) throws Exception
    {
        final long deadline = System.nanoTime() + 10_000_000_000L;
        while (metric(harness, name) != value)
        {
            assertThat(System.nanoTime() - deadline).as(name + " reaches " + value).isNegative();
            Thread.sleep(20);
        }
    }

    private static double metric(final EdgeHarness harness, final String name) throws Exception
    {
        final String body = HTTP.send(HttpRequest.newBuilder(
            URI.create("http://127.0.0.1:" + harness.edge.port() + "/metrics")).build(),
            HttpResponse.BodyHandlers.ofString()).body();
        for (final String line : body.split("\n"))
        {
            if (line.startsWith(name + " "))
            {
                return Double.parseDouble(line.substring(name.length() + 1).trim());
            }
        }
        return 0;
    }
}
