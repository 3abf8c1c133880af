package io.quire.edge;

import io.undertow.server.HttpHandler;
import io.undertow.server.HttpServerExchange;
import io.undertow.util.Headers;
import io.undertow.util.HttpString;
import io.undertow.util.Methods;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.Locale;
import java.util.Map;
import java.util.zip.GZIPOutputStream;

/**
 * The collaborative editor page and its assets, served from the classpath ({@value #ROOT}, where the Maven build
 * puts the bundle that {@code edge/src/main/web} builds). The build lists the files in {@value #ROOT}files.txt; they
 * are read once, at start, with a gzip copy of each larger one.
 * <p>
 * Caching: {@code /} (the page) must be revalidated on every load ({@code no-cache} plus a strong ETag, answered 304
 * when unchanged); files under {@code /assets/} carry a content hash in their names and are immutable for a year.
 * Anything else is 404. Without a built bundle (a build that skipped the web app) {@code /} explains that with 503.
 */
public final class WebAssets implements HttpHandler
{
    /** Classpath folder of the built web app. */
    public static final String ROOT = "quire/web/";

    private static final int GZIP_MIN_BYTES = 1024;
    private static final String IMMUTABLE = "public, max-age=31536000, immutable";
    private static final String REVALIDATE = "no-cache";
    private static final String PAGE_POLICY = "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; " +
        "connect-src 'self'; img-src 'self' data:; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";
    private static final HttpString NOSNIFF = new HttpString("X-Content-Type-Options");
    private static final HttpString CSP = new HttpString("Content-Security-Policy");
    private static final HttpString REFERRER = new HttpString("Referrer-Policy");

    private final Map<String, Asset> assets;

    private record Asset(byte[] bytes, byte[] gzip, String contentType, String etag, String cacheControl)
    {
    }

    private WebAssets(final Map<String, Asset> assets)
    {
        this.assets = assets;
    }

    /**
     * Load the built web app from a class loader.
     *
     * @param loader where to look for {@value #ROOT}.
     * @return the handler (serving 503 at {@code /} if the app was not built).
     */
    public static WebAssets fromClasspath(final ClassLoader loader)
    {
        final Map<String, Asset> assets = new HashMap<>();
        final byte[] list = read(loader, ROOT + "files.txt");
        if (list != null)
        {
            for (final String line : new String(list, StandardCharsets.UTF_8).split("\n"))
            {
                final String name = line.trim();
                if (name.isEmpty())
                {
                    continue;
                }
                final byte[] bytes = read(loader, ROOT + name);
                if (bytes == null)
                {
                    throw new IllegalStateException("web asset " + ROOT + name + " is listed but missing");
                }
                final String path = "index.html".equals(name) ? "/" : "/" + name;
                final String cache = name.startsWith("assets/") ? IMMUTABLE : REVALIDATE;
                assets.put(path, new Asset(bytes, bytes.length >= GZIP_MIN_BYTES ? gzip(bytes) : null,
                    contentType(name), etag(bytes), cache));
            }
        }
        return new WebAssets(assets);
    }

    /** @return true if the page was built into the classpath. */
    public boolean hasPage()
    {
        return assets.containsKey("/");
    }

    /** {@inheritDoc} */
    public void handleRequest(final HttpServerExchange exchange)
    {
        final String path = "/index.html".equals(exchange.getRequestPath()) ? "/" : exchange.getRequestPath();
        final Asset asset = assets.get(path);
        if (asset == null)
        {
            plain(exchange, "/".equals(path) ? 503 : 404, "/".equals(path) ?
                "the web app was not built into this edge (build with Maven, which runs npm in edge/src/main/web)\n" :
                "not found\n");
            return;
        }
        if (!exchange.getRequestMethod().equals(Methods.GET) && !exchange.getRequestMethod().equals(Methods.HEAD))
        {
            exchange.getResponseHeaders().put(Headers.ALLOW, "GET, HEAD");
            plain(exchange, 405, "method not allowed\n");
            return;
        }
        final var headers = exchange.getResponseHeaders();
        headers.put(Headers.CACHE_CONTROL, asset.cacheControl());
        headers.put(Headers.ETAG, asset.etag());
        headers.put(NOSNIFF, "nosniff");
        headers.put(Headers.VARY, "Accept-Encoding");
        if ("/".equals(path))
        {
            headers.put(CSP, PAGE_POLICY);
            headers.put(REFERRER, "no-referrer");
        }
        final String match = exchange.getRequestHeaders().getFirst(Headers.IF_NONE_MATCH);
        if (match != null && (match.equals(asset.etag()) || match.equals("W/" + asset.etag())))
        {
            exchange.setStatusCode(304);
            exchange.endExchange();
            return;
        }
        headers.put(Headers.CONTENT_TYPE, asset.contentType());
        final String accept = exchange.getRequestHeaders().getFirst(Headers.ACCEPT_ENCODING);
        final boolean gzip = asset.gzip() != null && accept != null &&
            accept.toLowerCase(Locale.ROOT).contains("gzip");
        final byte[] body = gzip ? asset.gzip() : asset.bytes();
        if (gzip)
        {
            headers.put(Headers.CONTENT_ENCODING, "gzip");
        }
        headers.put(Headers.CONTENT_LENGTH, body.length);
        if (exchange.getRequestMethod().equals(Methods.HEAD))
        {
            exchange.endExchange();
            return;
        }
        exchange.getResponseSender().send(ByteBuffer.wrap(body));
    }

    private static void plain(final HttpServerExchange exchange, final int status, final String text)
    {
        exchange.setStatusCode(status);
        exchange.getResponseHeaders().put(Headers.CONTENT_TYPE, "text/plain; charset=utf-8");
        exchange.getResponseSender().send(text);
    }

    static String contentType(final String name)
    {
        final String ext = name.substring(name.lastIndexOf('.') + 1).toLowerCase(Locale.ROOT);
        switch (ext)
        {
            case "html":
                return "text/html; charset=utf-8";
            case "js":
                return "text/javascript; charset=utf-8";
            case "css":
                return "text/css; charset=utf-8";
            case "map":
            case "json":
                return "application/json; charset=utf-8";
            case "svg":
                return "image/svg+xml";
            case "png":
                return "image/png";
            case "ico":
                return "image/x-icon";
            case "txt":
                return "text/plain; charset=utf-8";
            default:
                return "application/octet-stream";
        }
    }

    private static String etag(final byte[] bytes)
    {
        try
        {
            final byte[] digest = MessageDigest.getInstance("SHA-256").digest(bytes);
            return "\"" + HexFormat.of().formatHex(digest, 0, 16) + "\"";
        }
        catch (final NoSuchAlgorithmException ex)
        {
            throw new IllegalStateException(ex);
        }
    }

    private static byte[] gzip(final byte[] bytes)
    {
        final ByteArrayOutputStream out = new ByteArrayOutputStream(bytes.length / 3);
        try (GZIPOutputStream gz = new GZIPOutputStream(out))
        {
            gz.write(bytes);
        }
        catch (final IOException ex)
        {
            throw new UncheckedIOException(ex);
        }
        return out.toByteArray();
    }

    private static byte[] read(final ClassLoader loader, final String name)
    {
        try (InputStream in = loader.getResourceAsStream(name))
        {
            return in == null ? null : in.readAllBytes();
        }
        catch (final IOException ex)
        {
            throw new UncheckedIOException("reading " + name, ex);
        }
    }
}
