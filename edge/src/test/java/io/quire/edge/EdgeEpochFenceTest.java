package io.quire.edge;

import io.aeron.ExclusivePublication;
import io.aeron.Publication;
import io.quire.codec.protocol.EngineHeartbeatEncoder;
import io.quire.codec.protocol.MessageHeaderEncoder;
import io.quire.codec.protocol.NodeRole;
import org.agrona.ExpandableArrayBuffer;
import org.junit.jupiter.api.Test;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Epoch fencing at the edge, over real Aeron and WebSockets: when a second engine announces itself as primary of the
 * same shards in a newer epoch, the edge closes the sessions that depended on the old primary, drops every reply and
 * heartbeat the old primary still sends, and lets its heartbeats no longer keep the shards alive. A replica's
 * heartbeat changes nothing.
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
    void newerPrimaryFencesTheOldOne() throws Exception
    {
        try (EdgeHarness harness = new EdgeHarness(ctx -> { });
            WsClient a = harness.client())
        {
            a.handshake();
            a.send("{\"a\":\"s\",\"c\":\"docs\",\"d\":\"fence1\",\"v\":null}");
            assertThat(a.next().get("a").asText()).isEqualTo("s");
            a.send("{\"a\":\"op\",\"c\":\"docs\",\"d\":\"fence1\",\"v\":null,\"seq\":1,\"x\":{}," +
                "\"create\":{\"type\":\"text-unicode\",\"data\":\"hi\"}}");
            assertThat(a.next().get("v").asLong()).as("acked by the primary of epoch 1").isZero();

            try (Claimant newer = new Claimant(harness, 2, NodeRole.PRIMARY))
            {
                assertThat(a.closeCode()).as("its session depended on the deposed primary").isEqualTo(1012);
                final double fencedBefore = metric(harness, "quire_edge_engine_messages_fenced_total");
                try (WsClient c = harness.client())
                {
                    c.handshake();
                    // The edge still routes to the old engine (the map names it); its answer must not get through.
                    c.send("{\"a\":\"f\",\"c\":\"docs\",\"d\":\"fence1\",\"v\":null}");
                    final long deadline = System.nanoTime() + 10_000_000_000L;
                    while (metric(harness, "quire_edge_engine_messages_fenced_total") <= fencedBefore)
                    {
                        assertThat(System.nanoTime() - deadline).as("the old primary's reply was dropped").isNegative();
                        Thread.sleep(20);
                    }
                    assertThat(c.poll(200)).as("nothing from the deposed primary").isNull();
                }
            }
            // The newer primary went away; the old one still heartbeats in epoch 1, which no longer brings the shards up.
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
