package io.quire.edge;

import io.undertow.server.HttpServerExchange;

/**
 * Decides who a new WebSocket connection is, before the upgrade (so a refusal is a plain HTTP 401 and the socket never
 * opens). The principal it returns is attached to the session and travels in every request's {@code principal} field
 * to the engines. The default admits everyone as anonymous; {@link JwtAuthenticator} checks an HS256 JWT.
 */
@FunctionalInterface
public interface SessionAuthenticator
{
    /** Everyone is anonymous (principal {@code ""}). */
    SessionAuthenticator ANONYMOUS = exchange -> "";

    /**
     * Called on an IO thread for the upgrade request (and for the HTTP ACL API); must not block.
     *
     * @param exchange the HTTP request (headers, query parameters, cookies).
     * @return the principal ({@code ""} for anonymous), or null to refuse it (HTTP 401).
     */
    String authenticate(HttpServerExchange exchange);
}
