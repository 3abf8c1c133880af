package io.quire.edge;

import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.SignedJWT;
import io.quire.common.Settings;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * {@code scripts/quire token}: the tokens it prints are accepted by a real edge configured with the same secret (the
 * WebSocket upgrade with {@code ?token=}, the HTTP API with {@code Authorization: Bearer}), carry the edge's issuer and
 * audience and the asked lifetime; bad input is a usage error (exit 2) with a message, and prints no token.
 */
class TokenCommandTest
{
    private static final String SECRET = "token-command-test-secret-0123456789abcdef";

    @TempDir
    Path dir;

    private record Run(int code, String out, String err)
    {
    }

    private static Run run(final String... args)
    {
        final StringWriter out = new StringWriter();
        final StringWriter err = new StringWriter();
        final int code = new CommandLine(new TokenCommand())
            .setOut(new PrintWriter(out, true))
            .setErr(new PrintWriter(err, true))
            .execute(args);
        return new Run(code, out.toString().trim(), err.toString());
    }

    @Test
    void theEdgeAcceptsATokenItMints() throws Exception
    {
        final Path secret = Files.writeString(dir.resolve("secret"), SECRET + "\n");
        final Path config = Files.writeString(dir.resolve("edge.properties"),
            "quire.edge.auth.issuer=quire-ops\nquire.edge.auth.audience=quire-web\n");
        final Run minted = run("--user", "alice", "--secret-file", secret.toString(), "--ttl", "90m",
            "--config", config.toString());
        assertThat(minted.code()).as(minted.err()).isZero();
        assertThat(minted.err()).isEmpty();
        final String token = minted.out();

        final JWTClaimsSet claims = SignedJWT.parse(token).getJWTClaimsSet();
        assertThat(claims.getSubject()).isEqualTo("alice");
        assertThat(claims.getIssuer()).isEqualTo("quire-ops");
        assertThat(claims.getAudience()).containsExactly("quire-web");
        assertThat(claims.getExpirationTime().getTime() - claims.getIssueTime().getTime()).isEqualTo(90 * 60_000L);

        try (EdgeHarness h = new EdgeHarness(ctx -> ctx.apply(Settings.defaults("edge", Map.of(
            "auth.jwt-secret-file", secret.toString(), "auth.issuer", "quire-ops", "auth.audience", "quire-web")))))
        {
            try (WsClient socket = new WsClient(h.edge.port(), "?token=" + token, null))
            {
                assertThat(socket.handshake().get("id").asText()).hasSize(32);
            }
            final HttpResponse<String> history = HttpClient.newHttpClient().send(HttpRequest.newBuilder(
                URI.create("http://127.0.0.1:" + h.edge.port() + "/api/docs/docs/minted/history"))
                .header("Authorization", "Bearer " + token).build(), HttpResponse.BodyHandlers.ofString());
            assertThat(history.statusCode()).isEqualTo(200);
            assertThat(h.engine.received).contains("history minted from=-1 max=50 principal=alice");

            final String otherIssuer = run("--user", "alice", "--secret-file", secret.toString(), "--issuer", "else")
                .out();
            assertThat(new JwtAuthenticator(SECRET.getBytes(java.nio.charset.StandardCharsets.UTF_8), "quire-ops",
                "quire-web", 0, 256).principal(otherIssuer)).as("a token for another issuer").isNull();
        }
    }

    @Test
    void badInputIsAUsageErrorWithAMessageAndNoToken() throws Exception
    {
        final Path secret = Files.writeString(dir.resolve("secret"), SECRET);
        final Path shortSecret = Files.writeString(dir.resolve("short"), "too-short");
        final List<List<String>> cases = List.of(
            List.of("--secret-file", secret.toString()),
            List.of("--user", "", "--secret-file", secret.toString()),
            List.of("--user", "a\u0001b", "--secret-file", secret.toString()),
            List.of("--user", "a\ud800", "--secret-file", secret.toString()),
            List.of("--user", "x".repeat(257), "--secret-file", secret.toString()),
            List.of("--user", "alice", "--secret-file", shortSecret.toString()),
            List.of("--user", "alice", "--secret-file", dir.resolve("missing").toString()),
            List.of("--user", "alice", "--secret-file", secret.toString(), "--ttl", "1y"),
            List.of("--user", "alice", "--secret-file", secret.toString(), "--ttl", "0s"),
            List.of("--user", "alice", "--secret-file", secret.toString(), "--ttl", "367d"),
            List.of("--user", "alice", "--secret-file", secret.toString(), "--ttl", "-1h"));
        for (final List<String> args : cases)
        {
            final Run r = run(args.toArray(new String[0]));
            assertThat(r.code()).as(args.toString()).isEqualTo(2);
            assertThat(r.out()).as(args.toString()).isEmpty();
            assertThat(r.err()).as(args.toString()).isNotBlank();
        }
        assertThat(run("--user", "alice", "--secret-file", shortSecret.toString()).err())
            .contains("at least 32");
        assertThat(run("--user", "émile 😀", "--secret-file", secret.toString(), "--ttl", "7d").code()).isZero();
    }
}
