package io.quire.edge;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.quire.codec.protocol.AclRole;
import io.quire.common.Settings;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The document API ({@code /history}, {@code /role}) on an edge with JWT authentication, over a real Undertow and a
 * real Aeron link to a {@link FakeEngine}: requests without a valid token are refused 401 like the WebSocket upgrade,
 * the token may come in the header or the query, the principal reaches the engine, and the role is the one the
 * document's ACL in the engine gives (not the edge's access policy).
 */
class DocumentApiAuthTest
{
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final HttpClient HTTP = HttpClient.newHttpClient();
    private static EdgeHarness harness;

    @BeforeAll
    static void start() throws Exception
    {
        harness = new EdgeHarness(ctx -> ctx.apply(Settings.defaults("edge",
            Map.of("auth.jwt-secret", EdgeAuthTest.SECRET))));
        harness.engine.role("docs", "plan", "alice", AclRole.OWNER);
        harness.engine.role("docs", "plan", "bob", AclRole.EDITOR);
        harness.engine.role("docs", "plan", "victor", AclRole.VIEWER);
    }

    @AfterAll
    static void stop()
    {
        harness.close();
    }

    private static String token(final String subject) throws Exception
    {
        return EdgeAuthTest.token(EdgeAuthTest.SECRET, subject, 600, null);
    }

    private static HttpResponse<String> get(final String path, final String bearer) throws Exception
    {
        final HttpRequest.Builder request =
            HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + harness.edge.port() + path));
        if (bearer != null)
        {
            request.header("Authorization", "Bearer " + bearer);
        }
        return HTTP.send(request.build(), HttpResponse.BodyHandlers.ofString());
    }

    private static String role(final HttpResponse<String> r) throws Exception
    {
        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        return JSON.readTree(r.body()).get("role").asText();
    }

    @Test
    void withoutAValidTokenTheApiAnswers401() throws Exception
    {
        final String other = EdgeAuthTest.token("another-secret-of-at-least-32-bytes-long", "alice", 600, null);
        final String expired = EdgeAuthTest.token(EdgeAuthTest.SECRET, "alice", -3600, null);
        for (final String path : new String[] {"/api/docs/docs/sealed/history", "/api/docs/docs/sealed/role"})
        {
            for (final String bad : new String[] {null, "garbage", other, expired})
            {
                final HttpResponse<String> r = get(path, bad);
                assertThat(r.statusCode()).as(path + " with " + bad).isEqualTo(401);
                assertThat(r.headers().firstValue("WWW-Authenticate")).hasValue("Bearer");
                assertThat(JSON.readTree(r.body()).get("error").get("code").asText()).isEqualTo("ERR_UNAUTHENTICATED");
            }
            assertThat(get(path + "?token=garbage", null).statusCode()).isEqualTo(401);
        }
        assertThat(harness.engine.received).as("nothing reached the engine").noneMatch(m -> m.contains("sealed"));
    }

    @Test
    void theRoleIsTheOneTheDocumentsAclGives() throws Exception
    {
        assertThat(role(get("/api/docs/docs/plan/role", token("alice")))).isEqualTo("owner");
        assertThat(role(get("/api/docs/docs/plan/role", token("bob")))).isEqualTo("editor");
        assertThat(role(get("/api/docs/docs/plan/role?token=" + token("victor"), null))).isEqualTo("viewer");
        assertThat(harness.engine.received).contains("acl GET plan principal=victor");

        final HttpResponse<String> stranger = get("/api/docs/docs/plan/role", token("mallory"));
        assertThat(stranger.statusCode()).isEqualTo(403);
        assertThat(JSON.readTree(stranger.body()).get("error").get("code").asText()).isEqualTo("ERR_FORBIDDEN");

        final HttpResponse<String> fresh = get("/api/docs/docs/nobody-created-this/role", token("mallory"));
        assertThat(fresh.statusCode()).as("a document nobody created: whoever creates it owns it").isEqualTo(404);
        assertThat(JSON.readTree(fresh.body()).get("error").get("code").asText()).isEqualTo("ERR_DOC_DOES_NOT_EXIST");
    }

    @Test
    void theHistoryCarriesThePrincipalToTheEngine() throws Exception
    {
        final HttpResponse<String> header = get("/api/docs/docs/h1/history", token("carol"));
        assertThat(header.statusCode()).isEqualTo(200);
        final HttpResponse<String> query = get("/api/docs/docs/h1/history?limit=5&token=" + token("dave"), null);
        assertThat(query.statusCode()).isEqualTo(200);
        final JsonNode list = JSON.readTree(query.body());
        assertThat(list.isArray()).isTrue();
        assertThat(harness.engine.received).contains("history h1 from=-1 max=50 principal=carol",
            "history h1 from=-1 max=5 principal=dave");
    }
}
