package io.quire.edge;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.undertow.server.HttpServerExchange;
import io.undertow.util.Headers;
import io.undertow.util.HttpString;

import java.nio.charset.StandardCharsets;

/**
 * JSON answers of the edge's HTTP APIs ({@link AclApi}, {@link DocumentApi}): one content type, no caching, and one
 * error shape, the same as a WebSocket error: {@code {"error": {"code": "ERR_...", "message": "..."}}}.
 */
final class HttpJson
{
    private static final HttpString NOSNIFF = new HttpString("X-Content-Type-Options");

    private HttpJson()
    {
    }

    /**
     * @param code    ShareDB-style error code, e.g. {@code ERR_FORBIDDEN}.
     * @param message human-readable detail.
     * @return the error body.
     */
    static String error(final String code, final String message)
    {
        final ObjectNode body = ShareDbJson.object();
        final ObjectNode error = body.putObject("error");
        error.put("code", code);
        error.put("message", message);
        return ShareDbJson.write(body);
    }

    /**
     * Send a JSON body (IO thread).
     *
     * @param exchange the request.
     * @param status   HTTP status.
     * @param body     JSON text.
     */
    static void respond(final HttpServerExchange exchange, final int status, final String body)
    {
        exchange.setStatusCode(status);
        exchange.getResponseHeaders().put(Headers.CONTENT_TYPE, "application/json; charset=utf-8");
        exchange.getResponseHeaders().put(Headers.CACHE_CONTROL, "no-store");
        exchange.getResponseHeaders().put(NOSNIFF, "nosniff");
        exchange.getResponseSender().send(body, StandardCharsets.UTF_8);
    }

    /**
     * Send an error (IO thread).
     *
     * @param exchange the request.
     * @param status   HTTP status.
     * @param code     ShareDB-style error code.
     * @param message  detail.
     */
    static void error(final HttpServerExchange exchange, final int status, final String code, final String message)
    {
        respond(exchange, status, error(code, message));
    }
}
