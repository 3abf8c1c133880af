package io.quire.edge;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.quire.codec.RejectReasons;
import io.quire.codec.ShardRouter;
import io.quire.codec.protocol.AclAction;
import io.quire.codec.protocol.AclRole;
import io.quire.codec.protocol.AclStateDecoder;
import io.quire.codec.protocol.RejectReason;
import io.undertow.server.HttpHandler;
import io.undertow.server.HttpServerExchange;
import io.undertow.util.Headers;
import io.undertow.util.Methods;

import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.Locale;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;

/**
 * The document roles API, authenticated like the WebSocket (a JWT in {@code Authorization: Bearer} or {@code ?token=}):
 * <ul>
 *   <li>{@code GET /api/docs/{collection}/{id}/acl}: the roles, for viewers, editors and owners;</li>
 *   <li>{@code PUT /api/docs/{collection}/{id}/acl/{user}} with {@code {"role": "owner"|"editor"|"viewer"|"none"}}:
 *       owners only; {@code none} removes the user; answered once the engine has journaled the change.</li>
 * </ul>
 * Both answer 200 with {@code {"collection", "id", "version", "acl": [{"user", "role"}, ...]}}; 400 for a bad path or
 * body, 401 without a valid token, 403 when the caller's role is not enough, 404 for a document that does not exist,
 * 409 when the grant would leave no owner or too many users, 503 when the engine does not answer. Path segments are
 * percent-decoded. Requests go to the engine owning the document as {@code AclRequest}s under a pseudo-session of
 * this edge; replies come back through {@link ReplyDispatcher}. Never blocks an IO thread.
 */
final class AclApi implements HttpHandler
{
    private static final String PREFIX = "/api/docs/";
    private static final int MAX_BODY_BYTES = 4096;
    private static final ObjectMapper MAPPER = new ObjectMapper();
    private static final String OVERLOADED = RejectReasons.shareDbCode(RejectReason.OVERLOADED);

    private record Waiting(HttpServerExchange exchange, String collection, String docId)
    {
    }

    private final EdgeContext ctx;
    private final EngineLinks engines;
    private final ShareDbJson json;
    private final long sessionId;
    private final SessionRegistry registry;
    private final ConcurrentHashMap<Long, Waiting> waiting = new ConcurrentHashMap<>();

    AclApi(final EdgeContext ctx, final EngineLinks engines, final SessionRegistry registry)
    {
        this.ctx = ctx;
        this.engines = engines;
        this.registry = registry;
        this.json = new ShareDbJson(ctx.jsonMaxDepth(), ctx.maxMessageBytes(), ctx.codecLimits().maxIdBytes());
        this.sessionId = registry.nextSessionId();
    }

    /**
     * @param exchange a request under {@code /api/docs/}.
     * @return true when its third path segment is {@code acl}: the request is this API's, not {@link DocumentApi}'s.
     */
    static boolean handles(final HttpServerExchange exchange)
    {
        final String uri = exchange.getRequestURI();
        final int at = uri.indexOf(PREFIX);
        if (at < 0)
        {
            return false;
        }
        final String[] parts = uri.substring(at + PREFIX.length()).split("/", -1);
        return parts.length >= 3 && "acl".equals(parts[2]);
    }

    /** @return the pseudo-session id the API's engine requests carry. */
    long sessionId()
    {
        return sessionId;
    }

    /** {@inheritDoc} */
    public void handleRequest(final HttpServerExchange exchange)
    {
        if (!ctx.authEnabled())
        {
            HttpJson.respond(exchange, 404, HttpJson.error("ERR_NOT_FOUND", "the ACL API needs authentication: configure quire.edge.auth.jwt-secret"));
            return;
        }
        final String principal = ctx.authenticator().authenticate(exchange);
        if (principal == null || principal.isEmpty())
        {
            exchange.getResponseHeaders().put(Headers.WWW_AUTHENTICATE, "Bearer");
            HttpJson.respond(exchange, 401, HttpJson.error("ERR_UNAUTHENTICATED", "a valid JWT is required (Authorization: Bearer or ?token=)"));
            return;
        }
        final String[] parts = exchange.getRequestURI().substring(PREFIX.length()).split("/", -1);
        final boolean get = exchange.getRequestMethod().equals(Methods.GET);
        final boolean put = exchange.getRequestMethod().equals(Methods.PUT);
        if (!(parts.length == 3 && get || parts.length == 4 && put) || !"acl".equals(parts[2]))
        {
            final boolean known = parts.length >= 3 && "acl".equals(parts[2]) && parts.length <= 4;
            HttpJson.respond(exchange, known ? 405 : 404, HttpJson.error(known ? "ERR_MESSAGE_BADLY_FORMED" : "ERR_NOT_FOUND", known ?
                "use GET .../acl or PUT .../acl/{user}" : "not found"));
            return;
        }
        final String collection;
        final String docId;
        final String user;
        try
        {
            collection = json.checkId(decode(parts[0]), "collection");
            docId = json.checkId(decode(parts[1]), "id");
            user = put ? checkUser(decode(parts[3])) : "";
        }
        catch (final ProtocolException | IllegalArgumentException ex)
        {
            HttpJson.respond(exchange, 400, HttpJson.error("ERR_MESSAGE_BADLY_FORMED", ex.getMessage()));
            return;
        }
        if (get)
        {
            send(exchange, AclAction.GET, AclRole.NONE, collection, docId, "", principal);
            return;
        }
        exchange.getRequestReceiver().setMaxBufferSize(MAX_BODY_BYTES);
        exchange.getRequestReceiver().receiveFullBytes(
            (ex, body) ->
            {
                final AclRole role = parseRole(body);
                if (role == null)
                {
                    HttpJson.respond(ex, 400, HttpJson.error("ERR_MESSAGE_BADLY_FORMED", "the body must be {\"role\": \"owner\"|\"editor\"|\"viewer\"|\"none\"}"));
                    return;
                }
                send(ex, AclAction.GRANT, role, collection, docId, user, principal);
            },
            (ex, failure) -> HttpJson.respond(ex, 400, HttpJson.error("ERR_MESSAGE_BADLY_FORMED", "could not read the body: " + failure.getMessage())));
    }

    private static String decode(final String segment)
    {
        return URLDecoder.decode(segment.replace("+", "%2B"), StandardCharsets.UTF_8);
    }

    private String checkUser(final String user) throws ProtocolException
    {
        if (user.getBytes(StandardCharsets.UTF_8).length > ctx.codecLimits().maxPrincipalBytes())
        {
            throw ProtocolException.badlyFormed("user is longer than " + ctx.codecLimits().maxPrincipalBytes() +
                " bytes");
        }
        return json.checkId(user, "user");
    }

    private static AclRole parseRole(final byte[] body)
    {
        try
        {
            final JsonNode node = MAPPER.readTree(body);
            final JsonNode role = node == null || !node.isObject() ? null : node.get("role");
            if (role == null || !role.isTextual())
            {
                return null;
            }
            switch (role.textValue())
            {
                case "owner": return AclRole.OWNER;
                case "editor": return AclRole.EDITOR;
                case "viewer": return AclRole.VIEWER;
                case "none": return AclRole.NONE;
                default: return null;
            }
        }
        catch (final java.io.IOException ex)
        {
            return null;
        }
    }

    private void send(
        final HttpServerExchange exchange, final AclAction action, final AclRole role, final String collection,
        final String docId, final String user, final String principal)
    {
        final long hash = ShardRouter.docHash(collection, docId);
        final int engine = engines.engineFor(hash);
        final long requestId = registry.nextRequestId();
        exchange.dispatch();
        waiting.put(requestId, new Waiting(exchange, collection, docId));
        final EnginePublisher.Result r = engines.publisher(engine).aclRequest(
            sessionId, requestId, hash, action, role, collection, docId, user, principal);
        if (r != EnginePublisher.Result.OK)
        {
            complete(requestId, 503, HttpJson.error(OVERLOADED, "the engine for this document is not available (" +
                r.name().toLowerCase(Locale.ROOT) + "); retry later"));
            return;
        }
        exchange.getIoThread().executeAfter(
            () -> complete(requestId, 503, HttpJson.error(OVERLOADED, "the engine did not answer in time; retry later")),
            TimeUnit.NANOSECONDS.toMillis(ctx.aclTimeoutNs()), TimeUnit.MILLISECONDS);
    }

    /**
     * An engine's answer (reply agent thread).
     *
     * @param m the ACL.
     */
    void onAclState(final AclStateDecoder m)
    {
        final long requestId = m.requestId();
        final long version = m.version();
        final ObjectNode body = MAPPER.createObjectNode();
        final ArrayNode acl = MAPPER.createArrayNode();
        for (final AclStateDecoder.EntriesDecoder e : m.entries())
        {
            final AclRole role = e.role();
            acl.addObject().put("user", e.user()).put("role", role.name().toLowerCase(Locale.ROOT));
        }
        body.put("collection", m.collection());
        body.put("id", m.docId());
        body.put("version", version);
        body.set("acl", acl);
        complete(requestId, 200, body.toString());
    }

    /**
     * An engine's refusal (reply agent thread).
     *
     * @param requestId the request.
     * @param reason    why.
     * @param message   detail.
     */
    void onReject(final long requestId, final RejectReason reason, final String message)
    {
        final int status;
        switch (reason)
        {
            case FORBIDDEN: status = 403; break;
            case DOC_DOES_NOT_EXIST: status = 404; break;
            case MESSAGE_BADLY_FORMED: status = 400; break;
            case LAST_OWNER:
            case ACL_TOO_LARGE: status = 409; break;
            case OVERLOADED:
            case NOT_PRIMARY: status = 503; break;
            default: status = 500; break;
        }
        complete(requestId, status, HttpJson.error(RejectReasons.shareDbCode(reason), message));
    }

    private void complete(final long requestId, final int status, final String body)
    {
        final Waiting w = waiting.remove(requestId);
        if (w != null)
        {
            w.exchange.getIoThread().execute(() -> HttpJson.respond(w.exchange, status, body));
        }
    }


}
