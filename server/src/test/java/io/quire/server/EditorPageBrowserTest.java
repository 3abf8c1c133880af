package io.quire.server;

import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.crypto.MACSigner;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.SignedJWT;
import io.quire.common.Settings;
import io.quire.test.NodeTools;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Date;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The editor page at {@code /} in a real headless Chromium (Debian's {@code /usr/bin/chromium}, driven by
 * playwright-core from {@code node/browser-editor.js}; never a downloaded browser) against the real all-in-one server
 * started in this JVM on 127.0.0.1 with a free port. Each scenario is one node run that exits 0 on success; on failure
 * its output is printed and screenshots of every page are in {@code server/target/screenshots/}. Every wait is bounded.
 */
class EditorPageBrowserTest
{
    private static final long SCRIPT_TIMEOUT_S = 110;
    private static final Path CHROMIUM = Path.of(System.getenv().getOrDefault("QUIRE_CHROMIUM", "/usr/bin/chromium"));

    @TempDir
    static Path data;
    private static QuireServer server;

    @BeforeAll
    static void start() throws Exception
    {
        assertThat(Files.isExecutable(CHROMIUM))
            .as("headless Chromium at " + CHROMIUM + " (Debian: apt-get install -y chromium; .ci/run installs it)")
            .isTrue();
        server = QuireServer.start(Settings.defaults("engine", Map.of()),
            Settings.defaults("edge", Map.of("op.rate", "1000", "op.burst", "1000")), "127.0.0.1", 0, data);
    }

    @AfterAll
    static void stop()
    {
        if (server != null)
        {
            server.close();
        }
    }

    private static String browser(final String scenario, final String... extra) throws Exception
    {
        return browser(server, scenario, extra);
    }

    private static String browser(final QuireServer target, final String scenario, final String... extra)
        throws Exception
    {
        final Path shots = Path.of("target", "screenshots").toAbsolutePath();
        final String[] args = new String[3 + extra.length];
        args[0] = target.httpUrl();
        args[1] = scenario;
        args[2] = shots.toString();
        System.arraycopy(extra, 0, args, 3, extra.length);
        final Process process = NodeTools.node("browser-editor.js", args).redirectErrorStream(true).start();
        final ByteArrayOutputStream output = new ByteArrayOutputStream();
        final Thread pump = new Thread(() ->
        {
            try (InputStream in = process.getInputStream())
            {
                in.transferTo(output);
            }
            catch (final java.io.IOException ignored)
            {
                // the process died; its exit code tells
            }
        });
        pump.start();
        final boolean finished = process.waitFor(SCRIPT_TIMEOUT_S, TimeUnit.SECONDS);
        if (!finished)
        {
            process.descendants().forEach(ProcessHandle::destroyForcibly);
            process.destroyForcibly();
        }
        pump.join(5000);
        final String text = output.toString(StandardCharsets.UTF_8);
        if (!finished || process.exitValue() != 0)
        {
            System.out.println("---- browser " + scenario + " output (screenshots in " + shots + ") ----\n" + text +
                "---- end ----");
        }
        assertThat(finished).as(scenario + " finished in " + SCRIPT_TIMEOUT_S + " s").isTrue();
        assertThat(process.exitValue()).as(scenario + " exit code; output:\n" + text).isZero();
        return text;
    }

    @Test
    void twoPagesTypingConcurrentlyConverge() throws Exception
    {
        assertThat(browser("converge")).contains("\"ok\":true");
    }

    @Test
    void aPageThatWentOfflineBuffersItsEditsAndConvergesWhenBack() throws Exception
    {
        assertThat(browser("offline")).contains("\"ok\":true", "local edits buffered");
    }

    @Test
    void cursorsAndSelectionsFromOnePageAppearInTheOtherWithNames() throws Exception
    {
        assertThat(browser("cursors")).contains("\"ok\":true");
    }

    @Test
    void historyListsVersionsAndAPastVersionIsViewedAndRestored() throws Exception
    {
        assertThat(browser("history")).contains("\"ok\":true");
    }

    @Test
    void aServerStatedViewerRoleOpensThePageReadOnly() throws Exception
    {
        assertThat(browser("readonly-role")).contains("\"ok\":true");
    }

    /**
     * A server with JWT authentication (so the engine enforces roles): Olivia's page (her token in its URL) creates a
     * document and types, she makes Victor a viewer over the ACL API, and Victor's page opens read-only from his role,
     * sees her edits, and his typing changes nothing and sends nothing the server would refuse; pages of a user without
     * a role and without a token say so.
     */
    @Test
    void withAuthenticationAViewerPageIsReadOnlyAndSeesTheOwnersEdits(@TempDir final Path authData) throws Exception
    {
        final String secret = "browser-test-secret-of-at-least-32-bytes";
        try (QuireServer authServer = QuireServer.start(Settings.defaults("engine", Map.of()),
            Settings.defaults("edge", Map.of("op.rate", "1000", "op.burst", "1000", "auth.jwt-secret", secret)),
            "127.0.0.1", 0, authData))
        {
            assertThat(authServer.engine().context().aclEnforced()).isTrue();
            assertThat(browser(authServer, "viewer", token(secret, "olivia"), token(secret, "victor"),
                token(secret, "mallory")))
                .contains("\"ok\":true");
        }
    }

    private static String token(final String secret, final String subject) throws Exception
    {
        final SignedJWT jwt = new SignedJWT(new JWSHeader(JWSAlgorithm.HS256), new JWTClaimsSet.Builder()
            .subject(subject)
            .expirationTime(new Date(System.currentTimeMillis() + 600_000))
            .build());
        jwt.sign(new MACSigner(secret.getBytes(StandardCharsets.UTF_8)));
        return jwt.serialize();
    }
}
