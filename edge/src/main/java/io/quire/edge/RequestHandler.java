package io.quire.edge;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.quire.codec.CodecConstants;
import io.quire.codec.CodecLimits;
import io.quire.codec.RejectReasons;
import io.quire.codec.ShardRouter;
import io.quire.codec.Utf8;
import io.quire.codec.protocol.OpKind;
import io.quire.codec.protocol.PresenceShape;
import io.quire.codec.protocol.RejectReason;
import io.quire.codec.protocol.SnapshotAtMode;
import io.quire.codec.protocol.SubscribeMode;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The client side of the ShareDB protocol, run on Undertow IO threads: parse and check each frame, answer what the
 * edge can answer itself ({@code hs}, {@code pp}, {@code u}, {@code bu}, {@code pu}, every error), and turn the rest
 * into SBE requests offered to the owning engine. Never blocks and never waits for an engine: replies come back
 * through {@link ReplyDispatcher}. Every request gets exactly one reply (except {@code pr}, which has none).
 */
final class RequestHandler
{
    /** The default type ShareDB clients insist on in the handshake (json0), although every document is text. */
    static final String JSON0_URI = "http://sharejs.org/types/JSONv0";

    private static final Logger LOG = LoggerFactory.getLogger(RequestHandler.class);

    private final EdgeContext ctx;
    private final SessionRegistry registry;
    private final EngineLinks engines;
    private final EdgeMetrics metrics;
    private final ShareDbJson json;
    private final CodecLimits limits;
    private final AccessPolicy access;
    private final SourceIds sources;
    private final UserRateLimits userLimits;
    private volatile boolean draining;

    RequestHandler(
        final EdgeContext ctx, final SessionRegistry registry, final EngineLinks engines, final EdgeMetrics metrics)
    {
        this.ctx = ctx;
        this.registry = registry;
        this.engines = engines;
        this.metrics = metrics;
        this.limits = ctx.codecLimits();
        this.json = new ShareDbJson(ctx.jsonMaxDepth(), ctx.maxMessageBytes(), limits.maxIdBytes());
        this.access = ctx.accessPolicy();
        this.sources = ctx.sourceIds();
        this.userLimits = new UserRateLimits(ctx.userOpRate(), ctx.userOpBurst());
    }

    /** From now on requests are dropped unanswered: the connection is about to close with 1001 and the client resends. */
    void drain()
    {
        draining = true;
    }

    /**
     * A new connection.
     *
     * @param transport its socket.
     * @param principal who it is.
     * @return the session.
     */
    EdgeSession open(final Transport transport, final String principal)
    {
        final EdgeSession session = new EdgeSession(
            registry.nextSessionId(), sources.mint(principal), principal, transport, ctx, metrics, System.nanoTime());
        session.releasedGeneration = new int[engines.size()];
        userLimits.opened(principal);
        registry.add(session);
        return session;
    }

    /** @return the per-user limits (tests). */
    UserRateLimits userLimits()
    {
        return userLimits;
    }

    /**
     * One text frame from a client.
     *
     * @param session the session.
     * @param text    the frame.
     */
    void onText(final EdgeSession session, final String text)
    {
        final long now = System.nanoTime();
        session.touch(now);
        if (draining || session.isClosed())
        {
            return;
        }
        final ObjectNode message;
        try
        {
            message = json.parse(text);
        }
        catch (final ProtocolException ex)
        {
            metrics.connectionClosed("malformed");
            session.closeWith(ex.closeCode(), ex.getMessage());
            return;
        }
        try
        {
            ShareDbJson.checkSurrogates(message);
            if (!session.messageBucket.tryTake(now))
            {
                throw ProtocolException.reject(RejectReason.OVERLOADED, "Message rate limit exceeded (" +
                    ctx.messageRate() + "/s)");
            }
            dispatch(session, message, now, false);
        }
        catch (final ProtocolException ex)
        {
            replyError(session, message, ex.code(), ex.getMessage());
        }
        catch (final RuntimeException ex)
        {
            LOG.error("session {}: internal error on {}", session.id, abbreviate(text), ex);
            replyError(session, message, RejectReasons.shareDbCode(RejectReason.INTERNAL), "Internal error");
        }
    }

    private void replyError(final EdgeSession session, final ObjectNode message, final String code, final String text)
    {
        if ("op".equals(textOf(message, "a")))
        {
            metrics.opRejected(code);
        }
        else
        {
            metrics.requestRejected(code);
        }
        session.send(ShareDbJson.errorReply(message, code, text));
    }

    private static String textOf(final ObjectNode message, final String field)
    {
        final JsonNode node = message.get(field);
        return node != null && node.isTextual() ? node.textValue() : null;
    }

    private static String abbreviate(final String text)
    {
        return text.length() <= 200 ? text : text.substring(0, 200) + "...";
    }

    private void dispatch(final EdgeSession session, final ObjectNode m, final long now, final boolean replay)
        throws ProtocolException
    {
        final String a = textOf(m, "a");
        if (a == null)
        {
            throw ProtocolException.badlyFormed("Invalid or unknown message");
        }
        if (session.heldCount != 0 && !"hs".equals(a))
        {
            synchronized (session)
            {
                if (!session.held.isEmpty())
                {
                    // Behind requests that wait for a failover: keep the order.
                    holdRequest(session, m);
                    return;
                }
            }
        }
        switch (a)
        {
            case "hs":
                handshake(session, m);
                break;
            case "pp":
                session.send("{\"a\":\"pp\"}");
                break;
            case "f":
            case "s":
                fetchOrSubscribe(session, m, now, "s".equals(a));
                break;
            case "u":
                unsubscribe(session, m);
                break;
            case "bf":
            case "bs":
                bulk(session, m, now, a);
                break;
            case "bu":
                bulkUnsubscribe(session, m);
                break;
            case "op":
                submit(session, m, now, replay);
                break;
            case "nf":
            case "nt":
                snapshotAt(session, m, now, "nt".equals(a));
                break;
            case "p":
                presence(session, m, now);
                break;
            case "ps":
                presenceSubscribe(session, m, now);
                break;
            case "pu":
                presenceUnsubscribe(session, m);
                break;
            case "pr":
                presenceRequest(session, m);
                break;
            case "qf":
            case "qs":
            case "qu":
                throw ProtocolException.badlyFormed("Queries are not supported by this server");
            default:
                throw ProtocolException.badlyFormed("Invalid or unknown message");
        }
    }

    // ---------------------------------------------------------------------------------------------------------------
    // Handshake

    private void handshake(final EdgeSession session, final ObjectNode m) throws ProtocolException
    {
        final JsonNode protocol = m.get("protocol");
        final JsonNode minor = m.get("protocolMinor");
        if (protocol != null && !protocol.isNull() && !protocol.isNumber() && !protocol.isTextual() ||
            minor != null && !minor.isNull() && !minor.isNumber() && !minor.isTextual())
        {
            throw ProtocolException.badlyFormed("Invalid protocol");
        }
        final String proposed = ShareDbJson.optionalString(m, "id");
        if (proposed != null && !proposed.isEmpty() && sources.belongsTo(checkSource(proposed), session.principal))
        {
            // With authentication only ids minted for this principal are adopted; otherwise the session keeps the
            // fresh one it was given and the client switches to it from this reply.
            session.src(proposed);
        }
        if (minor != null && minor.canConvertToInt())
        {
            session.protocolMinor(minor.intValue());
        }
        final ObjectNode reply = ShareDbJson.object();
        reply.put("a", "hs");
        reply.put("protocol", 1);
        reply.put("protocolMinor", 2);
        reply.put("id", session.src());
        reply.put("type", JSON0_URI);
        session.send(ShareDbJson.write(reply));
    }

    private String checkSource(final String src) throws ProtocolException
    {
        json.checkId(src, "src");
        if (Utf8.encodedLength(src) > limits.maxSourceBytes())
        {
            throw ProtocolException.badlyFormed("Invalid src: longer than " + limits.maxSourceBytes() + " bytes");
        }
        return src;
    }

    // ---------------------------------------------------------------------------------------------------------------
    // Fetch, subscribe, unsubscribe

    private void fetchOrSubscribe(final EdgeSession session, final ObjectNode m, final long now, final boolean live)
        throws ProtocolException
    {
        final String c = json.id(m, "c", "collection");
        final String d = json.id(m, "d", "id");
        final long version = ShareDbJson.optionalVersion(m, "v");
        if (!access.mayRead(session.principal, c, d))
        {
            throw ProtocolException.reject(RejectReason.FORBIDDEN, "Not allowed to read " + c + "/" + d);
        }
        final DocKey doc = new DocKey(c, d);
        final long hash = ShardRouter.docHash(c, d);
        final int engine = engines.engineFor(hash);
        synchronized (session)
        {
            if (holdIfFailingOver(session, m, engine))
            {
                return;
            }
            checkPending(session, 1);
            final boolean counted = live && !session.docs.containsKey(doc);
            if (counted && session.subscriptionCount() >= ctx.maxSubscriptions())
            {
                throw tooManySubscriptions();
            }
            final long requestId = registry.nextRequestId();
            final Pending p = new Pending(live ? Pending.Kind.SUBSCRIBE : Pending.Kind.FETCH, requestId, m, now,
                engine, doc, counted);
            if (counted)
            {
                session.docs.put(doc, new EdgeSession.DocSub(engine, requestId, version));
                registry.addDocMember(doc, session);
            }
            session.pending.put(requestId, p);
            session.touchEngine(engine);
            final EnginePublisher.Result r = engines.publisher(engine).subscribe(session.id, requestId, hash, version,
                counted ? SubscribeMode.SUBSCRIBE : SubscribeMode.FETCH, c, d, session.principal);
            if (r != EnginePublisher.Result.OK)
            {
                session.pending.remove(requestId);
                if (counted)
                {
                    session.docs.remove(doc);
                    registry.removeDocMember(doc, session);
                }
                throw offerFailed(r, engine);
            }
        }
    }

    private void unsubscribe(final EdgeSession session, final ObjectNode m) throws ProtocolException
    {
        final String c = json.id(m, "c", "collection");
        final String d = json.id(m, "d", "id");
        synchronized (session)
        {
            dropDocSubscription(session, new DocKey(c, d));
            final ObjectNode reply = ShareDbJson.object();
            reply.put("a", "u");
            reply.put("c", c);
            reply.put("d", d);
            session.send(ShareDbJson.write(reply));
        }
    }

    /**
     * Stop delivering a document to a session and undo its engine subscription: now if it is in place, or once its
     * in-flight Subscribe succeeds (a rejected Subscribe never counted, so unsubscribing at once could take another
     * session's count away). Caller holds the session monitor.
     */
    void dropDocSubscription(final EdgeSession session, final DocKey doc)
    {
        final EdgeSession.DocSub sub = session.docs.remove(doc);
        if (sub == null)
        {
            return;
        }
        registry.removeDocMember(doc, session);
        if (sub.state == EdgeSession.DocSub.PENDING)
        {
            final Pending p = session.pending.get(sub.subscribeRequestId);
            if (p != null)
            {
                p.unsubscribeOnSuccess = true;
                return;
            }
        }
        sendUnsubscribe(session, sub.engine, doc);
    }

    void sendUnsubscribe(final EdgeSession session, final int engine, final DocKey doc)
    {
        final EnginePublisher.Result r = engines.publisher(engine).unsubscribe(session.id, 0,
            ShardRouter.docHash(doc.collection(), doc.docId()), doc.collection(), doc.docId());
        if (r != EnginePublisher.Result.OK)
        {
            LOG.warn("session {}: unsubscribe from {} not sent ({}): the engine keeps sending its ops to this edge",
                session.id, doc, r);
        }
    }

    // ---------------------------------------------------------------------------------------------------------------
    // Bulk

    private void bulk(final EdgeSession session, final ObjectNode m, final long now, final String action)
        throws ProtocolException
    {
        final String c = json.id(m, "c", "collection");
        final JsonNode b = m.get("b");
        final Map<String, Long> versions = bulkIds(b);
        final boolean versioned = b.isObject();
        final boolean live = "bs".equals(action);
        for (final String d : versions.keySet())
        {
            if (!access.mayRead(session.principal, c, d))
            {
                throw ProtocolException.reject(RejectReason.FORBIDDEN, "Not allowed to read " + c + "/" + d);
            }
        }
        final BulkRequest bulk = new BulkRequest(m, action, c, versioned);
        synchronized (session)
        {
            for (final String d : versions.keySet())
            {
                if (holdIfFailingOver(session, m, engines.engineFor(ShardRouter.docHash(c, d))))
                {
                    return;
                }
            }
            checkPending(session, versions.size());
            if (live)
            {
                int added = 0;
                for (final String d : versions.keySet())
                {
                    if (!session.docs.containsKey(new DocKey(c, d)))
                    {
                        added++;
                    }
                }
                if (session.subscriptionCount() + added > ctx.maxSubscriptions())
                {
                    throw tooManySubscriptions();
                }
            }
            bulk.remaining = versions.size();
            for (final Map.Entry<String, Long> e : versions.entrySet())
            {
                final String d = e.getKey();
                final DocKey doc = new DocKey(c, d);
                final long hash = ShardRouter.docHash(c, d);
                final int engine = engines.engineFor(hash);
                final boolean counted = live && !session.docs.containsKey(doc);
                final long requestId = registry.nextRequestId();
                final Pending p = new Pending(Pending.Kind.BULK_PART, requestId, m, now, engine, doc, counted);
                p.bulk = bulk;
                p.bulkId = d;
                if (counted)
                {
                    session.docs.put(doc, new EdgeSession.DocSub(engine, requestId, e.getValue()));
                    registry.addDocMember(doc, session);
                }
                session.pending.put(requestId, p);
                session.touchEngine(engine);
                final EnginePublisher.Result r = engines.publisher(engine).subscribe(session.id, requestId, hash,
                    e.getValue(), counted ? SubscribeMode.SUBSCRIBE : SubscribeMode.FETCH, c, d, session.principal);
                if (r != EnginePublisher.Result.OK)
                {
                    session.pending.remove(requestId);
                    if (counted)
                    {
                        session.docs.remove(doc);
                        registry.removeDocMember(doc, session);
                    }
                    final ProtocolException ex = offerFailed(r, engine);
                    bulk.fail(d, ex.code(), ex.getMessage());
                }
            }
            if (bulk.remaining == 0)
            {
                completeBulk(session, bulk);
            }
        }
    }

    /**
     * Send a finished bulk reply and let its held documents go live. Caller holds the session monitor.
     */
    static void completeBulk(final EdgeSession session, final BulkRequest bulk)
    {
        session.send(bulk.reply());
        for (final DocKey doc : bulk.held)
        {
            session.goLive(doc);
        }
        bulk.held.clear();
    }

    private Map<String, Long> bulkIds(final JsonNode b) throws ProtocolException
    {
        final Map<String, Long> versions = new LinkedHashMap<>();
        if (b != null && b.isArray())
        {
            for (final JsonNode id : b)
            {
                if (!id.isTextual())
                {
                    throw ProtocolException.badlyFormed("Invalid id");
                }
                versions.put(json.checkId(id.textValue(), "id"), CodecConstants.NULL_VERSION);
            }
        }
        else if (b != null && b.isObject())
        {
            final Iterator<Map.Entry<String, JsonNode>> fields = b.fields();
            while (fields.hasNext())
            {
                final Map.Entry<String, JsonNode> f = fields.next();
                final JsonNode v = f.getValue();
                versions.put(json.checkId(f.getKey(), "id"),
                    v == null || v.isNull() ? CodecConstants.NULL_VERSION : ShareDbJson.nonNegative(v, "Invalid version"));
            }
        }
        else
        {
            throw ProtocolException.badlyFormed("Invalid bulk subscribe data");
        }
        return versions;
    }

    private void bulkUnsubscribe(final EdgeSession session, final ObjectNode m) throws ProtocolException
    {
        final String c = json.id(m, "c", "collection");
        final Map<String, Long> ids = bulkIds(m.get("b"));
        synchronized (session)
        {
            for (final String d : ids.keySet())
            {
                dropDocSubscription(session, new DocKey(c, d));
            }
            final ObjectNode reply = ShareDbJson.object();
            reply.put("a", "bu");
            reply.put("c", c);
            reply.set("b", m.get("b"));
            session.send(ShareDbJson.write(reply));
        }
    }

    // ---------------------------------------------------------------------------------------------------------------
    // Ops

    private void submit(final EdgeSession session, final ObjectNode m, final long now, final boolean replay)
        throws ProtocolException
    {
        if (!replay)
        {
            metrics.opReceived();
        }
        final String c = json.id(m, "c", "collection");
        final String d = json.id(m, "d", "id");
        final long version = ShareDbJson.optionalVersion(m, "v");
        final JsonNode seqNode = m.get("seq");
        final long seq = ShareDbJson.nonNegative(seqNode, "Invalid seq");
        final String proposedSrc = ShareDbJson.optionalString(m, "src");
        final String src = proposedSrc == null || proposedSrc.isEmpty() ? session.src() : checkSource(proposedSrc);
        if (sources.bound() && !src.equals(session.src()))
        {
            throw ProtocolException.reject(RejectReason.FORBIDDEN, "The op's src is not this connection's");
        }

        final OpKind kind;
        List<TextOpJson.Component> components = List.of();
        String createType = "";
        String createData = "";
        if (m.has("op"))
        {
            kind = OpKind.EDIT;
            components = TextOpJson.parse(m.get("op"), limits);
        }
        else if (m.hasNonNull("create"))
        {
            kind = OpKind.CREATE;
            final JsonNode create = m.get("create");
            if (!create.isObject() || !create.path("type").isTextual())
            {
                throw ProtocolException.reject(RejectReason.OP_BADLY_FORMED, "Missing create type");
            }
            createType = create.get("type").textValue();
            if (Utf8.encodedLength(createType) > limits.maxTypeBytes())
            {
                throw ProtocolException.reject(RejectReason.TYPE_NOT_RECOGNIZED, "Unknown type");
            }
            final JsonNode data = create.get("data");
            if (data != null && !data.isNull())
            {
                if (!data.isTextual())
                {
                    throw ProtocolException.reject(RejectReason.OP_BADLY_FORMED,
                        "text-unicode create data must be a string");
                }
                createData = data.textValue();
                if (Utf8.encodedLength(createData) > limits.maxCreateDataBytes())
                {
                    throw ProtocolException.reject(RejectReason.OP_TOO_LARGE,
                        "Create data is longer than " + limits.maxCreateDataBytes() + " bytes");
                }
            }
        }
        else if (m.has("del"))
        {
            if (!m.get("del").isBoolean() || !m.get("del").booleanValue())
            {
                throw ProtocolException.badlyFormed("Invalid op message");
            }
            kind = OpKind.DELETE;
        }
        else
        {
            throw ProtocolException.badlyFormed("Invalid op message");
        }
        if (version == CodecConstants.NULL_VERSION && kind != OpKind.CREATE)
        {
            throw ProtocolException.badlyFormed("Invalid version: only a create may have v null");
        }
        if (!replay && !session.opBucket.tryTake(now))
        {
            throw ProtocolException.reject(RejectReason.OVERLOADED,
                "Op rate limit exceeded (" + ctx.opRate() + "/s, burst " + ctx.opBurst() + ")");
        }
        if (!replay && !userLimits.tryTake(session.principal, now))
        {
            throw ProtocolException.reject(RejectReason.OVERLOADED, "Op rate limit of this user exceeded (" +
                ctx.userOpRate() + "/s, burst " + ctx.userOpBurst() + ", over all its connections)");
        }
        if (!access.mayWrite(session.principal, c, d))
        {
            throw ProtocolException.reject(RejectReason.FORBIDDEN, "Not allowed to write " + c + "/" + d);
        }
        final long hash = ShardRouter.docHash(c, d);
        final int engine = engines.engineFor(hash);
        synchronized (session)
        {
            if (holdIfFailingOver(session, m, engine))
            {
                return;
            }
            checkPending(session, 1);
            final long requestId = registry.nextRequestId();
            final Pending pending = new Pending(Pending.Kind.SUBMIT, requestId, m, now, engine, new DocKey(c, d), false);
            session.pending.put(requestId, pending);
            session.touchEngine(engine);
            // Read before the offer: a woken engine may take the command (and the CPU) before the offer returns.
            final long sendingNs = System.nanoTime();
            final EnginePublisher.Result r = engines.publisher(engine).submitOp(session.id, requestId, hash, version,
                seq, kind, components, c, d, src, session.principal, createType, createData);
            if (r == EnginePublisher.Result.OK)
            {
                pending.sentNs = sendingNs;
            }
            else
            {
                unsent(session, requestId, r, engine);
            }
        }
    }

    // ---------------------------------------------------------------------------------------------------------------
    // Historic snapshots

    private void snapshotAt(final EdgeSession session, final ObjectNode m, final long now, final boolean byTime)
        throws ProtocolException
    {
        final JsonNode id = m.get("id");
        if (id == null || !id.isNumber())
        {
            throw ProtocolException.badlyFormed("Invalid request id");
        }
        final String c = json.id(m, "c", "collection");
        final String d = json.id(m, "d", "id");
        long atVersion = CodecConstants.NULL_VERSION;
        long atTimeNs = CodecConstants.NULL_TIMESTAMP;
        if (byTime)
        {
            final JsonNode ts = m.get("ts");
            if (ts != null && !ts.isNull())
            {
                if (!ts.isNumber() || ts.doubleValue() < 0 || ts.doubleValue() > ShareDbJson.MAX_SAFE_INTEGER)
                {
                    throw ProtocolException.badlyFormed("Invalid timestamp");
                }
                atTimeNs = (long)Math.floor(ts.doubleValue()) * 1_000_000L;
            }
        }
        else
        {
            atVersion = ShareDbJson.optionalVersion(m, "v");
        }
        if (!access.mayRead(session.principal, c, d))
        {
            throw ProtocolException.reject(RejectReason.FORBIDDEN, "Not allowed to read " + c + "/" + d);
        }
        final long hash = ShardRouter.docHash(c, d);
        final int engine = engines.engineFor(hash);
        synchronized (session)
        {
            if (holdIfFailingOver(session, m, engine))
            {
                return;
            }
            checkPending(session, 1);
            final long requestId = registry.nextRequestId();
            session.pending.put(requestId,
                new Pending(Pending.Kind.SNAPSHOT_AT, requestId, m, now, engine, new DocKey(c, d), false));
            session.touchEngine(engine);
            final EnginePublisher.Result r = engines.publisher(engine).fetchSnapshotAt(session.id, requestId, hash,
                byTime ? SnapshotAtMode.TIMESTAMP : SnapshotAtMode.VERSION, atVersion, atTimeNs, c, d,
                session.principal);
            if (r != EnginePublisher.Result.OK)
            {
                unsent(session, requestId, r, engine);
            }
        }
    }

    // ---------------------------------------------------------------------------------------------------------------
    // Presence

    private String channel(final ObjectNode m) throws ProtocolException
    {
        final String ch = ShareDbJson.optionalString(m, "ch");
        if (ch == null)
        {
            throw ProtocolException.badlyFormed("Invalid presence channel");
        }
        json.checkId(ch, "presence channel");
        if (Utf8.encodedLength(ch) > limits.maxChannelBytes())
        {
            throw ProtocolException.badlyFormed("Invalid presence channel: too long");
        }
        return ch;
    }

    private void checkPresenceAccess(final EdgeSession session, final String ch) throws ProtocolException
    {
        if (!access.mayUsePresence(session.principal, ch))
        {
            throw ProtocolException.reject(RejectReason.FORBIDDEN, "Not allowed to use presence channel " + ch);
        }
    }

    private void presenceSubscribe(final EdgeSession session, final ObjectNode m, final long now)
        throws ProtocolException
    {
        final String ch = channel(m);
        final JsonNode seq = m.get("seq");
        if (seq != null && !seq.isNumber())
        {
            throw ProtocolException.badlyFormed("Invalid seq");
        }
        checkPresenceAccess(session, ch);
        final long hash = ShardRouter.channelHash(ch);
        final int engine = engines.engineFor(hash);
        synchronized (session)
        {
            if (session.channels.containsKey(ch))
            {
                session.send(presenceSubscribeReply(m, "ps"));
                return;
            }
            if (holdIfFailingOver(session, m, engine))
            {
                return;
            }
            checkPending(session, 1);
            if (session.subscriptionCount() >= ctx.maxSubscriptions())
            {
                throw tooManySubscriptions();
            }
            final long requestId = registry.nextRequestId();
            session.channels.put(ch, engine);
            registry.addChannelMember(ch, session);
            session.pending.put(requestId,
                new Pending(Pending.Kind.PRESENCE_SUBSCRIBE, requestId, m, now, engine, null, true));
            session.touchEngine(engine);
            final EnginePublisher.Result r =
                engines.publisher(engine).presenceSubscribe(session.id, requestId, hash, ch, session.principal);
            if (r != EnginePublisher.Result.OK)
            {
                session.pending.remove(requestId);
                session.channels.remove(ch);
                registry.removeChannelMember(ch, session);
                throw offerFailed(r, engine);
            }
        }
    }

    static String presenceSubscribeReply(final ObjectNode request, final String action)
    {
        final ObjectNode reply = ShareDbJson.object();
        reply.set("ch", request.get("ch"));
        if (request.has("seq"))
        {
            reply.set("seq", request.get("seq"));
        }
        reply.put("a", action);
        return ShareDbJson.write(reply);
    }

    private void presenceUnsubscribe(final EdgeSession session, final ObjectNode m) throws ProtocolException
    {
        final String ch = channel(m);
        final JsonNode seq = m.get("seq");
        if (seq != null && !seq.isNumber())
        {
            throw ProtocolException.badlyFormed("Invalid seq");
        }
        synchronized (session)
        {
            dropChannel(session, ch);
            session.send(presenceSubscribeReply(m, "pu"));
        }
    }

    /** Caller holds the session monitor. */
    void dropChannel(final EdgeSession session, final String ch)
    {
        final Integer engine = session.channels.remove(ch);
        if (engine != null)
        {
            registry.removeChannelMember(ch, session);
            engines.publisher(engine).presenceUnsubscribe(session.id, 0, ShardRouter.channelHash(ch), ch);
        }
    }

    private void presenceRequest(final EdgeSession session, final ObjectNode m) throws ProtocolException
    {
        final String ch = channel(m);
        checkPresenceAccess(session, ch);
        final long hash = ShardRouter.channelHash(ch);
        final int engine = engines.engineFor(hash);
        if (engines.isHolding(engine))
        {
            // No reply is due; re-subscribing the channels after the failover asks everyone to resend anyway.
            return;
        }
        session.touchEngine(engine);
        engines.publisher(engine).presenceRequest(session.id, registry.nextRequestId(), hash, ch);
    }

    private void presence(final EdgeSession session, final ObjectNode m, final long now) throws ProtocolException
    {
        final String ch = channel(m);
        final String presenceId = json.id(m, "id", "presence ID");
        final long pv = ShareDbJson.nonNegative(m.get("pv"), "Invalid presence version");
        final String c = ShareDbJson.optionalString(m, "c");
        final String d = ShareDbJson.optionalString(m, "d");
        long docVersion = CodecConstants.NULL_VERSION;
        if (c != null || d != null)
        {
            if (c == null || d == null)
            {
                throw ProtocolException.badlyFormed("Document presence needs both c and d");
            }
            json.checkId(c, "collection");
            json.checkId(d, "id");
            if (!ch.equals(c + "." + d))
            {
                throw ProtocolException.badlyFormed("Document presence channel must be c + '.' + d");
            }
            docVersion = ShareDbJson.optionalVersion(m, "v");
        }
        checkPresenceAccess(session, ch);

        final JsonNode p = m.get("p");
        PresenceShape shape;
        long index = 0;
        long length = 0;
        String value = "";
        if (p == null || p.isNull())
        {
            shape = PresenceShape.NULL;
        }
        else if (isIndexLength(p))
        {
            shape = PresenceShape.INDEX_LENGTH;
            index = p.get("index").longValue();
            length = p.get("length").longValue();
            if (p.size() > 2)
            {
                final ObjectNode extra = ((ObjectNode)p).deepCopy();
                extra.remove("index");
                extra.remove("length");
                value = ShareDbJson.write(extra);
            }
        }
        else
        {
            shape = PresenceShape.OPAQUE;
            value = ShareDbJson.write(p);
        }
        if (Utf8.encodedLength(value) > limits.maxPresenceValueBytes())
        {
            throw ProtocolException.badlyFormed("Presence value is larger than " + limits.maxPresenceValueBytes() +
                " bytes");
        }
        final long hash = ShardRouter.channelHash(ch);
        final int engine = engines.engineFor(hash);
        synchronized (session)
        {
            if (holdIfFailingOver(session, m, engine))
            {
                return;
            }
            checkPending(session, 1);
            final String key = ch + '\u0000' + presenceId;
            if (shape == PresenceShape.NULL)
            {
                session.presences.remove(key);
            }
            else
            {
                if (!session.presences.containsKey(key) && session.presences.size() >= ctx.maxSubscriptions())
                {
                    throw ProtocolException.reject(RejectReason.OVERLOADED,
                        "Too many presences on this connection (max " + ctx.maxSubscriptions() + ")");
                }
                session.presences.put(key, new EdgeSession.PresenceRecord(ch, presenceId,
                    c == null ? "" : c, d == null ? "" : d, engine, docVersion));
            }
            final long requestId = registry.nextRequestId();
            session.pending.put(requestId, new Pending(Pending.Kind.PRESENCE, requestId, m, now, engine, null, false));
            session.touchEngine(engine);
            final EnginePublisher.Result r = engines.publisher(engine).presenceUpdate(session.id, requestId, hash,
                docVersion, pv, index, length, shape, ch, presenceId, session.src(), c == null ? "" : c,
                d == null ? "" : d, session.principal, value);
            if (r != EnginePublisher.Result.OK)
            {
                unsent(session, requestId, r, engine);
            }
        }
    }

    private static boolean isIndexLength(final JsonNode p)
    {
        if (!p.isObject())
        {
            return false;
        }
        final JsonNode index = p.get("index");
        final JsonNode length = p.get("length");
        return isCodePoints(index) && isCodePoints(length);
    }

    private static boolean isCodePoints(final JsonNode n)
    {
        return n != null && n.isIntegralNumber() && n.canConvertToLong() && n.longValue() >= 0 &&
            n.longValue() <= TextOpJson.MAX_LENGTH;
    }

    // ---------------------------------------------------------------------------------------------------------------
    // Connection end

    /**
     * The connection closed: undo its engine subscriptions, tell the channels its presences are gone (p:null), and
     * forget it once nothing it asked for is in flight.
     *
     * @param session the session.
     */
    void onClosed(final EdgeSession session)
    {
        session.markClosed();
        userLimits.closed(session.principal);
        final List<EdgeSession.PresenceRecord> gone;
        synchronized (session)
        {
            for (final DocKey doc : new ArrayList<>(session.docs.keySet()))
            {
                dropDocSubscription(session, doc);
            }
            for (final String ch : new ArrayList<>(session.channels.keySet()))
            {
                dropChannel(session, ch);
            }
            gone = new ArrayList<>(session.presences.values());
            session.presences.clear();
            session.held.clear();
            session.heldCount = 0;
            for (final Pending p : session.pending.values())
            {
                if (p.bulk != null)
                {
                    p.bulk.held.clear();
                }
            }
        }
        for (final EdgeSession.PresenceRecord r : gone)
        {
            // The last version the client named: the engine moves it to the document's current version, and
            // receivers only apply a p:null whose v is not behind their copy of the document.
            engines.publisher(r.engine()).presenceUpdate(session.id, 0, ShardRouter.channelHash(r.channel()),
                r.docVersion(), Integer.MAX_VALUE, 0, 0, PresenceShape.NULL, r.channel(), r.presenceId(),
                session.src(), r.collection(), r.docId(), session.principal, "");
        }
        for (int engine = 0; engine < engines.size(); engine++)
        {
            if (session.touches(engine))
            {
                engines.publisher(engine).sessionClosed(session.id, 0);
            }
        }
        session.markGone();
        if (session.canForget())
        {
            registry.remove(session);
        }
    }

    // ---------------------------------------------------------------------------------------------------------------
    // Failover: hold, re-send, re-subscribe, release

    /**
     * Hold the request if its shard range is failing over and this session has not been recovered for it yet.
     * Caller holds the session monitor.
     *
     * @return true if held.
     */
    private boolean holdIfFailingOver(final EdgeSession session, final ObjectNode m, final int engine)
        throws ProtocolException
    {
        if (!engines.isHolding(engine) || session.releasedGeneration(engine) == engines.holdGeneration(engine))
        {
            return false;
        }
        session.touchEngine(engine);
        holdRequest(session, m);
        return true;
    }

    /** Caller holds the session monitor. */
    private void holdRequest(final EdgeSession session, final ObjectNode m) throws ProtocolException
    {
        if (session.held.size() + session.pending.size() >= ctx.maxPending())
        {
            throw ProtocolException.reject(RejectReason.OVERLOADED, "An engine is failing over and " +
                "this connection has too many requests waiting (max " + ctx.maxPending() + "); retry later");
        }
        session.held.add(m);
        session.heldCount = session.held.size();
        metrics.requestHeld();
    }

    /**
     * Agent: handle the session's held requests now, in order (one that still has to wait, for another range, is
     * held again and so are the ones behind it). Caller holds the session monitor.
     *
     * @param session the session.
     */
    void releaseHeld(final EdgeSession session)
    {
        if (session.held.isEmpty())
        {
            return;
        }
        final List<ObjectNode> waiting = new ArrayList<>(session.held);
        session.held.clear();
        session.heldCount = 0;
        for (final ObjectNode m : waiting)
        {
            if (session.isClosed())
            {
                return;
            }
            try
            {
                dispatch(session, m, System.nanoTime(), true);
            }
            catch (final ProtocolException ex)
            {
                replyError(session, m, ex.code(), ex.getMessage());
            }
            catch (final RuntimeException ex)
            {
                LOG.error("session {}: internal error releasing a held request", session.id, ex);
                replyError(session, m, RejectReasons.shareDbCode(RejectReason.INTERNAL), "Internal error");
            }
        }
    }

    /**
     * Agent: a primary of the shard map entry answers again after a failover. Re-send every request this session
     * had in flight to the entry (in request order; an op keeps its src and seq, so the engine's dedupe lands it
     * once and answers with its ack), silently re-subscribe every subscribed document from the version its client
     * has, re-subscribe its presence channels (the engine then asks the channel to resend presence), mark the
     * session recovered in this hold generation and release its held requests. Caller holds the session monitor.
     *
     * @param session    the session.
     * @param engine     the entry.
     * @param generation the entry's hold generation.
     * @return false if something could not be offered to the new primary (the caller closes the session).
     */
    boolean recover(final EdgeSession session, final int engine, final int generation)
    {
        session.released(engine, generation);
        if (session.isClosed())
        {
            // Nobody waits for these any more, and the new primary never saw them: forget them, so that the
            // registry can let the session go.
            session.pending.values().removeIf(p -> p.engine == engine);
            return true;
        }
        if (!session.touches(engine))
        {
            releaseHeld(session);
            return true;
        }
        final long now = System.nanoTime();
        final EnginePublisher publisher = engines.publisher(engine);
        final long[] inFlight = new long[session.pending.size()];
        int n = 0;
        final java.util.Set<String> channelsInFlight = new java.util.HashSet<>();
        for (final Pending p : session.pending.values())
        {
            if (p.engine == engine)
            {
                inFlight[n++] = p.requestId;
                if (p.kind == Pending.Kind.PRESENCE_SUBSCRIBE)
                {
                    channelsInFlight.add(p.request.path("ch").asText());
                }
            }
        }
        java.util.Arrays.sort(inFlight, 0, n);
        for (int i = 0; i < n; i++)
        {
            final Pending p = session.pending.get(inFlight[i]);
            final long sendingNs = System.nanoTime();
            final EnginePublisher.Result r = resend(session, p, publisher);
            if (r != EnginePublisher.Result.OK)
            {
                LOG.warn("session {}: re-sending request {} ({}) after a failover failed: {}", session.id,
                    p.requestId, p.kind, r);
                return false;
            }
            p.sentNs = sendingNs;
            metrics.requestResent();
        }
        for (final Map.Entry<DocKey, EdgeSession.DocSub> e : session.docs.entrySet())
        {
            final EdgeSession.DocSub sub = e.getValue();
            if (sub.engine != engine || sub.state == EdgeSession.DocSub.PENDING)
            {
                // Not on this entry, or its Subscribe is in flight and was re-sent above.
                continue;
            }
            final DocKey doc = e.getKey();
            final long requestId = registry.nextRequestId();
            session.pending.put(requestId,
                new Pending(Pending.Kind.RESUBSCRIBE, requestId, null, now, engine, doc, true));
            sub.subscribeRequestId = requestId;
            if (sub.state == EdgeSession.DocSub.LIVE)
            {
                // Broadcasts are dropped until the catch-up is in (it covers them), as for a first subscribe.
                sub.state = EdgeSession.DocSub.PENDING;
            }
            final EnginePublisher.Result r = publisher.subscribe(session.id, requestId,
                ShardRouter.docHash(doc.collection(), doc.docId()), sub.nextVersion, SubscribeMode.SUBSCRIBE,
                doc.collection(), doc.docId(), session.principal);
            if (r != EnginePublisher.Result.OK)
            {
                LOG.warn("session {}: re-subscribing {} after a failover failed: {}", session.id, doc, r);
                return false;
            }
            metrics.requestResent();
        }
        for (final Map.Entry<String, Integer> e : session.channels.entrySet())
        {
            if (e.getValue() == engine && !channelsInFlight.contains(e.getKey()))
            {
                final String ch = e.getKey();
                publisher.presenceSubscribe(session.id, 0, ShardRouter.channelHash(ch), ch, session.principal);
                metrics.requestResent();
            }
        }
        releaseHeld(session);
        return true;
    }

    /** Offer a request in flight again, with its request id, rebuilt from its JSON. Caller holds the monitor. */
    private EnginePublisher.Result resend(final EdgeSession session, final Pending p, final EnginePublisher publisher)
    {
        final ObjectNode m = p.request;
        try
        {
            switch (p.kind)
            {
                case SUBMIT:
                    return resendSubmit(session, p, publisher);
                case FETCH:
                case SUBSCRIBE:
                    return publisher.subscribe(session.id, p.requestId, docHash(p.doc),
                        ShareDbJson.optionalVersion(m, "v"), p.counted ? SubscribeMode.SUBSCRIBE : SubscribeMode.FETCH,
                        p.doc.collection(), p.doc.docId(), session.principal);
                case BULK_PART:
                {
                    final JsonNode b = m.get("b");
                    final JsonNode v = b != null && b.isObject() ? b.get(p.bulkId) : null;
                    return publisher.subscribe(session.id, p.requestId, docHash(p.doc),
                        v == null || v.isNull() ? CodecConstants.NULL_VERSION : v.longValue(),
                        p.counted ? SubscribeMode.SUBSCRIBE : SubscribeMode.FETCH, p.doc.collection(),
                        p.doc.docId(), session.principal);
                }
                case RESUBSCRIBE:
                {
                    final EdgeSession.DocSub sub = session.docs.get(p.doc);
                    if (sub == null || sub.subscribeRequestId != p.requestId)
                    {
                        session.pending.remove(p.requestId);
                        return EnginePublisher.Result.OK;
                    }
                    return publisher.subscribe(session.id, p.requestId, docHash(p.doc), sub.nextVersion,
                        SubscribeMode.SUBSCRIBE, p.doc.collection(), p.doc.docId(), session.principal);
                }
                case SNAPSHOT_AT:
                {
                    final boolean byTime = "nt".equals(textOf(m, "a"));
                    long atVersion = CodecConstants.NULL_VERSION;
                    long atTimeNs = CodecConstants.NULL_TIMESTAMP;
                    if (byTime)
                    {
                        final JsonNode ts = m.get("ts");
                        if (ts != null && !ts.isNull())
                        {
                            atTimeNs = (long)Math.floor(ts.doubleValue()) * 1_000_000L;
                        }
                    }
                    else
                    {
                        atVersion = ShareDbJson.optionalVersion(m, "v");
                    }
                    return publisher.fetchSnapshotAt(session.id, p.requestId, docHash(p.doc),
                        byTime ? SnapshotAtMode.TIMESTAMP : SnapshotAtMode.VERSION, atVersion, atTimeNs,
                        p.doc.collection(), p.doc.docId(), session.principal);
                }
                case PRESENCE_SUBSCRIBE:
                {
                    final String ch = m.path("ch").asText();
                    return publisher.presenceSubscribe(session.id, p.requestId, ShardRouter.channelHash(ch), ch,
                        session.principal);
                }
                case PRESENCE:
                    return resendPresence(session, p, publisher);
                default:
                    return EnginePublisher.Result.OK;
            }
        }
        catch (final ProtocolException ex)
        {
            // It passed these checks when it arrived.
            throw new IllegalStateException(ex);
        }
    }

    private static long docHash(final DocKey doc)
    {
        return ShardRouter.docHash(doc.collection(), doc.docId());
    }

    private EnginePublisher.Result resendSubmit(
        final EdgeSession session, final Pending p, final EnginePublisher publisher) throws ProtocolException
    {
        final ObjectNode m = p.request;
        final long version = ShareDbJson.optionalVersion(m, "v");
        final long seq = m.get("seq").longValue();
        final String proposedSrc = ShareDbJson.optionalString(m, "src");
        final String src = proposedSrc == null || proposedSrc.isEmpty() ? session.src() : proposedSrc;
        OpKind kind = OpKind.EDIT;
        List<TextOpJson.Component> components = List.of();
        String createType = "";
        String createData = "";
        if (m.has("op"))
        {
            components = TextOpJson.parse(m.get("op"), limits);
        }
        else if (m.hasNonNull("create"))
        {
            kind = OpKind.CREATE;
            createType = m.get("create").get("type").textValue();
            final JsonNode data = m.get("create").get("data");
            createData = data != null && data.isTextual() ? data.textValue() : "";
        }
        else
        {
            kind = OpKind.DELETE;
        }
        return publisher.submitOp(session.id, p.requestId, docHash(p.doc), version, seq, kind, components,
            p.doc.collection(), p.doc.docId(), src, session.principal, createType, createData);
    }

    private EnginePublisher.Result resendPresence(
        final EdgeSession session, final Pending p, final EnginePublisher publisher) throws ProtocolException
    {
        final ObjectNode m = p.request;
        final String ch = m.path("ch").asText();
        final String presenceId = m.path("id").asText();
        final long pv = m.path("pv").longValue();
        final String c = ShareDbJson.optionalString(m, "c");
        final String d = ShareDbJson.optionalString(m, "d");
        final long docVersion = c != null ? ShareDbJson.optionalVersion(m, "v") : CodecConstants.NULL_VERSION;
        final JsonNode pres = m.get("p");
        PresenceShape shape = PresenceShape.OPAQUE;
        long index = 0;
        long length = 0;
        String value = "";
        if (pres == null || pres.isNull())
        {
            shape = PresenceShape.NULL;
        }
        else if (isIndexLength(pres))
        {
            shape = PresenceShape.INDEX_LENGTH;
            index = pres.get("index").longValue();
            length = pres.get("length").longValue();
            if (pres.size() > 2)
            {
                final ObjectNode extra = ((ObjectNode)pres).deepCopy();
                extra.remove("index");
                extra.remove("length");
                value = ShareDbJson.write(extra);
            }
        }
        else
        {
            value = ShareDbJson.write(pres);
        }
        return publisher.presenceUpdate(session.id, p.requestId, ShardRouter.channelHash(ch), docVersion, pv, index,
            length, shape, ch, presenceId, session.src(), c == null ? "" : c, d == null ? "" : d, session.principal,
            value);
    }

    // ---------------------------------------------------------------------------------------------------------------
    // Limits and failures

    private void checkPending(final EdgeSession session, final int more) throws ProtocolException
    {
        if (session.pending.size() + more > ctx.maxPending())
        {
            throw ProtocolException.reject(RejectReason.OVERLOADED,
                "Too many requests in flight on this connection (max " + ctx.maxPending() + ")");
        }
    }

    private ProtocolException tooManySubscriptions()
    {
        return ProtocolException.reject(RejectReason.OVERLOADED,
            "Too many subscriptions on this connection (max " + ctx.maxSubscriptions() + ")");
    }

    /**
     * Caller holds the session monitor. A request the engine link did not take: refused, except when the range's
     * primary (one has answered before) has no subscriber on its ingress (it is stopping or stepping down, or gone
     * and not yet noticed) and failovers are held: then it stays in flight, and is re-sent to whichever primary answers next (or its session
     * is closed when the hold expires, as for any request in flight to a lost primary).
     */
    private void unsent(
        final EdgeSession session, final long requestId, final EnginePublisher.Result r, final int engine)
        throws ProtocolException
    {
        if (r == EnginePublisher.Result.NOT_CONNECTED && ctx.failoverHoldNs() > 0 && engines.highestEpoch(engine) > 0)
        {
            return;
        }
        session.pending.remove(requestId);
        throw offerFailed(r, engine);
    }

    private ProtocolException offerFailed(final EnginePublisher.Result r, final int engine)
    {
        final String range = engines.map().entries().get(engine).range();
        switch (r)
        {
            case TOO_LARGE:
                return ProtocolException.reject(RejectReason.OP_TOO_LARGE, "Request is too large for the engine link");
            case NOT_CONNECTED:
                return ProtocolException.reject(RejectReason.OVERLOADED,
                    "The engine for shards " + range + " is not available; retry later");
            case CLOSED:
                return ProtocolException.reject(RejectReason.OVERLOADED, "The server is shutting down");
            default:
                return ProtocolException.reject(RejectReason.OVERLOADED,
                    "The engine for shards " + range + " is overloaded; retry later");
        }
    }
}
