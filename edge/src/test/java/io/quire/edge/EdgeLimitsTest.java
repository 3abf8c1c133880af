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
    void engineSilenceMakesHealthFailAndClosesItsSessions() throws Exception
    {
        try (EdgeHarness h = new EdgeHarness(ctx -> ctx
            .apply(Settings.defaults("edge", Map.of("engine.timeout", "1s", "heartbeat.interval", "100ms")))))
        {
            try (WsClient a = h.client(); WsClient idle = h.client())
            {
                a.handshake();
                idle.handshake();
                a.send("{\"a\":\"s\",\"c\":\"e\",\"d\":\"d1\",\"v\":null}");
                a.next();
                h.engine.heartbeats = false;
                assertThat(a.closeCode()).isEqualTo(1012);
                assertThat(h.edge.healthProblem()).contains("no heartbeat");
                assertThat(idle.poll(100)).isNull();
                idle.send("{\"a\":\"pp\"}");
                assertThat(idle.next().get("a").asText()).isEqualTo("pp");
                h.engine.heartbeats = true;
                assertThat(h.edge.awaitHealthy(5000)).isTrue();
            }
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
