package io.quire.server;

import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.crypto.MACSigner;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.SignedJWT;
import io.quire.common.Settings;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Date;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The real npm {@code sharedb} client against the all-in-one server with JWT authentication, so the engine enforces
 * document roles: viewers read but their ops are refused and rolled back, strangers cannot subscribe, owners grant
 * over the HTTP ACL API, invalid tokens never open a socket; and a flood of hostile frames from several sockets does
 * not disturb a well-behaved client.
 */
class AuthRealClientSystemTest
{
    private static final String SECRET = "real-client-test-secret-of-at-least-32-bytes";

    @TempDir
    static Path data;
    private static QuireServer server;

    @BeforeAll
    static void start() throws Exception
    {
        server = QuireServer.start(Settings.defaults("engine", Map.of()),
            // The good client of the flood test submits op after op for as long as the flood lasts: on a fast machine
            // that is more than a user's default 200 ops/s (burst 400), which would refuse its ops for a reason that is
            // not the flood's.
            Settings.defaults("edge", Map.of("op.rate", "1000", "op.burst", "1000", "user.op.rate", "1000",
                "user.op.burst", "1000", "auth.jwt-secret", SECRET)),
            "127.0.0.1", 0, data);
    }

    @AfterAll
    static void stop()
    {
        if (server != null)
        {
            server.close();
        }
    }

    static String token(final String subject) throws Exception
    {
        final SignedJWT jwt = new SignedJWT(new JWSHeader(JWSAlgorithm.HS256), new JWTClaimsSet.Builder()
            .subject(subject)
            .expirationTime(new Date(System.currentTimeMillis() + 600_000))
            .build());
        jwt.sign(new MACSigner(SECRET.getBytes(StandardCharsets.UTF_8)));
        return jwt.serialize();
    }

    @Test
    void viewersReadStrangersAreRefusedOwnersGrant() throws Exception
    {
        assertThat(server.engine().context().aclEnforced()).isTrue();
        assertThat(NodeRun.run(120, "sharedb-permissions.js", server.wsUrl(), token("alice"), token("bob"),
            token("carol"))).contains("\"ok\":true", "\"invalidToken\":\"http 401\"");
    }

    @Test
    void aHostileFloodLeavesAWellBehavedClientUntouched() throws Exception
    {
        final String out = NodeRun.run(150, "hostile-flood.js", server.wsUrl(), token("alice"), token("mallory"),
            "20000");
        System.out.println("hostile flood: " + out.trim());
        assertThat(out).contains("\"ok\":true");
        assertThat(server.edge().isHealthy()).isTrue();
    }
}
