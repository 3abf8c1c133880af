package io.quire.edge;

import io.undertow.websockets.spi.WebSocketHttpExchange;

/**
 * Decides who a new WebSocket connection is, at the upgrade. The principal it returns is attached to the session and
 * travels in every request's {@code principal} field to the engines. Extension point for authentication (JWT in a
 * query parameter or cookie, a session lookup, ...): the default admits everyone as anonymous.
 */
@FunctionalInterface
public interface SessionAuthenticator
{
    /** Everyone is anonymous (principal {@code ""}). */
    SessionAuthenticator ANONYMOUS = exchange -> "";

    /**
     * Called on an IO thread during the upgrade; must not block.
     *
     * @param exchange the upgrade request (headers, query, cookies).
     * @return the principal ({@code ""} for anonymous), or null to refuse the connection (it is closed with 1008).
     */
    String authenticate(WebSocketHttpExchange exchange);
}
