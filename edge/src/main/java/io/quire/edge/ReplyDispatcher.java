package io.quire.edge;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.databind.util.RawValue;
import io.quire.codec.CodecConstants;
import io.quire.codec.RejectReasons;
import io.quire.codec.protocol.BooleanType;
import io.quire.codec.protocol.DocSnapshotDecoder;
import io.quire.codec.protocol.EngineHeartbeatDecoder;
import io.quire.codec.protocol.HistoryEntryDecoder;
import io.quire.codec.protocol.OpAckDecoder;
import io.quire.codec.protocol.OpBroadcastDecoder;
import io.quire.codec.protocol.OpKind;
import io.quire.codec.protocol.OpRejectDecoder;
import io.quire.codec.protocol.PresenceBroadcastDecoder;
import io.quire.codec.protocol.PresenceRequestBroadcastDecoder;
import io.quire.codec.protocol.PresenceShape;
import io.quire.codec.protocol.RejectReason;
import io.quire.codec.protocol.RequestDoneDecoder;
import io.quire.codec.protocol.RequestKind;
import io.quire.codec.protocol.RequestRejectDecoder;

import java.util.Iterator;
import java.util.Map;

/**
 * The engine side of the ShareDB protocol, run on the reply agent: turns engine messages into ShareDB JSON and fans
 * them out to the sessions of this edge, keeping each (connection, document) stream in version order:
 * <ul>
 *   <li>A committed op arrives once per edge. The copy whose origin is a session of this edge becomes that
 *       session's ack (ShareDB never echoes an op to its submitter) and a broadcast for every other subscriber.</li>
 *   <li>A session becomes a live subscriber when its subscribe reply is sent: broadcasts that the engine published
 *       before it are already in its snapshot or catch-up, and are dropped for it.</li>
 *   <li>Catch-up ops (targeted at one session) precede their bare reply; bulk documents are held until the one bulk
 *       reply has gone out.</li>
 *   <li>Presence comes back to its sender as the ack; the engine leaves the sender's edge out of the broadcast, so
 *       that copy is also fanned out to the channel's other sessions here.</li>
 * </ul>
 */
final class ReplyDispatcher
{
    private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(ReplyDispatcher.class);

    private final int edgeId;
    private final SessionRegistry registry;
    private final RequestHandler requests;
    private final EngineLinks engines;
    private final EdgeMetrics metrics;
    private final AclApi acl;
    private final DocumentApi history;

    ReplyDispatcher(
        final int edgeId, final SessionRegistry registry, final RequestHandler requests, final EngineLinks engines,
        final EdgeMetrics metrics, final AclApi acl, final DocumentApi history)
    {
        this.acl = acl;
        this.edgeId = edgeId;
        this.registry = registry;
        this.requests = requests;
        this.engines = engines;
        this.metrics = metrics;
        this.history = history;
    }

    // ---------------------------------------------------------------------------------------------------------------
    // Ops

    void onOpBroadcast(final OpBroadcastDecoder m, final long receivedNs)
    {
        final long engineReceivedNs = m.engineReceivedNs();
        final long engineSequencedNs = m.engineSequencedNs();
        final long engineSentNs = m.engineSentNs();
        final long target = m.targetSessionId();
        final long originSession = m.originSessionId();
        final long originRequest = m.originRequestId();
        final long version = m.version();
        final long seq = m.seq();
        final boolean localOrigin = m.originEdgeId() == edgeId;
        final OpKind kind = m.opKind();
        final ArrayNode op = TextOpJson.toJson(m.components());
        final String c = m.collection();
        final String d = m.docId();
        final String source = m.source();
        final String createType = m.createType();
        final String createData = m.createData();

        final ObjectNode json = ShareDbJson.object();
        json.put("a", "op");
        json.put("c", c);
        json.put("d", d);
        json.put("v", version);
        json.put("src", source);
        json.put("seq", seq);
        switch (kind)
        {
            case CREATE:
                final ObjectNode create = json.putObject("create");
                create.put("type", createType.isEmpty() ? CodecConstants.TEXT_UNICODE_URI : createType);
                create.put("data", createData);
                break;
            case DELETE:
                json.put("del", true);
                break;
            default:
                json.set("op", op);
                break;
        }
        final String text = ShareDbJson.write(json);
        final DocKey doc = new DocKey(c, d);

        if (target != CodecConstants.EVERY_SESSION)
        {
            final EdgeSession session = registry.session(target);
            if (session != null)
            {
                synchronized (session)
                {
                    session.deliverDocMessage(doc, text, true, version);
                }
            }
            return;
        }
        for (final EdgeSession session : registry.docMembers(doc))
        {
            if (localOrigin && session.id == originSession)
            {
                continue;
            }
            synchronized (session)
            {
                session.deliverDocMessage(doc, text, false, version);
            }
        }
        metrics.latency().broadcast(engineSentNs, receivedNs, System.nanoTime());
        if (localOrigin)
        {
            final EdgeSession origin = registry.session(originSession);
            if (origin != null)
            {
                synchronized (origin)
                {
                    final Pending p = origin.pending.get(originRequest);
                    if (p != null && p.kind == Pending.Kind.SUBMIT)
                    {
                        origin.pending.remove(originRequest);
                        sendAck(origin, p, doc, source, seq, version);
                        metrics.latency().ack(p.receivedNs, p.sentNs, engineReceivedNs, engineSequencedNs,
                            engineSentNs, receivedNs, System.nanoTime());
                    }
                    else
                    {
                        // Not waiting for it (the request is gone): an echo is harmless, ShareDB clients drop it.
                        origin.deliverDocMessage(doc, text, false, version);
                    }
                }
                forgetIfDone(origin);
            }
        }
    }

    void onOpAck(final OpAckDecoder m, final long receivedNs)
    {
        final long requestId = m.requestId();
        final long version = m.version();
        final long seq = m.seq();
        final long engineReceivedNs = m.engineReceivedNs();
        final long engineSequencedNs = m.engineSequencedNs();
        final long engineSentNs = m.engineSentNs();
        final String c = m.collection();
        final String d = m.docId();
        final String source = m.source();
        final EdgeSession session = registry.session(m.sessionId());
        if (session == null)
        {
            return;
        }
        synchronized (session)
        {
            final Pending p = session.pending.remove(requestId);
            if (p != null && p.kind == Pending.Kind.SUBMIT)
            {
                sendAck(session, p, new DocKey(c, d), source, seq, version);
                metrics.latency().ack(p.receivedNs, p.sentNs, engineReceivedNs, engineSequencedNs, engineSentNs,
                    receivedNs, System.nanoTime());
            }
        }
        forgetIfDone(session);
    }

    private void sendAck(
        final EdgeSession session, final Pending p, final DocKey doc, final String source, final long seq,
        final long version)
    {
        final ObjectNode ack = ShareDbJson.object();
        ack.put("src", source);
        ack.put("seq", seq);
        ack.put("v", version);
        ack.put("a", "op");
        ack.put("c", doc.collection());
        ack.put("d", doc.docId());
        session.deliverDocMessage(doc, ShareDbJson.write(ack), true, version);
        metrics.opAcked(System.nanoTime() - p.receivedNs);
    }

    void onOpReject(final OpRejectDecoder m)
    {
        final long requestId = m.requestId();
        final String code = RejectReasons.shareDbCode(m.reason());
        m.skipCollection();
        m.skipDocId();
        m.skipSource();
        final String message = m.message();
        final EdgeSession session = registry.session(m.sessionId());
        if (session == null)
        {
            return;
        }
        synchronized (session)
        {
            final Pending p = session.pending.remove(requestId);
            if (p != null)
            {
                metrics.opRejected(code);
                session.send(ShareDbJson.errorReply(p.request, code, message));
            }
        }
        forgetIfDone(session);
    }

    // ---------------------------------------------------------------------------------------------------------------
    // Reads

    void onDocSnapshot(final DocSnapshotDecoder m)
    {
        final long requestId = m.requestId();
        final long version = m.version();
        final boolean last = m.lastChunk() == BooleanType.TRUE;
        m.skipCollection();
        m.skipDocId();
        final String docType = m.docType();
        final String chunk = m.text();
        final EdgeSession session = registry.session(m.sessionId());
        if (session == null)
        {
            return;
        }
        synchronized (session)
        {
            final Pending p = session.pending.get(requestId);
            if (p == null)
            {
                return;
            }
            if (!last)
            {
                if (p.text == null)
                {
                    p.text = new StringBuilder(chunk.length() * 2);
                }
                p.text.append(chunk);
                return;
            }
            session.pending.remove(requestId);
            if (p.kind == Pending.Kind.RESUBSCRIBE)
            {
                // Re-subscriptions name a version, so a snapshot is not expected: the client cannot be caught up.
                resubscribeFailed(session, p, "a snapshot instead of catch-up ops");
                forgetIfDone(session);
                return;
            }
            if (p.doc != null && p.kind != Pending.Kind.SNAPSHOT_AT)
            {
                final EdgeSession.DocSub sub = session.docs.get(p.doc);
                if (sub != null)
                {
                    sub.delivered(version);
                }
            }
            final String data = p.text == null ? chunk : p.text.append(chunk).toString();
            p.text = null;
            final ObjectNode snapshot = ShareDbJson.object();
            snapshot.put("v", version);
            if (docType.isEmpty())
            {
                snapshot.putNull("type");
            }
            else
            {
                snapshot.put("data", data);
                snapshot.put("type", docType);
            }
            switch (p.kind)
            {
                case SNAPSHOT_AT:
                    snapshot.put("a", p.request.path("a").asText());
                    snapshot.set("id", p.request.get("id"));
                    snapshot.putNull("m");
                    session.send(ShareDbJson.write(snapshot));
                    break;
                case BULK_PART:
                    p.bulk.data.set(p.bulkId, snapshot);
                    bulkPartDone(session, p);
                    break;
                default:
                    final ObjectNode reply = ShareDbJson.object();
                    reply.set("data", snapshot);
                    reply.put("a", p.request.path("a").asText());
                    reply.put("c", p.doc.collection());
                    reply.put("d", p.doc.docId());
                    session.send(ShareDbJson.write(reply));
                    subscribed(session, p);
                    break;
            }
        }
        forgetIfDone(session);
    }

    void onHistoryEntry(final HistoryEntryDecoder m)
    {
        history.onEntry(m);
    }

    void onRequestDone(final RequestDoneDecoder m)
    {
        final long requestId = m.requestId();
        if (m.requestKind() == RequestKind.HISTORY)
        {
            history.onDone(requestId, m.version());
            return;
        }
        final EdgeSession session = registry.session(m.sessionId());
        if (session == null || requestId == 0)
        {
            return;
        }
        synchronized (session)
        {
            final Pending p = session.pending.remove(requestId);
            if (p == null)
            {
                return;
            }
            switch (p.kind)
            {
                case PRESENCE_SUBSCRIBE:
                    session.send(RequestHandler.presenceSubscribeReply(p.request, "ps"));
                    break;
                case BULK_PART:
                    bulkPartDone(session, p);
                    break;
                case RESUBSCRIBE:
                    subscribed(session, p);
                    break;
                case FETCH:
                case SUBSCRIBE:
                    final ObjectNode reply = ShareDbJson.object();
                    reply.put("a", p.request.path("a").asText());
                    reply.put("c", p.doc.collection());
                    reply.put("d", p.doc.docId());
                    session.send(ShareDbJson.write(reply));
                    subscribed(session, p);
                    break;
                default:
                    break;
            }
        }
        forgetIfDone(session);
    }

    void onRequestReject(final RequestRejectDecoder m)
    {
        final long requestId = m.requestId();
        if (acl != null && m.sessionId() == acl.sessionId())
        {
            final RejectReason aclReason = m.reason();
            m.skipCollection();
            m.skipDocId();
            m.skipChannel();
            acl.onReject(requestId, aclReason, m.message());
            return;
        }
        final RequestKind kind = m.requestKind();
        final RejectReason reason = m.reason();
        final String code = RejectReasons.shareDbCode(reason);
        m.skipCollection();
        m.skipDocId();
        m.skipChannel();
        final String message = m.message();
        if (kind == RequestKind.HISTORY || m.sessionId() == history.sessionId())
        {
            history.onReject(requestId, reason, message);
            return;
        }
        final EdgeSession session = registry.session(m.sessionId());
        if (session == null)
        {
            return;
        }
        synchronized (session)
        {
            final Pending p = session.pending.remove(requestId);
            if (p == null)
            {
                return;
            }
            metrics.requestRejected(code);
            if (p.kind == Pending.Kind.RESUBSCRIBE)
            {
                resubscribeFailed(session, p, code + " " + message);
                forgetIfDone(session);
                return;
            }
            if (p.counted && p.doc != null)
            {
                // A refused Subscribe never counted at the engine: forget the local subscription without unsubscribing.
                final EdgeSession.DocSub sub = session.docs.get(p.doc);
                if (sub != null && sub.subscribeRequestId == requestId)
                {
                    session.docs.remove(p.doc);
                    registry.removeDocMember(p.doc, session);
                }
            }
            if (p.kind == Pending.Kind.PRESENCE_SUBSCRIBE)
            {
                final String ch = p.request.path("ch").asText();
                if (session.channels.remove(ch) != null)
                {
                    registry.removeChannelMember(ch, session);
                }
            }
            if (p.kind == Pending.Kind.BULK_PART)
            {
                p.bulk.fail(p.bulkId, code, message);
                finishBulkIfDone(session, p.bulk);
            }
            else
            {
                session.send(ShareDbJson.errorReply(p.request, code, message));
            }
        }
        forgetIfDone(session);
    }

    /** A subscribe's reply went out: the subscription goes live (or is undone if the client left meanwhile). */
    private void subscribed(final EdgeSession session, final Pending p)
    {
        if (!p.counted)
        {
            return;
        }
        if (p.unsubscribeOnSuccess)
        {
            requests.sendUnsubscribe(session, p.engine, p.doc);
            return;
        }
        final EdgeSession.DocSub sub = session.docs.get(p.doc);
        if (sub != null && sub.subscribeRequestId == p.requestId && sub.state != EdgeSession.DocSub.HELD)
        {
            session.goLive(p.doc);
        }
    }

    /**
     * A failover's re-subscription was refused (e.g. the ops since the client's version are no longer available):
     * the client would silently miss updates, so it is closed and resubscribes itself on reconnecting. Caller holds
     * the monitor.
     */
    private void resubscribeFailed(final EdgeSession session, final Pending p, final String why)
    {
        final EdgeSession.DocSub sub = session.docs.get(p.doc);
        if (sub != null && sub.subscribeRequestId == p.requestId)
        {
            session.docs.remove(p.doc);
            registry.removeDocMember(p.doc, session);
        }
        LOG.warn("session {}: re-subscribing {} after a failover failed ({}): closing it", session.id, p.doc, why);
        metrics.connectionClosed("failover-resubscribe");
        session.closeWith(1012, "could not resubscribe after an engine failover; reconnect");
    }

    private void bulkPartDone(final EdgeSession session, final Pending p)
    {
        final BulkRequest bulk = p.bulk;
        bulk.remaining--;
        if (p.counted)
        {
            if (p.unsubscribeOnSuccess)
            {
                requests.sendUnsubscribe(session, p.engine, p.doc);
            }
            else
            {
                final EdgeSession.DocSub sub = session.docs.get(p.doc);
                if (sub != null && sub.subscribeRequestId == p.requestId)
                {
                    sub.state = EdgeSession.DocSub.HELD;
                    bulk.held.add(p.doc);
                }
            }
        }
        finishBulkIfDone(session, bulk);
    }

    private static void finishBulkIfDone(final EdgeSession session, final BulkRequest bulk)
    {
        if (bulk.remaining == 0)
        {
            RequestHandler.completeBulk(session, bulk);
        }
    }

    // ---------------------------------------------------------------------------------------------------------------
    // Presence

    void onPresenceBroadcast(final PresenceBroadcastDecoder m)
    {
        final long target = m.targetSessionId();
        final long originSession = m.originSessionId();
        final long originRequest = m.originRequestId();
        final long docVersion = m.docVersion();
        final long pv = m.presenceVersion();
        final boolean localOrigin = m.originEdgeId() == edgeId;
        final long index = m.index();
        final long length = m.length();
        final PresenceShape shape = m.shape();
        final String ch = m.channel();
        final String presenceId = m.presenceId();
        final String source = m.source();
        final String c = m.collection();
        final String d = m.docId();
        final String value = m.value();

        final ObjectNode json = ShareDbJson.object();
        json.put("a", "p");
        json.put("ch", ch);
        json.put("src", source);
        json.put("id", presenceId);
        switch (shape)
        {
            case INDEX_LENGTH:
                final ObjectNode p = json.putObject("p");
                p.put("index", index);
                p.put("length", length);
                if (!value.isEmpty())
                {
                    final JsonNode extra = ShareDbJson.parseTrusted(value);
                    if (extra != null && extra.isObject())
                    {
                        final Iterator<Map.Entry<String, JsonNode>> fields = extra.fields();
                        while (fields.hasNext())
                        {
                            final Map.Entry<String, JsonNode> f = fields.next();
                            p.set(f.getKey(), f.getValue());
                        }
                    }
                }
                break;
            case OPAQUE:
                json.putRawValue("p", new RawValue(value.isEmpty() ? "null" : value));
                break;
            default:
                json.putNull("p");
                break;
        }
        json.put("pv", pv);
        if (!c.isEmpty())
        {
            json.put("c", c);
            json.put("d", d);
            if (docVersion == CodecConstants.NULL_VERSION)
            {
                json.putNull("v");
            }
            else
            {
                json.put("v", docVersion);
            }
            json.put("t", CodecConstants.TEXT_UNICODE_URI);
        }
        final String text = ShareDbJson.write(json);

        if (target != CodecConstants.EVERY_SESSION)
        {
            final EdgeSession origin = registry.session(target);
            if (origin != null)
            {
                synchronized (origin)
                {
                    final Pending p = origin.pending.get(originRequest);
                    if (p != null && p.kind == Pending.Kind.PRESENCE)
                    {
                        origin.pending.remove(originRequest);
                        origin.send(text);
                    }
                }
                forgetIfDone(origin);
            }
            if (target != originSession)
            {
                return;
            }
        }
        for (final EdgeSession session : registry.channelMembers(ch))
        {
            if (localOrigin && session.id == originSession)
            {
                continue;
            }
            session.send(text);
        }
    }

    void onPresenceRequestBroadcast(final PresenceRequestBroadcastDecoder m)
    {
        final long target = m.targetSessionId();
        final long originSession = m.originSessionId();
        final boolean localOrigin = m.originEdgeId() == edgeId;
        final String ch = m.channel();
        final ObjectNode json = ShareDbJson.object();
        json.put("a", "pr");
        json.put("ch", ch);
        final String text = ShareDbJson.write(json);
        if (target != CodecConstants.EVERY_SESSION)
        {
            final EdgeSession session = registry.session(target);
            if (session != null)
            {
                session.send(text);
            }
            return;
        }
        for (final EdgeSession session : registry.channelMembers(ch))
        {
            if (!(localOrigin && session.id == originSession))
            {
                session.send(text);
            }
        }
    }

    // ---------------------------------------------------------------------------------------------------------------
    // Engines

    void onAclState(final io.quire.codec.protocol.AclStateDecoder m)
    {
        if (acl != null && m.sessionId() == acl.sessionId())
        {
            acl.onAclState(m);
        }
        else if (m.sessionId() == history.sessionId())
        {
            history.onAclState(m);
        }
    }

    void onEngineHeartbeat(final int imageSessionId, final EngineHeartbeatDecoder m)
    {
        engines.onHeartbeat(imageSessionId, (int)m.nodeId(), m.epoch(), m.role(), m.shardCount(), m.shardBegin(),
            m.shardEnd(), m.ingressSessionId(), System.nanoTime());
    }

    /**
     * @param imageSessionId the Aeron image a reply came on.
     * @return true if it comes from the primary of the newest epoch known for its shards.
     */
    boolean acceptsFrom(final int imageSessionId)
    {
        return engines.accepts(imageSessionId);
    }

    private void forgetIfDone(final EdgeSession session)
    {
        if (session.canForget())
        {
            registry.remove(session);
        }
    }
}
