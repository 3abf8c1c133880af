package io.quire.edge;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayInputStream;
import java.net.URI;
import java.net.URL;
import java.net.URLClassLoader;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.zip.GZIPInputStream;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The page and its assets as a browser gets them from a real edge: content types, caching (revalidated page with a
 * strong ETag, immutable hashed assets), gzip, the page's security headers, and what happens without a built app.
 */
class WebAssetsTest
{
    private static final HttpClient HTTP = HttpClient.newHttpClient();

    @TempDir
    Path dir;
    private EdgeHarness harness;

    @AfterEach
    void stop()
    {
        if (harness != null)
        {
            harness.close();
        }
    }

    private void start(final ClassLoader loader) throws Exception
    {
        harness = new EdgeHarness(ctx -> ctx.otherPaths(WebAssets.fromClasspath(loader)));
    }

    private HttpResponse<byte[]> get(final String path, final String... headers) throws Exception
    {
        final HttpRequest.Builder b = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + harness.edge.port() + path));
        if (headers.length > 0)
        {
            b.headers(headers);
        }
        return HTTP.send(b.build(), HttpResponse.BodyHandlers.ofByteArray());
    }

    private ClassLoader builtApp() throws Exception
    {
        final Path web = Files.createDirectories(dir.resolve(WebAssets.ROOT).resolve("assets"));
        Files.writeString(web.getParent().resolve("index.html"), "<!doctype html><title>Quire</title>");
        Files.writeString(web.resolve("app-1a2b3c.js"), "console.log('quire');\n".repeat(200));
        Files.writeString(web.getParent().resolve("files.txt"), "index.html\nassets/app-1a2b3c.js\n");
        return new URLClassLoader(new URL[] {dir.toUri().toURL()}, null);
    }

    @Test
    void thePageIsRevalidatedWithAnEtagAndCarriesItsSecurityHeaders() throws Exception
    {
        start(builtApp());
        final HttpResponse<byte[]> page = get("/");
        assertThat(page.statusCode()).isEqualTo(200);
        assertThat(new String(page.body(), StandardCharsets.UTF_8)).contains("<title>Quire</title>");
        assertThat(page.headers().firstValue("Content-Type")).hasValue("text/html; charset=utf-8");
        assertThat(page.headers().firstValue("Cache-Control")).hasValue("no-cache");
        assertThat(page.headers().firstValue("X-Content-Type-Options")).hasValue("nosniff");
        assertThat(page.headers().firstValue("Content-Security-Policy").orElseThrow())
            .contains("default-src 'self'", "connect-src 'self'", "frame-ancestors 'none'");
        final String etag = page.headers().firstValue("ETag").orElseThrow();
        assertThat(etag).matches("\"[0-9a-f]{32}\"");
        assertThat(get("/", "If-None-Match", etag).statusCode()).isEqualTo(304);
        assertThat(get("/index.html").statusCode()).isEqualTo(200);
    }

    @Test
    void hashedAssetsAreImmutableAndGzippedWhenAccepted() throws Exception
    {
        start(builtApp());
        final HttpResponse<byte[]> plain = get("/assets/app-1a2b3c.js");
        assertThat(plain.statusCode()).isEqualTo(200);
        assertThat(plain.headers().firstValue("Content-Type")).hasValue("text/javascript; charset=utf-8");
        assertThat(plain.headers().firstValue("Cache-Control")).hasValue("public, max-age=31536000, immutable");
        assertThat(plain.headers().firstValue("Content-Encoding")).isEmpty();
        final HttpResponse<byte[]> zipped = get("/assets/app-1a2b3c.js", "Accept-Encoding", "gzip, deflate");
        assertThat(zipped.headers().firstValue("Content-Encoding")).hasValue("gzip");
        assertThat(zipped.body().length).isLessThan(plain.body().length / 4);
        assertThat(new GZIPInputStream(new ByteArrayInputStream(zipped.body())).readAllBytes())
            .isEqualTo(plain.body());
        assertThat(get("/assets/other.js").statusCode()).isEqualTo(404);
        final HttpResponse<byte[]> post = HTTP.send(HttpRequest.newBuilder(
            URI.create("http://127.0.0.1:" + harness.edge.port() + "/")).POST(HttpRequest.BodyPublishers.noBody())
            .build(), HttpResponse.BodyHandlers.ofByteArray());
        assertThat(post.statusCode()).isEqualTo(405);
    }

    @Test
    void withoutABuiltAppThePageExplainsItself() throws Exception
    {
        start(new URLClassLoader(new URL[0], null));
        final HttpResponse<byte[]> page = get("/");
        assertThat(page.statusCode()).isEqualTo(503);
        assertThat(new String(page.body(), StandardCharsets.UTF_8)).contains("not built");
        assertThat(get("/anything").statusCode()).isEqualTo(404);
    }

    @Test
    void theEdgeServesTheAppTheBuildPutOnItsClasspath() throws Exception
    {
        harness = new EdgeHarness(ctx -> { });
        final HttpResponse<byte[]> page = get("/");
        assertThat(page.statusCode()).as("the Maven build bundles edge/src/main/web into the edge's classes")
            .isEqualTo(200);
        assertThat(new String(page.body(), StandardCharsets.UTF_8)).contains("<script", "/assets/main-");
    }
}
