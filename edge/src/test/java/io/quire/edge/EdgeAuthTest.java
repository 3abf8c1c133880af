package io.quire.edge;

import com.fasterxml.jackson.databind.JsonNode;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.crypto.MACSigner;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.SignedJWT;
import io.quire.common.ConfigException;
import io.quire.common.Settings;
import org.junit.jupiter.api.Test;

import java.net.http.WebSocketHandshakeException;
import java.nio.charset.StandardCharsets;
import java.util.Date;
import java.util.Map;
import java.util.concurrent.ExecutionException;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * Authentication at the edge: HS256 JWTs in the Authorization header or ?token=, refused upgrades (HTTP 401), src ids
 * bound to principals, per-user op limits, and the rule that an unauthenticated edge listens on loopback only.
 */
class EdgeAuthTest
{
    static final String SECRET = "0123456789abcdef0123456789abcdef-test-secret";

    static String token(final String secret, final String subject, final long expiresInSeconds, final String issuer)
        throws Exception
    {
        final JWTClaimsSet.Builder claims = new JWTClaimsSet.Builder()
            .subject(subject)
            .expirationTime(new Date(System.currentTimeMillis() + expiresInSeconds * 1000));
        if (issuer != null)
        {
            claims.issuer(issuer);
        }
        final SignedJWT jwt = new SignedJWT(new JWSHeader(JWSAlgorithm.HS256), claims.build());
        jwt.sign(new MACSigner(secret.getBytes(StandardCharsets.UTF_8)));
        return jwt.serialize();
    }

    private static EdgeHarness authenticated(final Map<String, String> more) throws Exception
    {
        final Map<String, String> options = new java.util.HashMap<>(more);
        options.put("auth.jwt-secret", SECRET);
        options.put("auth.issuer", "quire-test");
        return new EdgeHarness(ctx -> ctx.apply(Settings.defaults("edge", options)));
    }

    @Test
    void upgradesWithoutAValidTokenAreRefusedWith401() throws Exception
    {
        try (EdgeHarness h = authenticated(Map.of()))
        {
            final int port = h.edge.port();
            assertRefused(() -> new WsClient(port));
            assertRefused(() -> new WsClient(port, "?token=garbage", null));
            assertRefused(() -> new WsClient(port, "", token("another-secret-that-is-32-bytes-long!!", "alice", 60,
                "quire-test")));
            assertRefused(() -> new WsClient(port, "", token(SECRET, "alice", -120, "quire-test")));
            assertRefused(() -> new WsClient(port, "", token(SECRET, "alice", 60, "someone-else")));
            assertRefused(() -> new WsClient(port, "", token(SECRET, "", 60, "quire-test")));
            try (WsClient header = new WsClient(port, "", token(SECRET, "alice", 60, "quire-test"));
                WsClient query = new WsClient(port, "?token=" + token(SECRET, "bob", 60, "quire-test"), null))
            {
                assertThat(header.handshake().get("id").asText()).hasSize(32);
                assertThat(query.handshake().get("id").asText()).hasSize(32);
            }
        }
    }

    @Test
    void srcIdsAreBoundToTheirPrincipal() throws Exception
    {
        try (EdgeHarness h = authenticated(Map.of()))
        {
            final int port = h.edge.port();
            try (WsClient alice = new WsClient(port, "", token(SECRET, "alice", 60, "quire-test"));
                WsClient bob = new WsClient(port, "", token(SECRET, "bob", 60, "quire-test"));
                WsClient alice2 = new WsClient(port, "", token(SECRET, "alice", 60, "quire-test")))
            {
                final String aliceSrc = alice.handshake().get("id").asText();
                bob.send("{\"a\":\"hs\",\"id\":\"" + aliceSrc + "\",\"protocol\":1,\"protocolMinor\":2}");
                final String bobSrc = bob.next().get("id").asText();
                assertThat(bobSrc).isNotEqualTo(aliceSrc);
                alice2.send("{\"a\":\"hs\",\"id\":\"" + aliceSrc + "\",\"protocol\":1,\"protocolMinor\":2}");
                assertThat(alice2.next().get("id").asText()).as("the same user may resume its src").isEqualTo(aliceSrc);

                bob.send("{\"a\":\"op\",\"c\":\"c\",\"d\":\"d\",\"v\":3,\"src\":\"" + aliceSrc +
                    "\",\"seq\":7,\"op\":[\"x\"]}");
                final JsonNode refused = bob.next();
                assertThat(refused.get("error").get("code").asText()).isEqualTo("ERR_FORBIDDEN");
                assertThat(refused.get("seq").asLong()).isEqualTo(7);
                bob.send("{\"a\":\"hs\",\"id\":\"00000000000000000000000000000000\",\"protocol\":1}");
                assertThat(bob.next().get("id").asText()).isEqualTo(bobSrc);
            }
        }
    }

    @Test
    void opsAreLimitedPerUserAcrossConnections() throws Exception
    {
        try (EdgeHarness h = authenticated(Map.of("user.op.rate", "1", "user.op.burst", "2")))
        {
            final int port = h.edge.port();
            final String alice = token(SECRET, "alice", 60, "quire-test");
            try (WsClient a = new WsClient(port, "", alice); WsClient b = new WsClient(port, "", alice);
                WsClient c = new WsClient(port, "", token(SECRET, "carol", 60, "quire-test")))
            {
                a.handshake();
                b.handshake();
                c.handshake();
                a.send("{\"a\":\"op\",\"c\":\"u\",\"d\":\"a\",\"v\":null,\"seq\":1,\"create\":{\"type\":\"text-unicode\"}}");
                assertThat(a.next().has("error")).isFalse();
                b.send("{\"a\":\"op\",\"c\":\"u\",\"d\":\"b\",\"v\":null,\"seq\":1,\"create\":{\"type\":\"text-unicode\"}}");
                assertThat(b.next().has("error")).isFalse();
                b.send("{\"a\":\"op\",\"c\":\"u\",\"d\":\"b\",\"v\":1,\"seq\":2,\"op\":[\"x\"]}");
                final JsonNode limited = b.next();
                assertThat(limited.get("error").get("code").asText()).isEqualTo("ERR_OVERLOADED");
                assertThat(limited.get("error").get("message").asText()).contains("this user");
                c.send("{\"a\":\"op\",\"c\":\"u\",\"d\":\"c\",\"v\":null,\"seq\":1,\"create\":{\"type\":\"text-unicode\"}}");
                assertThat(c.next().has("error")).as("other users have their own budget").isFalse();
            }
        }
    }

    @Test
    void withoutAuthenticationOnlyLoopbackUnlessInsecure()
    {
        assertThatThrownBy(() -> new EdgeContext().host("0.0.0.0").conclude())
            .isInstanceOf(ConfigException.class)
            .hasMessageContaining("without authentication")
            .hasMessageContaining("--insecure");
        new EdgeContext().host("0.0.0.0").insecure(true).conclude();
        new EdgeContext().host("0.0.0.0").jwtSecret(SECRET).conclude();
        new EdgeContext().host("localhost").conclude();
        new EdgeContext().host("127.0.0.2").conclude();
        new EdgeContext().host("::1").conclude();
        assertThatThrownBy(() -> new EdgeContext().jwtSecret("short").conclude())
            .isInstanceOf(ConfigException.class).hasMessageContaining("32 bytes");
        assertThat(new EdgeContext().apply(Settings.defaults("edge", Map.of("insecure", "true", "host", "0.0.0.0")))
            .conclude().insecure()).isTrue();
    }

    private interface Opener
    {
        WsClient open() throws Exception;
    }

    private static void assertRefused(final Opener opener)
    {
        assertThatThrownBy(opener::open)
            .isInstanceOf(ExecutionException.class)
            .cause().isInstanceOfSatisfying(WebSocketHandshakeException.class,
                ex ->
                {
                    assertThat(ex.getResponse().statusCode()).isEqualTo(401);
                    assertThat(ex.getResponse().headers().firstValue("WWW-Authenticate")).hasValue("Bearer");
                });
    }
}
