package io.quire.edge;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * {@code GET /api/docs/{c}/{id}/history} over a real Undertow and a real Aeron link to a {@link FakeEngine}: the
 * request the engine gets, the JSON the client gets, paging, percent-encoded ids and every error status.
 */
class DocumentApiTest
{
    private static final ObjectMapper JSON = new ObjectMapper();
    private static EdgeHarness harness;
    private static final HttpClient HTTP = HttpClient.newHttpClient();

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

    private static HttpResponse<String> get(final String path) throws Exception
    {
        return HTTP.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + harness.edge.port() + path)).build(),
            HttpResponse.BodyHandlers.ofString());
    }

    private static void createWithEdits(final String id) throws Exception
    {
        try (WsClient a = harness.client())
        {
            a.handshake();
            final String d = JSON.writeValueAsString(id);
            a.send("{\"a\":\"op\",\"c\":\"docs\",\"d\":" + d + ",\"v\":null,\"seq\":1,\"x\":{}," +
                "\"create\":{\"type\":\"text-unicode\",\"data\":\"héllo\"}}");
            assertThat(a.next().get("v").asLong()).isZero();
            a.send("{\"a\":\"op\",\"c\":\"docs\",\"d\":" + d + ",\"v\":1,\"seq\":2,\"x\":{},\"op\":[5,\" 😀\"]}");
            assertThat(a.next().get("v").asLong()).isEqualTo(1);
            a.send("{\"a\":\"op\",\"c\":\"docs\",\"d\":" + d + ",\"v\":2,\"seq\":3,\"x\":{},\"op\":[1,{\"d\":2}]}");
            assertThat(a.next().get("v").asLong()).isEqualTo(2);
        }
    }

    @Test
    void listsEveryVersionWithTimeAuthorSourceKindAndSize() throws Exception
    {
        createWithEdits("hist1");
        final HttpResponse<String> r = get("/api/docs/docs/hist1/history");
        assertThat(r.statusCode()).isEqualTo(200);
        assertThat(r.headers().firstValue("Content-Type")).hasValue("application/json; charset=utf-8");
        assertThat(r.headers().firstValue("Cache-Control")).hasValue("no-store");
        assertThat(r.headers().firstValue("X-Quire-Version")).hasValue("3");
        final JsonNode list = JSON.readTree(r.body());
        assertThat(list.size()).isEqualTo(3);
        assertThat(list.get(0).toString()).isEqualTo(
            "{\"v\":0,\"time\":1700000000000,\"author\":\"alice\",\"src\":" + list.get(0).get("src") +
            ",\"kind\":\"create\",\"ins\":5,\"del\":0}");
        assertThat(list.get(0).get("src").asText()).matches("[0-9a-f]{32}");
        assertThat(list.get(1).get("kind").asText()).isEqualTo("edit");
        assertThat(list.get(1).get("ins").asLong()).isEqualTo(2);
        assertThat(list.get(1).get("author").isNull()).isTrue();
        assertThat(list.get(2).get("del").asLong()).isEqualTo(2);
        assertThat(list.get(2).get("time").asLong()).isEqualTo(1700000000002L);
        assertThat(harness.engine.received).contains("history hist1 from=-1 max=50 principal=");
    }

    @Test
    void pagesFromAVersionAndBoundsTheLimit() throws Exception
    {
        createWithEdits("hist2");
        final HttpResponse<String> r = get("/api/docs/docs/hist2/history?from=1&limit=1");
        assertThat(r.statusCode()).isEqualTo(200);
        final JsonNode list = JSON.readTree(r.body());
        assertThat(list.size()).isEqualTo(1);
        assertThat(list.get(0).get("v").asLong()).isEqualTo(1);
        assertThat(JSON.readTree(get("/api/docs/docs/hist2/history?from=9").body()).size()).isZero();
        assertThat(get("/api/docs/docs/hist2/history?limit=" + DocumentApi.MAX_LIMIT).statusCode()).isEqualTo(200);
        assertThat(harness.engine.received).contains("history hist2 from=1 max=1 principal=",
            "history hist2 from=-1 max=" + DocumentApi.MAX_LIMIT + " principal=");
    }

    @Test
    void idsArePercentDecodedFromTheRawPath() throws Exception
    {
        createWithEdits("a/b ü");
        final HttpResponse<String> r = get("/api/docs/docs/a%2Fb%20%C3%BC/history");
        assertThat(r.statusCode()).isEqualTo(200);
        assertThat(JSON.readTree(r.body()).size()).isEqualTo(3);
        assertThat(DocumentApi.pathSegments("/api/docs/c/%FF/history")).isNull();
        assertThat(DocumentApi.pathSegments("/api/docs/c/%2/history")).isNull();
        assertThat(DocumentApi.pathSegments("http://host:1/api/docs/c/x%20y/history"))
            .containsExactly("c", "x y", "history");
    }

    @Test
    void badRequestsGetJsonErrorsWithShareDbCodes() throws Exception
    {
        for (final String query : new String[] {"limit=0", "limit=" + (DocumentApi.MAX_LIMIT + 1), "from=-1",
            "from=x", "limit=1.5"})
        {
            final HttpResponse<String> r = get("/api/docs/docs/any/history?" + query);
            assertThat(r.statusCode()).as(query).isEqualTo(400);
            assertThat(JSON.readTree(r.body()).get("error").get("code").asText()).isEqualTo("ERR_MESSAGE_BADLY_FORMED");
        }
        assertThat(get("/api/docs/docs/any/versions").statusCode()).isEqualTo(404);
        assertThat(get("/api/docs/docs/history").statusCode()).isEqualTo(404);
        assertThat(get("/api/docs/docs/%01/history").statusCode()).isEqualTo(400);
        final HttpResponse<String> post = HTTP.send(HttpRequest.newBuilder(
            URI.create("http://127.0.0.1:" + harness.edge.port() + "/api/docs/docs/any/history"))
            .POST(HttpRequest.BodyPublishers.noBody()).build(), HttpResponse.BodyHandlers.ofString());
        assertThat(post.statusCode()).isEqualTo(405);
    }

    @Test
    void anEngineRefusalBecomesAStatusWithItsCode() throws Exception
    {
        final HttpResponse<String> r = get("/api/docs/docs/gone1/history");
        assertThat(r.statusCode()).isEqualTo(410);
        final JsonNode error = JSON.readTree(r.body()).get("error");
        assertThat(error.get("code").asText()).isEqualTo("ERR_SUBMIT_TRANSFORM_OPS_NOT_FOUND");
        assertThat(error.get("message").asText()).isEqualTo("trimmed");
    }

    @Test
    void theRoleFollowsTheAccessPolicy() throws Exception
    {
        final HttpResponse<String> r = get("/api/docs/docs/any/role");
        assertThat(r.statusCode()).isEqualTo(200);
        assertThat(r.body()).isEqualTo("{\"role\":\"editor\"}");
        try (EdgeHarness readOnly = new EdgeHarness(ctx -> ctx.accessPolicy(new AccessPolicy()
        {
            @Override
            public boolean mayRead(final String principal, final String collection, final String docId)
            {
                return !"secret".equals(docId);
            }

            @Override
            public boolean mayWrite(final String principal, final String collection, final String docId)
            {
                return false;
            }
        })))
        {
            final String base = "http://127.0.0.1:" + readOnly.edge.port() + "/api/docs/docs/";
            final HttpResponse<String> viewer = HTTP.send(HttpRequest.newBuilder(URI.create(base + "open/role")).build(),
                HttpResponse.BodyHandlers.ofString());
            assertThat(viewer.body()).isEqualTo("{\"role\":\"viewer\"}");
            for (final String path : new String[] {"secret/role", "secret/history"})
            {
                final HttpResponse<String> refused = HTTP.send(HttpRequest.newBuilder(URI.create(base + path)).build(),
                    HttpResponse.BodyHandlers.ofString());
                assertThat(refused.statusCode()).isEqualTo(403);
                assertThat(refused.body()).contains("ERR_FORBIDDEN");
            }
        }
    }

    @Test
    void aMissingDocumentHasAnEmptyHistoryAtVersionZero() throws Exception
    {
        final HttpResponse<String> r = get("/api/docs/docs/never/history");
        assertThat(r.statusCode()).isEqualTo(200);
        assertThat(r.body()).isEqualTo("[]");
        assertThat(r.headers().firstValue("X-Quire-Version")).hasValue("0");
    }
}
