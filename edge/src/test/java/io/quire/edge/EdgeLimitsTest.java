package io.quire.edge;

import com.fasterxml.jackson.databind.JsonNode;
import io.quire.common.Settings;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Protection limits: each refusal is a ShareDB-shaped error or a close with a reason, never a dead thread. */
class EdgeLimitsTest
{
    @Test
    void subscriptionsOpRateMessageSizeAndConnectionsAreBounded() throws Exception
    {
        try (EdgeHarness h = new EdgeHarness(ctx -> ctx
            .apply(Settings.defaults("edge", Map.of("ws.max-message-bytes", "4k", "max-connections", "3")))
            .limits(2, 100, 1, 2)))
        {
            try (WsClient a = h.client())
            {
                a.handshake();
                a.send("{\"a\":\"s\",\"c\":\"l\",\"d\":\"d1\",\"v\":null}");
                a.next();
                a.send("{\"a\":\"ps\",\"ch\":\"l.d1\",\"seq\":1}");
                a.next();
                a.send("{\"a\":\"s\",\"c\":\"l\",\"d\":\"d2\",\"v\":null}");
                final JsonNode tooMany = a.next();
                assertThat(tooMany.get("error").get("code").asText()).isEqualTo("ERR_OVERLOADED");
                assertThat(tooMany.get("error").get("message").asText()).contains("subscriptions");

                a.send("{\"a\":\"op\",\"c\":\"l\",\"d\":\"d1\",\"v\":null,\"seq\":1,\"create\":{\"type\":\"text-unicode\"}}");
                assertThat(a.next().has("error")).isFalse();
                a.send("{\"a\":\"op\",\"c\":\"l\",\"d\":\"d1\",\"v\":1,\"seq\":2,\"op\":[\"a\"]}");
                assertThat(a.next().has("error")).isFalse();
                a.send("{\"a\":\"op\",\"c\":\"l\",\"d\":\"d1\",\"v\":2,\"seq\":3,\"op\":[\"b\"]}");
                final JsonNode limited = a.next();
                assertThat(limited.get("error").get("code").asText()).isEqualTo("ERR_OVERLOADED");
                assertThat(limited.get("seq").asLong()).isEqualTo(3);
                Thread.sleep(1100);
                a.send("{\"a\":\"op\",\"c\":\"l\",\"d\":\"d1\",\"v\":2,\"seq\":3,\"op\":[\"b\"]}");
                assertThat(a.next().get("v").asLong()).isEqualTo(2);
            }
            try (WsClient a = h.client())
            {
                a.handshake();
                a.send("{\"a\":\"pp\",\"pad\":\"" + "x".repeat(5000) + "\"}");
                assertThat(a.closeCode()).isEqualTo(1009);
            }
            final List<WsClient> clients = new ArrayList<>();
            try
            {
                for (int i = 0; i < 3; i++)
                {
                    clients.add(h.client());
                    clients.get(i).handshake();
                }
                assertThatThrownBy(h::client).hasStackTraceContaining("503");
            }
            finally
            {
                clients.forEach(WsClient::close);
            }
        }
    }

    @Test
    void idleConnectionsAreClosed() throws Exception
    {
        try (EdgeHarness h = new EdgeHarness(ctx -> ctx
            .apply(Settings.defaults("edge", Map.of("idle-timeout", "1s", "ping.interval", "3600s")))))
        {
            try (WsClient a = h.client())
            {
                a.handshake();
                assertThat(a.closeCode()).isEqualTo(1001);
                assertThat(a.closeReason).contains("idle");
            }
        }
    }

    @Test
    void engineSilenceHoldsRequestsAndClosesSessionsWith1012WhenTheHoldExpires() throws Exception
    {
        try (EdgeHarness h = new EdgeHarness(ctx -> ctx
            .apply(Settings.defaults("edge", Map.of("engine.timeout", "1s", "heartbeat.interval", "100ms",
                "engine.failover-hold", "1500ms")))))
        {
            try (WsClient a = h.client(); WsClient idle = h.client())
            {
                a.handshake();
                idle.handshake();
                a.send("{\"a\":\"s\",\"c\":\"e\",\"d\":\"d1\",\"v\":null}");
                a.next();
                h.engine.heartbeats = false;
                awaitProblem(h, "no heartbeat");
                final long heldSince = System.nanoTime();
                a.send("{\"a\":\"f\",\"c\":\"e\",\"d\":\"d2\",\"v\":null}");
                assertThat(a.poll(300)).as("held while no primary answers, not refused").isNull();
                assertThat(a.closeCode()).as("no primary within engine.failover-hold").isEqualTo(1012);
                assertThat((System.nanoTime() - heldSince) / 1_000_000).as("not before the hold expired")
                    .isGreaterThanOrEqualTo(1000);
                assertThat(h.edge.healthProblem()).contains("no heartbeat");
                assertThat(idle.poll(100)).as("a session without state on the engine stays").isNull();
                idle.send("{\"a\":\"pp\"}");
                assertThat(idle.next().get("a").asText()).isEqualTo("pp");
                h.engine.heartbeats = true;
                assertThat(h.edge.awaitHealthy(5000)).isTrue();
            }
        }
    }

    @Test
    void anEngineThatAnswersAgainWithinTheHoldGetsTheHeldAndInFlightRequests() throws Exception
    {
        try (EdgeHarness h = new EdgeHarness(ctx -> ctx
            .apply(Settings.defaults("edge", Map.of("engine.timeout", "1s", "heartbeat.interval", "100ms")))))
        {
            try (WsClient a = h.client())
            {
                a.handshake();
                a.send("{\"a\":\"s\",\"c\":\"e\",\"d\":\"ride\",\"v\":null}");
                a.next();
                a.send("{\"a\":\"op\",\"c\":\"e\",\"d\":\"ride\",\"v\":0,\"seq\":1,\"x\":{}," +
                    "\"create\":{\"type\":\"text-unicode\",\"data\":\"ab\"}}");
                assertThat(a.next().get("v").asLong()).isZero();
                h.engine.heartbeats = false;
                h.engine.ignoredTemplates.add(io.quire.codec.protocol.SubmitOpDecoder.TEMPLATE_ID);
                // In flight when the engine goes quiet: its answer never comes; the edge re-sends it.
                a.send("{\"a\":\"op\",\"c\":\"e\",\"d\":\"ride\",\"v\":1,\"seq\":2,\"x\":{},\"op\":[\"X\"]}");
                awaitProblem(h, "no heartbeat");
                h.engine.ignoredTemplates.clear();
                // Held: sent only after the in-flight op has been re-sent.
                a.send("{\"a\":\"f\",\"c\":\"e\",\"d\":\"other\",\"v\":null}");
                assertThat(a.poll(300)).isNull();
                h.engine.heartbeats = true;
                assertThat(h.edge.awaitHealthy(5000)).isTrue();
                final JsonNode ack = a.next();
                assertThat(ack.get("seq").asLong()).as("the re-sent op's ack").isEqualTo(2);
                assertThat(ack.get("v").asLong()).isEqualTo(1);
                assertThat(ack.has("op")).isFalse();
                JsonNode fetched = a.next();
                while (!"f".equals(fetched.get("a").asText()))
                {
                    // The silent re-subscription's catch-up may repeat the client's own op (v 1): clients drop it.
                    assertThat(fetched.get("v").asLong()).isEqualTo(1);
                    fetched = a.next();
                }
                assertThat(fetched.get("d").asText()).isEqualTo("other");
                assertThat(h.engine.received).as("resubscribed from the version the client has")
                    .contains("s ride 1");
                assertThat(a.poll(200)).as("the re-subscription's reply is swallowed").isNull();
                a.send("{\"a\":\"op\",\"c\":\"e\",\"d\":\"ride\",\"v\":2,\"seq\":3,\"x\":{},\"op\":[\"Y\"]}");
                assertThat(a.next().get("v").asLong()).isEqualTo(2);
            }
        }
    }

    private static void awaitProblem(final EdgeHarness h, final String what) throws InterruptedException
    {
        final long deadline = System.nanoTime() + 10_000_000_000L;
        while (h.edge.healthProblem() == null || !h.edge.healthProblem().contains(what))
        {
            assertThat(System.nanoTime() - deadline).as("health says " + what).isNegative();
            Thread.sleep(20);
        }
    }

    @Test
    void closeDrainsAndSaysGoingAway() throws Exception
    {
        final EdgeHarness h = new EdgeHarness(ctx -> { });
        try (WsClient a = h.client())
        {
            a.handshake();
            a.send("{\"a\":\"s\",\"c\":\"e\",\"d\":\"drain\",\"v\":null}");
            a.next();
            h.edge.close();
            assertThat(a.closeCode()).isEqualTo(1001);
        }
        finally
        {
            h.close();
        }
    }
}
