package io.quire.edge;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.quire.codec.CodecConstants;
import io.quire.codec.RejectReasons;
import io.quire.codec.ShardRouter;
import io.quire.codec.protocol.AclAction;
import io.quire.codec.protocol.AclRole;
import io.quire.codec.protocol.AclStateDecoder;
import io.quire.codec.protocol.HistoryEntryDecoder;
import io.quire.codec.protocol.OpKind;
import io.quire.codec.protocol.RejectReason;
import io.undertow.server.HttpHandler;
import io.undertow.server.HttpServerExchange;
import io.undertow.util.Headers;
import io.undertow.util.HttpString;
import io.undertow.util.Methods;
import io.undertow.util.SameThreadExecutor;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.Deque;
import java.util.Locale;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * The edge's HTTP API about one document, next to the WebSocket, authenticated like it: with authentication on, a
 * JWT in {@code Authorization: Bearer} or {@code ?token=} (else 401 with {@code WWW-Authenticate: Bearer}), whose
 * subject is the principal sent to the engine; without, everyone is anonymous.
 * <ul>
 *   <li>{@code GET /api/docs/{collection}/{id}/role}: the principal's role, so a page can open read-only instead of
 *       learning it from a refused edit. With authentication, {@code {"role": "owner" | "editor" | "viewer"}} from the
 *       document's ACL in the engine that owns it (an {@code AclRequest} GET): 403 for a principal without a role,
 *       404 for a document nobody has created yet (whoever creates it becomes its owner). Without authentication,
 *       {@code {"role": "editor" | "viewer"}} as the {@link AccessPolicy} decides (403 when it may not read);</li>
 *   <li>{@code GET /api/docs/{collection}/{id}/history?from=V&limit=N}, below; the engine refuses it (403) to a
 *       principal who may not read the document when it enforces roles.</li>
 * </ul>
 * The history is who committed which version of a document when, which ShareDB's protocol does not carry. It is a
 * JSON array, oldest first, of
 * {@code {"v", "time", "author", "src", "kind", "ins", "del"}} ({@code v} the version the op was applied at, so the
 * text after it is snapshot version {@code v + 1}; {@code time} in epoch milliseconds; {@code author} the principal or
 * null when anonymous; {@code ins}/{@code del} code points), with the document's current version in the
 * {@code X-Quire-Version} header. Without {@code from}, the newest {@code limit} versions (default
 * {@value #DEFAULT_LIMIT}, at most {@value #MAX_LIMIT}).
 * <p>
 * Each request becomes one SBE {@code HistoryRequest} to the engine owning the document, sent on the IO thread under
 * a pseudo-session of the edge; the reply agent collects the {@code HistoryEntry} replies and completes the exchange
 * on its IO thread when the {@code RequestDone} (or {@code RequestReject}) arrives, or after
 * {@value #TIMEOUT_MS} ms. Errors are JSON {@code {"error": {"code", "message"}}} with ShareDB's codes.
 */
final class DocumentApi implements HttpHandler
{
    /** The path prefix this handler serves. */
    static final String PREFIX = "/api/docs/";
    /** Entries when the request names no limit. */
    static final int DEFAULT_LIMIT = 50;
    /** Most entries one request may ask for. */
    static final int MAX_LIMIT = 500;
    /** History requests in flight at once on this edge; more are answered 503. */
    static final int MAX_IN_FLIGHT = 64;
    /** How long a request waits for its engine. */
    static final long TIMEOUT_MS = 10_000;

    private static final HttpString VERSION_HEADER = new HttpString("X-Quire-Version");
    private static final String UNAUTHENTICATED = "ERR_UNAUTHENTICATED";

    private final EdgeContext ctx;
    private final SessionRegistry registry;
    private final EngineLinks engines;
    private final EdgeMetrics metrics;
    private final AccessPolicy access;
    private final ShareDbJson json;
    private final long sessionId;
    private final ConcurrentHashMap<Long, Query> queries = new ConcurrentHashMap<>();

    /** One request waiting for its engine. Entries are added by the reply agent only. */
    private static final class Query
    {
        final HttpServerExchange exchange;
        /** For a role query, whose role; null for a history page. */
        final String roleOf;
        final ArrayNode entries = ShareDbJson.NODES.arrayNode();
        final AtomicBoolean finished = new AtomicBoolean();

        Query(final HttpServerExchange exchange, final String roleOf)
        {
            this.exchange = exchange;
            this.roleOf = roleOf;
        }
    }

    DocumentApi(
        final EdgeContext ctx, final SessionRegistry registry, final EngineLinks engines, final EdgeMetrics metrics)
    {
        this.ctx = ctx;
        this.registry = registry;
        this.engines = engines;
        this.metrics = metrics;
        this.access = ctx.accessPolicy();
        this.json = new ShareDbJson(ctx.jsonMaxDepth(), ctx.maxMessageBytes(), ctx.codecLimits().maxIdBytes());
        // Never registered as a session: replies to it reach this handler only.
        this.sessionId = registry.nextSessionId();
    }

    /** @return the pseudo-session id history and role requests carry. */
    long sessionId()
    {
        return sessionId;
    }

    /** {@inheritDoc} */
    public void handleRequest(final HttpServerExchange exchange)
    {
        final String principal = ctx.authenticator().authenticate(exchange);
        if (principal == null || ctx.authEnabled() && principal.isEmpty())
        {
            exchange.getResponseHeaders().put(Headers.WWW_AUTHENTICATE, "Bearer");
            HttpJson.error(exchange, 401, UNAUTHENTICATED, "A valid JWT is required (Authorization: Bearer or ?token=)");
            return;
        }
        if (!exchange.getRequestMethod().equals(Methods.GET) && !exchange.getRequestMethod().equals(Methods.HEAD))
        {
            exchange.getResponseHeaders().put(Headers.ALLOW, "GET, HEAD");
            HttpJson.error(exchange, 405, "ERR_MESSAGE_BADLY_FORMED", "Only GET is supported");
            return;
        }
        final String[] parts = pathSegments(exchange.getRequestURI());
        if (parts == null || parts.length != 3 || !"history".equals(parts[2]) && !"role".equals(parts[2]))
        {
            HttpJson.error(exchange, 404, "ERR_NOT_FOUND", "Not found: use /api/docs/{collection}/{id}/history or /role");
            return;
        }
        final String c;
        final String d;
        final long from;
        final int limit;
        try
        {
            c = json.checkId(parts[0], "collection");
            d = json.checkId(parts[1], "id");
            from = parameter(exchange, "from", CodecConstants.NULL_VERSION, 0, ShareDbJson.MAX_SAFE_INTEGER);
            limit = (int)parameter(exchange, "limit", DEFAULT_LIMIT, 1, MAX_LIMIT);
        }
        catch (final ProtocolException ex)
        {
            HttpJson.error(exchange, 400, ex.code(), ex.getMessage());
            return;
        }
        if (!access.mayRead(principal, c, d))
        {
            HttpJson.error(exchange, 403, RejectReasons.shareDbCode(RejectReason.FORBIDDEN), "Not allowed to read " + c + "/" + d);
            return;
        }
        final boolean role = "role".equals(parts[2]);
        if (role && !ctx.authEnabled())
        {
            final ObjectNode body = ShareDbJson.object();
            body.put("role", access.mayWrite(principal, c, d) ? "editor" : "viewer");
            HttpJson.respond(exchange, 200, ShareDbJson.write(body));
            return;
        }
        if (queries.size() >= MAX_IN_FLIGHT)
        {
            HttpJson.error(exchange, 503, RejectReasons.shareDbCode(RejectReason.OVERLOADED),
                "Too many requests in flight; retry later");
            return;
        }
        final long requestId = registry.nextRequestId();
        final long hash = ShardRouter.docHash(c, d);
        final int engine = engines.engineFor(hash);
        final Query query = new Query(exchange, role ? principal : null);
        queries.put(requestId, query);
        exchange.dispatch(SameThreadExecutor.INSTANCE, () ->
        {
            final EnginePublisher.Result r = role ?
                engines.publisher(engine).aclRequest(sessionId, requestId, hash, AclAction.GET, AclRole.NONE, c, d, "",
                principal) :
                engines.publisher(engine).history(sessionId, requestId, hash, from, limit, c, d, principal);
            if (r != EnginePublisher.Result.OK)
            {
                finish(requestId, 503, HttpJson.error(RejectReasons.shareDbCode(RejectReason.OVERLOADED),
                    "The engine for this document is not available (" + r + "); retry later"), -1);
                return;
            }
            exchange.getIoThread().executeAfter(() -> finish(requestId, 504,
                HttpJson.error("ERR_TIMEOUT", "The engine did not answer in " + TIMEOUT_MS + " ms"), -1),
                TIMEOUT_MS, TimeUnit.MILLISECONDS);
        });
    }

    /**
     * Reply agent: the ACL a role query asked for (the engine sends it only to a principal with a role).
     *
     * @param m the ACL.
     */
    void onAclState(final AclStateDecoder m)
    {
        final long requestId = m.requestId();
        final Query query = queries.get(requestId);
        if (query == null || query.roleOf == null)
        {
            return;
        }
        String role = null;
        for (final AclStateDecoder.EntriesDecoder e : m.entries())
        {
            final AclRole r = e.role();
            if (query.roleOf.equals(e.user()) && r != AclRole.NONE && r != AclRole.NULL_VAL &&
                r != AclRole.SBE_UNKNOWN)
            {
                role = r.name().toLowerCase(Locale.ROOT);
            }
        }
        if (role == null)
        {
            finish(requestId, 403, HttpJson.error(RejectReasons.shareDbCode(RejectReason.FORBIDDEN),
                "No role on this document"), -1);
            return;
        }
        final ObjectNode body = ShareDbJson.object();
        body.put("role", role);
        finish(requestId, 200, ShareDbJson.write(body), m.version());
    }

    /**
     * Reply agent: one entry of a page.
     *
     * @param m the entry.
     */
    void onEntry(final HistoryEntryDecoder m)
    {
        final Query query = queries.get(m.requestId());
        if (query == null)
        {
            return;
        }
        final ObjectNode entry = query.entries.addObject();
        entry.put("v", m.version());
        entry.put("time", m.timestampNs() / 1_000_000L);
        final String principal = m.principal();
        if (principal.isEmpty())
        {
            entry.putNull("author");
        }
        else
        {
            entry.put("author", principal);
        }
        entry.put("src", m.source());
        entry.put("kind", kindName(m.opKind()));
        entry.put("ins", m.inserted());
        entry.put("del", m.deleted());
    }

    /**
     * Reply agent: the page is complete.
     *
     * @param requestId the request.
     * @param version   the document's current version.
     */
    void onDone(final long requestId, final long version)
    {
        final Query query = queries.get(requestId);
        if (query != null)
        {
            finish(requestId, 200, ShareDbJson.write(query.entries), version);
        }
    }

    /**
     * Reply agent: the engine refused.
     *
     * @param requestId the request.
     * @param reason    why.
     * @param message   detail.
     */
    void onReject(final long requestId, final RejectReason reason, final String message)
    {
        if (!queries.containsKey(requestId))
        {
            return;
        }
        final String code = RejectReasons.shareDbCode(reason);
        metrics.requestRejected(code);
        final int status;
        switch (reason)
        {
            case HISTORY_GONE:
                status = 410;
                break;
            case DOC_DOES_NOT_EXIST:
                status = 404;
                break;
            case FORBIDDEN:
                status = 403;
                break;
            case MESSAGE_BADLY_FORMED:
                status = 400;
                break;
            case OVERLOADED:
            case NOT_PRIMARY:
                status = 503;
                break;
            default:
                status = 500;
                break;
        }
        finish(requestId, status, HttpJson.error(code, message), -1);
    }

    /** @return requests in flight (for tests). */
    int inFlight()
    {
        return queries.size();
    }

    private void finish(final long requestId, final int status, final String body, final long version)
    {
        final Query query = queries.remove(requestId);
        if (query == null || !query.finished.compareAndSet(false, true))
        {
            return;
        }
        final HttpServerExchange exchange = query.exchange;
        exchange.getIoThread().execute(() ->
        {
            if (version >= 0)
            {
                exchange.getResponseHeaders().put(VERSION_HEADER, Long.toString(version));
            }
            HttpJson.respond(exchange, status, body);
        });
    }




    private static String kindName(final OpKind kind)
    {
        switch (kind)
        {
            case CREATE:
                return "create";
            case DELETE:
                return "delete";
            default:
                return "edit";
        }
    }

    private static long parameter(
        final HttpServerExchange exchange, final String name, final long absent, final long min, final long max)
        throws ProtocolException
    {
        final Deque<String> values = exchange.getQueryParameters().get(name);
        if (values == null || values.isEmpty() || values.peekFirst().isEmpty())
        {
            return absent;
        }
        final String text = values.peekFirst();
        try
        {
            final long value = Long.parseLong(text);
            if (value >= min && value <= max)
            {
                return value;
            }
        }
        catch (final NumberFormatException ignored)
        {
            // answered below
        }
        throw ProtocolException.badlyFormed("Invalid " + name + ": expected an integer in [" + min + ", " + max + "]");
    }

    /**
     * The percent-decoded segments after {@link #PREFIX} of a raw (undecoded) request URI, so an id may hold any
     * character, '/' included (as %2F); null if the URI is not under the prefix or a segment is not valid UTF-8.
     */
    static String[] pathSegments(final String requestUri)
    {
        final int at = requestUri.indexOf(PREFIX);
        if (at < 0)
        {
            return null;
        }
        final String[] raw = requestUri.substring(at + PREFIX.length()).split("/", -1);
        final String[] decoded = new String[raw.length];
        for (int i = 0; i < raw.length; i++)
        {
            decoded[i] = percentDecode(raw[i]);
            if (decoded[i] == null)
            {
                return null;
            }
        }
        return decoded;
    }

    private static String percentDecode(final String segment)
    {
        if (segment.indexOf('%') < 0)
        {
            return segment;
        }
        final ByteArrayOutputStream bytes = new ByteArrayOutputStream(segment.length());
        int i = 0;
        while (i < segment.length())
        {
            if (segment.charAt(i) == '%')
            {
                if (i + 2 >= segment.length())
                {
                    return null;
                }
                final int hi = Character.digit(segment.charAt(i + 1), 16);
                final int lo = Character.digit(segment.charAt(i + 2), 16);
                if (hi < 0 || lo < 0)
                {
                    return null;
                }
                bytes.write(hi << 4 | lo);
                i += 3;
            }
            else
            {
                final int next = segment.indexOf('%', i);
                final int end = next < 0 ? segment.length() : next;
                final byte[] plain = segment.substring(i, end).getBytes(StandardCharsets.UTF_8);
                bytes.write(plain, 0, plain.length);
                i = end;
            }
        }
        try
        {
            return StandardCharsets.UTF_8.newDecoder()
                .onMalformedInput(CodingErrorAction.REPORT)
                .onUnmappableCharacter(CodingErrorAction.REPORT)
                .decode(ByteBuffer.wrap(bytes.toByteArray()))
                .toString();
        }
        catch (final CharacterCodingException ex)
        {
            return null;
        }
    }
}
