package io.quire.edge;

import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The ShareDB protocol as the edge speaks it, over real WebSockets and a real Aeron link to a {@link FakeEngine}:
 * reply shapes, error echoes, ack versus broadcast, ordering, bulk aggregation, snapshot chunks, presence.
 */
class EdgeProtocolTest
{
    private static EdgeHarness harness;

    @BeforeAll
    static void start() throws Exception
    {
        harness = new EdgeHarness(ctx -> { });
    }

    @AfterAll
    static void stop()
    {
        harness.close();
    }

    @Test
    void handshakeRepliesWithJson0TypeAndMintsOrAdoptsSrc() throws Exception
    {
        try (WsClient a = harness.client(); WsClient b = harness.client())
        {
            final JsonNode hs = a.handshake();
            assertThat(hs.get("a").asText()).isEqualTo("hs");
            assertThat(hs.get("protocol").isNumber()).isTrue();
            assertThat(hs.get("protocol").asInt()).isEqualTo(1);
            assertThat(hs.get("protocolMinor").asInt()).isEqualTo(2);
            assertThat(hs.get("type").asText()).isEqualTo("http://sharejs.org/types/JSONv0");
            assertThat(hs.get("id").asText()).matches("[0-9a-f]{32}");

            b.send("{\"a\":\"hs\",\"id\":\"my-src-1\",\"protocol\":1,\"protocolMinor\":2}");
            assertThat(b.next().get("id").asText()).isEqualTo("my-src-1");
            b.send("{\"a\":\"hs\",\"id\":\"my-src-1\",\"protocol\":1,\"protocolMinor\":2}");
            assertThat(b.next().get("id").asText()).isEqualTo("my-src-1");
            b.send("{\"a\":\"pp\"}");
            assertThat(b.next().toString()).isEqualTo("{\"a\":\"pp\"}");
        }
    }

    @Test
    void fetchOfMissingDocHasTypeNullAndNoData() throws Exception
    {
        try (WsClient a = harness.client())
        {
            a.handshake();
            a.send("{\"a\":\"f\",\"c\":\"docs\",\"d\":\"missing\",\"v\":null}");
            final JsonNode reply = a.next();
            assertThat(reply.get("a").asText()).isEqualTo("f");
            assertThat(reply.get("c").asText()).isEqualTo("docs");
            assertThat(reply.get("d").asText()).isEqualTo("missing");
            assertThat(reply.get("data").get("v").asLong()).isZero();
            assertThat(reply.get("data").has("type")).isTrue();
            assertThat(reply.get("data").get("type").isNull()).isTrue();
            assertThat(reply.get("data").has("data")).isFalse();
        }
    }

    @Test
    void submitterGetsAckWithoutOpAndOthersGetBroadcastNeverEchoed() throws Exception
    {
        try (WsClient a = harness.client(); WsClient b = harness.client())
        {
            final String srcA = a.handshake().get("id").asText();
            b.handshake();
            a.send("{\"a\":\"s\",\"c\":\"docs\",\"d\":\"ack1\",\"v\":null}");
            assertThat(a.next().get("data").get("v").asLong()).isZero();
            b.send("{\"a\":\"s\",\"c\":\"docs\",\"d\":\"ack1\",\"v\":null}");
            assertThat(b.next().get("a").asText()).isEqualTo("s");

            a.send("{\"a\":\"op\",\"c\":\"docs\",\"d\":\"ack1\",\"v\":null,\"seq\":1,\"x\":{}," +
                "\"create\":{\"type\":\"text-unicode\",\"data\":\"hi\"}}");
            final JsonNode ack = a.next();
            assertThat(ack.get("a").asText()).isEqualTo("op");
            assertThat(ack.get("src").asText()).isEqualTo(srcA);
            assertThat(ack.get("seq").asLong()).isEqualTo(1);
            assertThat(ack.get("v").asLong()).isZero();
            assertThat(ack.has("op")).isFalse();
            assertThat(ack.has("create")).isFalse();

            final JsonNode create = b.next();
            assertThat(create.get("v").asLong()).isZero();
            assertThat(create.get("src").asText()).isEqualTo(srcA);
            assertThat(create.get("create").get("type").asText()).isEqualTo("http://sharejs.org/types/text-unicode");
            assertThat(create.get("create").get("data").asText()).isEqualTo("hi");

            a.send("{\"a\":\"op\",\"c\":\"docs\",\"d\":\"ack1\",\"v\":1,\"seq\":2,\"x\":{},\"op\":[2,\"!\",{\"d\":0}]}");
            final JsonNode badOp = a.next();
            assertThat(badOp.get("error").get("code").asText()).isEqualTo("ERR_OT_OP_BADLY_FORMED");
            assertThat(badOp.get("seq").asLong()).isEqualTo(2);

            a.send("{\"a\":\"op\",\"c\":\"docs\",\"d\":\"ack1\",\"v\":1,\"seq\":3,\"x\":{},\"op\":[2,\"!\"]}");
            assertThat(a.next().get("v").asLong()).isEqualTo(1);
            final JsonNode op = b.next();
            assertThat(op.get("v").asLong()).isEqualTo(1);
            assertThat(op.get("op").toString()).isEqualTo("[2,\"!\"]");
            assertThat(a.poll(300)).as("no echo to the submitter").isNull();

            try (WsClient c = harness.client())
            {
                c.handshake();
                c.send("{\"a\":\"s\",\"c\":\"docs\",\"d\":\"ack1\",\"v\":0}");
                assertThat(c.next().get("v").asLong()).isZero();
                assertThat(c.next().get("v").asLong()).isEqualTo(1);
                final JsonNode bare = c.next();
                assertThat(bare.toString()).isEqualTo("{\"a\":\"s\",\"c\":\"docs\",\"d\":\"ack1\"}");
            }
        }
    }

    @Test
    void errorsEchoTheRequest() throws Exception
    {
        try (WsClient a = harness.client())
        {
            a.handshake();
            a.send("{\"a\":\"op\",\"c\":\"docs\",\"d\":\"reject-me\",\"v\":null,\"seq\":7,\"x\":{}," +
                "\"create\":{\"type\":\"text-unicode\"}}");
            final JsonNode rejected = a.next();
            assertThat(rejected.get("error").get("code").asText()).isEqualTo("ERR_OP_SUBMIT_REJECTED");
            assertThat(rejected.get("seq").asLong()).isEqualTo(7);
            assertThat(rejected.get("create").get("type").asText()).isEqualTo("text-unicode");

            a.send("{\"a\":\"zz\",\"c\":\"docs\"}");
            final JsonNode unknown = a.next();
            assertThat(unknown.get("a").asText()).isEqualTo("zz");
            assertThat(unknown.get("error").get("code").asText()).isEqualTo("ERR_MESSAGE_BADLY_FORMED");

            a.send("{\"a\":\"f\",\"c\":5,\"d\":\"x\"}");
            assertThat(a.next().get("error").get("message").asText()).contains("collection");
            a.send("{\"a\":\"f\",\"c\":\"docs\",\"d\":\"x\",\"v\":-1}");
            assertThat(a.next().get("error").get("message").asText()).contains("version");
            a.send("{\"a\":\"op\",\"c\":\"docs\",\"d\":\"x\",\"v\":1,\"seq\":\"1\",\"op\":[]}");
            assertThat(a.next().get("error").get("message").asText()).contains("seq");
            a.send("{\"a\":\"op\",\"c\":\"docs\",\"d\":\"x\",\"v\":null,\"seq\":1,\"op\":[\"a\"]}");
            assertThat(a.next().get("error").get("code").asText()).isEqualTo("ERR_MESSAGE_BADLY_FORMED");
            a.send("{\"a\":\"s\",\"c\":\"docs\",\"d\":\"" + "x".repeat(300) + "\"}");
            assertThat(a.next().get("error").get("message").asText()).contains("longer than");
            a.send("{\"a\":\"s\",\"c\":\"docs\",\"d\":\"a\\u0001b\"}");
            assertThat(a.next().get("error").get("message").asText()).contains("control");
            a.send("{\"a\":\"s\",\"c\":\"docs\",\"d\":\"reject-sub\",\"v\":3}");
            final JsonNode subRejected = a.next();
            assertThat(subRejected.get("error").get("code").asText()).isEqualTo("ERR_SUBMIT_TRANSFORM_OPS_NOT_FOUND");
            assertThat(subRejected.get("v").asLong()).isEqualTo(3);
            a.send("{\"a\":\"qf\",\"id\":1,\"c\":\"docs\",\"q\":{}}");
            assertThat(a.next().get("id").asInt()).isEqualTo(1);
        }
    }

    @Test
    void loneSurrogateIsRejectedAndNeverReachesTheEngine() throws Exception
    {
        try (WsClient a = harness.client())
        {
            a.handshake();
            final int before = harness.engine.received.size();
            a.send("{\"a\":\"op\",\"c\":\"docs\",\"d\":\"sur\",\"v\":null,\"seq\":1," +
                "\"create\":{\"type\":\"text-unicode\",\"data\":\"a\\ud83db\"}}");
            final JsonNode reply = a.next();
            assertThat(reply.get("error").get("code").asText()).isEqualTo("ERR_MESSAGE_BADLY_FORMED");
            assertThat(reply.get("seq").asLong()).isEqualTo(1);
            assertThat(harness.engine.received.size()).isEqualTo(before);
        }
    }

    @Test
    void unparsableFramesCloseWithAReason() throws Exception
    {
        try (WsClient a = harness.client())
        {
            a.send("{not json");
            assertThat(a.closeCode()).isEqualTo(1007);
        }
        try (WsClient a = harness.client())
        {
            a.send("[1,2,3]");
            assertThat(a.closeCode()).isEqualTo(1007);
        }
        try (WsClient a = harness.client())
        {
            a.sendBinary(new byte[] {1, 2, 3});
            assertThat(a.closeCode()).isEqualTo(1003);
        }
        try (WsClient a = harness.client())
        {
            a.handshake();
            a.send("{\"a\":\"pp\",\"pad\":" + "[".repeat(100) + "]".repeat(100) + "}");
            assertThat(a.closeCode()).isEqualTo(1007);
        }
    }

    @Test
    void bulkSubscribeAggregatesOneReplyAndHoldsOpsUntilItIsSent() throws Exception
    {
        harness.engine.doc("bulk", "b1").exists = true;
        harness.engine.doc("bulk", "b1").text.append("one");
        harness.engine.doc("bulk", "b1").version = 0;
        try (WsClient a = harness.client(); WsClient w = harness.client())
        {
            a.handshake();
            w.handshake();
            w.send("{\"a\":\"op\",\"c\":\"bulk\",\"d\":\"b2\",\"v\":null,\"seq\":1," +
                "\"create\":{\"type\":\"http://sharejs.org/types/text-unicode\",\"data\":\"two\"}}");
            assertThat(w.next().get("v").asLong()).isZero();

            a.send("{\"a\":\"bs\",\"c\":\"bulk\",\"b\":[\"b1\",\"b2\",\"reject-3\",\"b4\"]}");
            final JsonNode reply = a.next();
            assertThat(reply.get("a").asText()).isEqualTo("bs");
            assertThat(reply.has("b")).isFalse();
            final JsonNode data = reply.get("data");
            assertThat(data.get("b2").get("data").asText()).isEqualTo("two");
            assertThat(data.get("b2").get("v").asLong()).isEqualTo(1);
            assertThat(data.get("b4").get("type").isNull()).isTrue();
            assertThat(data.get("reject-3").get("error").get("code").asText())
                .isEqualTo("ERR_SUBMIT_TRANSFORM_OPS_NOT_FOUND");

            w.send("{\"a\":\"op\",\"c\":\"bulk\",\"d\":\"b2\",\"v\":1,\"seq\":2,\"op\":[\"X\"]}");
            w.next();
            final JsonNode op = a.next();
            assertThat(op.get("d").asText()).isEqualTo("b2");
            assertThat(op.get("v").asLong()).isEqualTo(1);

            a.send("{\"a\":\"bs\",\"c\":\"bulk\",\"b\":{\"b2\":1,\"b5\":0}}");
            final JsonNode catchUp = a.next();
            assertThat(catchUp.get("a").asText()).isEqualTo("op");
            assertThat(catchUp.get("d").asText()).isEqualTo("b2");
            final JsonNode versioned = a.next();
            assertThat(versioned.get("a").asText()).isEqualTo("bs");
            assertThat(versioned.get("b").toString()).isEqualTo("{\"b2\":1,\"b5\":0}");

            a.send("{\"a\":\"bu\",\"c\":\"bulk\",\"b\":[\"b2\",\"b4\",\"b5\"]}");
            assertThat(a.next().get("a").asText()).isEqualTo("bu");
            a.send("{\"a\":\"bf\",\"c\":\"bulk\",\"b\":[\"b1\",\"b2\"]}");
            final JsonNode fetched = a.next();
            assertThat(fetched.get("data").get("b1").get("data").asText()).isEqualTo("one");
            assertThat(fetched.get("data").get("b2").get("data").asText()).isEqualTo("Xtwo");
        }
    }

    @Test
    void snapshotChunksAreReassembledAndNfHasTopLevelFields() throws Exception
    {
        final FakeEngine.Doc doc = harness.engine.doc("big", "c1");
        doc.exists = true;
        doc.text.append("hello, chunked world 😀 !");
        doc.version = 3;
        harness.engine.chunkChars = 4;
        try (WsClient a = harness.client())
        {
            a.handshake();
            a.send("{\"a\":\"f\",\"c\":\"big\",\"d\":\"c1\",\"v\":null}");
            final JsonNode reply = a.next();
            assertThat(reply.get("data").get("data").asText()).isEqualTo("hello, chunked world 😀 !");
            assertThat(reply.get("data").get("v").asLong()).isEqualTo(3);
            a.send("{\"a\":\"nf\",\"id\":9,\"c\":\"big\",\"d\":\"c1\",\"v\":3}");
            final JsonNode nf = a.next();
            assertThat(nf.get("a").asText()).isEqualTo("nf");
            assertThat(nf.get("id").asInt()).isEqualTo(9);
            assertThat(nf.get("v").asLong()).isEqualTo(3);
            assertThat(nf.get("type").asText()).isEqualTo("http://sharejs.org/types/text-unicode");
            assertThat(nf.get("data").asText()).startsWith("hello");
            assertThat(nf.has("m")).isTrue();
        }
        finally
        {
            harness.engine.chunkChars = 1 << 20;
        }
    }

    @Test
    void unsubscribeRepliesAndReleasesTheEngineSubscription() throws Exception
    {
        try (WsClient a = harness.client())
        {
            a.handshake();
            a.send("{\"a\":\"s\",\"c\":\"docs\",\"d\":\"unsub\",\"v\":null}");
            a.next();
            a.send("{\"a\":\"s\",\"c\":\"docs\",\"d\":\"unsub\",\"v\":null}");
            a.next();
            assertThat(harness.engine.subscriberCount("docs", "unsub", 1)).isEqualTo(1);
            a.send("{\"a\":\"u\",\"c\":\"docs\",\"d\":\"unsub\"}");
            assertThat(a.next().toString()).isEqualTo("{\"a\":\"u\",\"c\":\"docs\",\"d\":\"unsub\"}");
            waitFor(() -> harness.engine.subscriberCount("docs", "unsub", 1) == 0);
        }
    }

    @Test
    void presenceIsAckedRelayedAndNulledWhenTheConnectionCloses() throws Exception
    {
        try (WsClient a = harness.client(); WsClient b = harness.client())
        {
            final String srcA = a.handshake().get("id").asText();
            b.handshake();
            b.send("{\"a\":\"ps\",\"ch\":\"docs.pres\",\"seq\":1}");
            assertThat(b.next().toString()).isEqualTo("{\"ch\":\"docs.pres\",\"seq\":1,\"a\":\"ps\"}");
            a.send("{\"a\":\"ps\",\"ch\":\"docs.pres\",\"seq\":1}");
            assertThat(a.next().get("a").asText()).isEqualTo("ps");
            assertThat(b.next().toString()).isEqualTo("{\"a\":\"pr\",\"ch\":\"docs.pres\"}");

            a.send("{\"a\":\"p\",\"ch\":\"docs.pres\",\"id\":\"pa\",\"p\":{\"index\":3,\"length\":2,\"color\":\"red\"}," +
                "\"pv\":0,\"c\":\"docs\",\"d\":\"pres\",\"v\":4,\"t\":\"http://sharejs.org/types/text-unicode\"}");
            final JsonNode ack = a.next();
            final JsonNode seen = b.next();
            assertThat(seen).isEqualTo(ack);
            assertThat(ack.get("src").asText()).isEqualTo(srcA);
            assertThat(ack.get("id").asText()).isEqualTo("pa");
            assertThat(ack.get("p").get("index").asInt()).isEqualTo(3);
            assertThat(ack.get("p").get("length").asInt()).isEqualTo(2);
            assertThat(ack.get("p").get("color").asText()).isEqualTo("red");
            assertThat(ack.get("v").asLong()).isEqualTo(4);
            assertThat(ack.get("t").asText()).isEqualTo("http://sharejs.org/types/text-unicode");

            a.send("{\"a\":\"p\",\"ch\":\"docs.pres\",\"id\":\"pb\",\"p\":[1,{\"x\":true}],\"pv\":0," +
                "\"c\":\"docs\",\"d\":\"pres\",\"v\":4}");
            a.next();
            assertThat(b.next().get("p").toString()).isEqualTo("[1,{\"x\":true}]");

            a.send("{\"a\":\"pr\",\"ch\":\"docs.pres\"}");
            assertThat(b.next().get("a").asText()).isEqualTo("pr");
            assertThat(a.poll(200)).as("pr has no reply").isNull();

            a.close();
            final JsonNode gone1 = b.next();
            final JsonNode gone2 = b.next();
            assertThat(gone1.get("p").isNull()).isTrue();
            assertThat(gone2.get("p").isNull()).isTrue();
            assertThat(java.util.Set.of(gone1.get("id").asText(), gone2.get("id").asText()))
                .containsExactlyInAnyOrder("pa", "pb");
            assertThat(gone1.get("v").asLong()).isEqualTo(4);
        }
    }

    @Test
    void healthAndMetricsAreServed() throws Exception
    {
        final HttpClient http = HttpClient.newHttpClient();
        final String base = "http://127.0.0.1:" + harness.edge.port();
        final HttpResponse<String> health = http.send(HttpRequest.newBuilder(URI.create(base + "/healthz")).build(),
            HttpResponse.BodyHandlers.ofString());
        assertThat(health.statusCode()).isEqualTo(200);
        final HttpResponse<String> metrics = http.send(HttpRequest.newBuilder(URI.create(base + "/metrics")).build(),
            HttpResponse.BodyHandlers.ofString());
        assertThat(metrics.statusCode()).isEqualTo(200);
        assertThat(metrics.body()).contains("quire_edge_connections", "quire_edge_ops_received_total",
            "quire_edge_ack_latency_seconds", "quire_edge_engine_heartbeat_age_seconds",
            "quire_edge_outbound_queued_bytes", "quire_edge_subscriptions");
        final HttpResponse<String> missing = http.send(HttpRequest.newBuilder(URI.create(base + "/nope")).build(),
            HttpResponse.BodyHandlers.ofString());
        assertThat(missing.statusCode()).isEqualTo(404);
        final HttpResponse<String> plain = http.send(HttpRequest.newBuilder(URI.create(base + "/ws")).build(),
            HttpResponse.BodyHandlers.ofString());
        assertThat(plain.statusCode()).isEqualTo(400);
    }

    static void waitFor(final java.util.function.BooleanSupplier condition) throws InterruptedException
    {
        final long deadline = System.currentTimeMillis() + 5000;
        while (!condition.getAsBoolean())
        {
            if (System.currentTimeMillis() > deadline)
            {
                throw new AssertionError("condition not met within 5 s");
            }
            Thread.sleep(10);
        }
    }
}
