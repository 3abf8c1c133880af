package io.quire.edge;

import io.aeron.Aeron;
import io.aeron.FragmentAssembler;
import io.aeron.Publication;
import io.aeron.Subscription;
import io.aeron.logbuffer.Header;
import io.quire.codec.CodecConstants;
import io.quire.codec.protocol.AclAction;
import io.quire.codec.protocol.AclRequestDecoder;
import io.quire.codec.protocol.AclRole;
import io.quire.codec.protocol.AclStateEncoder;
import io.quire.codec.protocol.BooleanType;
import io.quire.codec.protocol.ComponentKind;
import io.quire.codec.protocol.DocSnapshotEncoder;
import io.quire.codec.protocol.EdgeHeartbeatDecoder;
import io.quire.codec.protocol.EdgeHelloDecoder;
import io.quire.codec.protocol.EngineHeartbeatEncoder;
import io.quire.codec.protocol.FetchSnapshotAtDecoder;
import io.quire.codec.protocol.HistoryEntryEncoder;
import io.quire.codec.protocol.HistoryRequestDecoder;
import io.quire.codec.protocol.MessageHeaderDecoder;
import io.quire.codec.protocol.MessageHeaderEncoder;
import io.quire.codec.protocol.NodeRole;
import io.quire.codec.protocol.OpAckEncoder;
import io.quire.codec.protocol.OpBroadcastEncoder;
import io.quire.codec.protocol.OpKind;
import io.quire.codec.protocol.OpRejectEncoder;
import io.quire.codec.protocol.PresenceBroadcastEncoder;
import io.quire.codec.protocol.PresenceRequestBroadcastEncoder;
import io.quire.codec.protocol.PresenceRequestDecoder;
import io.quire.codec.protocol.PresenceShape;
import io.quire.codec.protocol.PresenceSubscribeDecoder;
import io.quire.codec.protocol.PresenceUnsubscribeDecoder;
import io.quire.codec.protocol.PresenceUpdateDecoder;
import io.quire.codec.protocol.RejectReason;
import io.quire.codec.protocol.RequestDoneEncoder;
import io.quire.codec.protocol.RequestKind;
import io.quire.codec.protocol.RequestRejectEncoder;
import io.quire.codec.protocol.SnapshotAtMode;
import io.quire.codec.protocol.SubmitOpDecoder;
import io.quire.codec.protocol.SubscribeDecoder;
import io.quire.codec.protocol.SubscribeMode;
import io.quire.codec.protocol.UnsubscribeDecoder;
import org.agrona.DirectBuffer;
import org.agrona.ExpandableArrayBuffer;
import org.agrona.concurrent.UnsafeBuffer;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * A stand-in engine for the edge's tests: speaks the SBE protocol on an Aeron ingress with a toy sequencer (no
 * transform: every op applies at the current version), in the engine's reply shapes and orders. Documents whose id
 * starts with {@code reject} have their subscribes and ops refused; snapshots are split into chunks of
 * {@link #chunkChars} characters. A second fake can share the first one's documents (a standby that replicated them)
 * and claim a newer epoch; heartbeats echo the ingress session id each edge's hello came on, as the engine's do.
 */
final class FakeEngine implements AutoCloseable
{
    static final class Doc
    {
        final String c;
        final String d;
        long version;
        boolean exists;
        StringBuilder text = new StringBuilder();
        final List<Object[]> history = new ArrayList<>();
        final Map<Integer, Integer> subscribers = new HashMap<>();
        /** Roles by user, in grant order, as {@link #role} sets them (the toy engine's ACL). */
        final Map<String, AclRole> acl = new LinkedHashMap<>();

        Doc(final String c, final String d)
        {
            this.c = c;
            this.d = d;
        }
    }

    private final Aeron aeron;
    private final Subscription ingress;
    private final FragmentAssembler assembler = new FragmentAssembler(this::onFragment);
    private final Map<Integer, Publication> edges = new HashMap<>();
    private final Map<String, Doc> docs;
    private final Object lock;
    private final long epoch;
    private final Map<Integer, Integer> ingressSessions = new HashMap<>();
    private final Map<String, Map<Integer, Integer>> channels = new HashMap<>();
    private final ExpandableArrayBuffer out = new ExpandableArrayBuffer(4096);
    private final MessageHeaderEncoder headerOut = new MessageHeaderEncoder();
    private final MessageHeaderDecoder header = new MessageHeaderDecoder();
    private final Thread thread;
    private final int shardCount;
    final List<String> received = new CopyOnWriteArrayList<>();
    final Set<Integer> ignoredTemplates = new HashSet<>();
    volatile int chunkChars = 1 << 20;
    volatile boolean heartbeats = true;
    private volatile boolean running = true;
    private long nextHeartbeatMs;

    FakeEngine(final Aeron aeron, final String channel, final int stream, final int shardCount)
    {
        this(aeron, channel, stream, shardCount, 1, null);
    }

    /**
     * @param epoch      the epoch it claims to be primary in.
     * @param sharedWith a fake whose documents (and lock) it shares, or null.
     */
    FakeEngine(
        final Aeron aeron, final String channel, final int stream, final int shardCount, final long epoch,
        final FakeEngine sharedWith)
    {
        this.docs = sharedWith == null ? new HashMap<>() : sharedWith.docs;
        this.lock = sharedWith == null ? new Object() : sharedWith.lock;
        this.epoch = epoch;
        this.aeron = aeron;
        this.shardCount = shardCount;
        this.ingress = aeron.addSubscription(channel, stream);
        this.thread = new Thread(this::run, "fake-engine");
        thread.setDaemon(true);
        thread.start();
    }

    private void run()
    {
        while (running)
        {
            int work;
            synchronized (lock)
            {
                work = ingress.poll(assembler, 64);
                final long now = System.currentTimeMillis();
                if (heartbeats && now >= nextHeartbeatMs)
                {
                    nextHeartbeatMs = now + 100;
                    for (final Integer edge : edges.keySet())
                    {
                        heartbeat(edge);
                    }
                }
            }
            if (work == 0)
            {
                try
                {
                    Thread.sleep(1);
                }
                catch (final InterruptedException ex)
                {
                    return;
                }
            }
        }
    }

    Doc doc(final String c, final String d)
    {
        synchronized (lock)
        {
            return docs.computeIfAbsent(c + "\u0000" + d, k -> new Doc(c, d));
        }
    }

    private void onFragment(final DirectBuffer buffer, final int offset, final int length, final Header h)
    {
        final UnsafeBuffer in = new UnsafeBuffer(buffer, offset, length);
        header.wrap(in, 0);
        final int at = MessageHeaderDecoder.ENCODED_LENGTH;
        final int bl = header.blockLength();
        final int v = header.version();
        final int template = header.templateId();
        if (ignoredTemplates.contains(template))
        {
            return;
        }
        switch (template)
        {
            case EdgeHelloDecoder.TEMPLATE_ID:
            {
                final EdgeHelloDecoder m = new EdgeHelloDecoder().wrap(in, at, bl, v);
                final int edge = (int)m.edgeId();
                ingressSessions.put(edge, h.sessionId());
                final int stream = m.responseStreamId();
                connect(edge, m.responseChannel(), stream);
                if (heartbeats)
                {
                    heartbeat(edge);
                }
                break;
            }
            case EdgeHeartbeatDecoder.TEMPLATE_ID:
            {
                final EdgeHeartbeatDecoder m = new EdgeHeartbeatDecoder().wrap(in, at, bl, v);
                ingressSessions.put((int)m.edgeId(), h.sessionId());
                connect((int)m.edgeId(), m.responseChannel(), m.responseStreamId());
                break;
            }
            case SubscribeDecoder.TEMPLATE_ID:
                onSubscribe(new SubscribeDecoder().wrap(in, at, bl, v));
                break;
            case UnsubscribeDecoder.TEMPLATE_ID:
            {
                final UnsubscribeDecoder m = new UnsubscribeDecoder().wrap(in, at, bl, v);
                final int edge = (int)m.edgeId();
                final Doc doc = doc(m.collection(), m.docId());
                received.add("u " + doc.d);
                doc.subscribers.computeIfPresent(edge, (k, n) -> n <= 1 ? null : n - 1);
                break;
            }
            case SubmitOpDecoder.TEMPLATE_ID:
                onSubmit(new SubmitOpDecoder().wrap(in, at, bl, v));
                break;
            case FetchSnapshotAtDecoder.TEMPLATE_ID:
            {
                final FetchSnapshotAtDecoder m = new FetchSnapshotAtDecoder().wrap(in, at, bl, v);
                final long session = m.sessionId();
                final long request = m.requestId();
                final int edge = (int)m.edgeId();
                final RequestKind kind = m.mode() == SnapshotAtMode.TIMESTAMP ?
                    RequestKind.SNAPSHOT_AT_TIME : RequestKind.SNAPSHOT_AT_VERSION;
                final Doc doc = doc(m.collection(), m.docId());
                snapshot(edge, session, request, doc, kind);
                break;
            }
            case HistoryRequestDecoder.TEMPLATE_ID:
                onHistory(new HistoryRequestDecoder().wrap(in, at, bl, v));
                break;
            case AclRequestDecoder.TEMPLATE_ID:
                onAcl(new AclRequestDecoder().wrap(in, at, bl, v));
                break;
            case PresenceUpdateDecoder.TEMPLATE_ID:
                onPresence(new PresenceUpdateDecoder().wrap(in, at, bl, v));
                break;
            case PresenceSubscribeDecoder.TEMPLATE_ID:
            {
                final PresenceSubscribeDecoder m = new PresenceSubscribeDecoder().wrap(in, at, bl, v);
                final int edge = (int)m.edgeId();
                final long session = m.sessionId();
                final long request = m.requestId();
                final long hash = m.channelHash();
                final String ch = m.channel();
                final Map<Integer, Integer> subs = channels.computeIfAbsent(ch, k -> new HashMap<>());
                subs.merge(edge, 1, Integer::sum);
                for (final Integer e : subs.keySet())
                {
                    presenceRequest(e, session, edge, hash, ch);
                }
                done(edge, session, request, hash, -1, RequestKind.PRESENCE_SUBSCRIBE, "", "", ch);
                break;
            }
            case PresenceUnsubscribeDecoder.TEMPLATE_ID:
            {
                final PresenceUnsubscribeDecoder m = new PresenceUnsubscribeDecoder().wrap(in, at, bl, v);
                final int edge = (int)m.edgeId();
                final Map<Integer, Integer> subs = channels.get(m.channel());
                if (subs != null)
                {
                    subs.computeIfPresent(edge, (k, n) -> n <= 1 ? null : n - 1);
                }
                break;
            }
            case PresenceRequestDecoder.TEMPLATE_ID:
            {
                final PresenceRequestDecoder m = new PresenceRequestDecoder().wrap(in, at, bl, v);
                final long session = m.sessionId();
                final long hash = m.channelHash();
                final int edge = (int)m.edgeId();
                final String ch = m.channel();
                final Map<Integer, Integer> subs = channels.getOrDefault(ch, Map.of());
                for (final Integer e : subs.keySet())
                {
                    presenceRequest(e, session, edge, hash, ch);
                }
                break;
            }
            default:
                received.add("template " + template);
                break;
        }
    }

    private void connect(final int edge, final String channel, final int stream)
    {
        if (!edges.containsKey(edge))
        {
            // Exclusive: an image of its own on the edge's reply stream, as a separate engine process has, even when
            // two fakes share one Aeron client.
            edges.put(edge, aeron.addExclusivePublication(channel, stream));
        }
    }

    private void heartbeat(final int edge)
    {
        final EngineHeartbeatEncoder e = new EngineHeartbeatEncoder().wrapAndApplyHeader(out, 0, headerOut)
            .epoch(epoch).timestampNs(System.currentTimeMillis() * 1_000_000L).nodeId((int)(6 + epoch))
            .shardCount(shardCount).shardBegin(0).shardEnd(shardCount).role(NodeRole.PRIMARY)
            .ingressSessionId(ingressSessions.getOrDefault(edge, 0));
        send(edge, e.encodedLength());
    }

    private void send(final int edge, final int bodyLength)
    {
        final Publication p = edges.get(edge);
        if (p == null)
        {
            return;
        }
        final int length = MessageHeaderEncoder.ENCODED_LENGTH + bodyLength;
        for (int i = 0; i < 1000; i++)
        {
            final long r = p.offer(out, 0, length);
            if (r > 0 || r == Publication.CLOSED)
            {
                return;
            }
            Thread.onSpinWait();
        }
    }

    private void onSubscribe(final SubscribeDecoder m)
    {
        final long session = m.sessionId();
        final long request = m.requestId();
        final long hash = m.docHash();
        final long from = m.fromVersion();
        final int edge = (int)m.edgeId();
        final boolean live = m.mode() == SubscribeMode.SUBSCRIBE;
        final RequestKind kind = live ? RequestKind.SUBSCRIBE : RequestKind.FETCH;
        final Doc doc = doc(m.collection(), m.docId());
        received.add((live ? "s " : "f ") + doc.d + " " + from);
        if (doc.d.startsWith("reject"))
        {
            final RequestRejectEncoder e = new RequestRejectEncoder().wrapAndApplyHeader(out, 0, headerOut)
                .sessionId(session).requestId(request).routingHash(hash).edgeId(edge).requestKind(kind)
                .reason(RejectReason.HISTORY_GONE).collection(doc.c).docId(doc.d).channel("").message("nope");
            send(edge, e.encodedLength());
            return;
        }
        if (from < 0)
        {
            if (live)
            {
                doc.subscribers.merge(edge, 1, Integer::sum);
            }
            snapshot(edge, session, request, doc, kind);
            return;
        }
        for (long v = from; v < doc.version; v++)
        {
            broadcastEntry(edge, session, 0, 0, 0, doc, (int)v);
        }
        if (live)
        {
            doc.subscribers.merge(edge, 1, Integer::sum);
        }
        done(edge, session, request, hash, doc.version, kind, doc.c, doc.d, "");
    }

    private void snapshot(final int edge, final long session, final long request, final Doc doc, final RequestKind kind)
    {
        final String text = doc.exists ? doc.text.toString() : "";
        int pos = 0;
        do
        {
            final int end = Math.min(text.length(), pos + chunkChars);
            final DocSnapshotEncoder e = new DocSnapshotEncoder().wrapAndApplyHeader(out, 0, headerOut)
                .sessionId(session).requestId(request).docHash(0).version(doc.version).totalLength(text.length())
                .chunkOffset(pos).edgeId(edge).requestKind(kind)
                .lastChunk(end == text.length() ? BooleanType.TRUE : BooleanType.FALSE)
                .collection(doc.c).docId(doc.d).docType(doc.exists ? CodecConstants.TEXT_UNICODE_URI : "")
                .text(text.substring(pos, end));
            send(edge, e.encodedLength());
            pos = end;
        }
        while (pos < text.length());
    }

    private void done(
        final int edge, final long session, final long request, final long hash, final long version,
        final RequestKind kind, final String c, final String d, final String ch)
    {
        final RequestDoneEncoder e = new RequestDoneEncoder().wrapAndApplyHeader(out, 0, headerOut)
            .sessionId(session).requestId(request).routingHash(hash).version(version).edgeId(edge).requestKind(kind)
            .collection(c).docId(d).channel(ch);
        send(edge, e.encodedLength());
    }

    private void onSubmit(final SubmitOpDecoder m)
    {
        final long session = m.sessionId();
        final long request = m.requestId();
        final long hash = m.docHash();
        final long base = m.baseVersion();
        final long seq = m.seq();
        final int edge = (int)m.edgeId();
        final OpKind kind = m.opKind();
        final List<Object[]> components = new ArrayList<>();
        for (final SubmitOpDecoder.ComponentsDecoder c : m.components())
        {
            components.add(new Object[] {c.kind(), c.length(), c.text()});
        }
        final Doc doc = doc(m.collection(), m.docId());
        final String source = m.source();
        m.principal();
        m.createType();
        final String createData = m.createData();
        received.add("op " + doc.d + " " + kind + " base=" + base + " seq=" + seq + " src=" + source);
        for (long v = Math.max(0, base); v < doc.version; v++)
        {
            final Object[] h = doc.history.get((int)v);
            if (source.equals(h[2]) && seq == (long)h[3])
            {
                for (long w = base; w < v; w++)
                {
                    broadcastEntry(edge, session, 0, 0, 0, doc, (int)w);
                }
                ack(edge, session, request, hash, v, seq, doc, source);
                return;
            }
        }
        final RejectReason reason = doc.d.startsWith("reject") ? RejectReason.SUBMIT_REJECTED :
            kind == OpKind.CREATE && doc.exists ? RejectReason.DOC_ALREADY_CREATED :
            kind != OpKind.CREATE && !doc.exists ? RejectReason.DOC_DOES_NOT_EXIST :
            base > doc.version ? RejectReason.VERSION_NEWER_THAN_CURRENT : null;
        if (reason != null)
        {
            final OpRejectEncoder e = new OpRejectEncoder().wrapAndApplyHeader(out, 0, headerOut)
                .sessionId(session).requestId(request).docHash(hash).baseVersion(base).currentVersion(doc.version)
                .seq(seq).edgeId(edge).opKind(kind).reason(reason).collection(doc.c).docId(doc.d).source(source)
                .message("refused by the fake engine");
            send(edge, e.encodedLength());
            return;
        }
        final long version = doc.version;
        if (kind == OpKind.CREATE)
        {
            doc.exists = true;
            doc.text = new StringBuilder(createData);
        }
        else if (kind == OpKind.DELETE)
        {
            doc.exists = false;
            doc.text = new StringBuilder();
        }
        else
        {
            int pos = 0;
            for (final Object[] c : components)
            {
                final long len = (long)c[1];
                switch ((ComponentKind)c[0])
                {
                    case RETAIN:
                        pos += (int)len;
                        break;
                    case INSERT:
                        doc.text.insert(pos, (String)c[2]);
                        pos += ((String)c[2]).length();
                        break;
                    default:
                        doc.text.delete(pos, pos + (int)len);
                        break;
                }
            }
        }
        doc.history.add(new Object[] {kind, components, source, seq, createData});
        doc.version++;
        for (final Integer e : doc.subscribers.keySet())
        {
            broadcastEntry(e, 0, edge, session, request, doc, (int)version);
        }
        if (!doc.subscribers.containsKey(edge))
        {
            ack(edge, session, request, hash, version, seq, doc, source);
        }
    }

    /**
     * Give a user a role on a document (the toy engine's ACL; no grants over the wire).
     *
     * @param c    collection.
     * @param d    document id.
     * @param user principal.
     * @param role its role.
     */
    void role(final String c, final String d, final String user, final AclRole role)
    {
        synchronized (lock)
        {
            doc(c, d).acl.put(user, role);
        }
    }

    /**
     * Send a document's latest op again as a broadcast to every subscribed edge (tests: output of a deposed primary).
     *
     * @param c collection.
     * @param d document id.
     */
    void rebroadcastLatest(final String c, final String d)
    {
        synchronized (lock)
        {
            final Doc doc = doc(c, d);
            for (final Integer e : edges.keySet())
            {
                broadcastEntry(e, 0, 0, 0, 0, doc, (int)doc.version - 1);
            }
        }
    }

    /**
     * ACL GET as the engine answers it: DOC_DOES_NOT_EXIST for a document with neither text nor roles, FORBIDDEN to a
     * caller without a role, else the roles. GRANTs are refused (tests set roles with {@link #role}).
     */
    private void onAcl(final AclRequestDecoder m)
    {
        final long session = m.sessionId();
        final long request = m.requestId();
        final long hash = m.docHash();
        final int edge = (int)m.edgeId();
        final AclAction action = m.action();
        final Doc doc = doc(m.collection(), m.docId());
        m.user();
        final String principal = m.principal();
        received.add("acl " + action + " " + doc.d + " principal=" + principal);
        final AclRole caller = doc.acl.getOrDefault(principal, AclRole.NONE);
        final RejectReason reason = !doc.exists && doc.acl.isEmpty() ? RejectReason.DOC_DOES_NOT_EXIST :
            action != AclAction.GET ? RejectReason.MESSAGE_BADLY_FORMED :
            caller == AclRole.NONE ? RejectReason.FORBIDDEN : null;
        if (reason != null)
        {
            final RequestRejectEncoder e = new RequestRejectEncoder().wrapAndApplyHeader(out, 0, headerOut)
                .sessionId(session).requestId(request).routingHash(hash).edgeId(edge).requestKind(RequestKind.ACL_GET)
                .reason(reason).collection(doc.c).docId(doc.d).channel("").message("fake engine: " + reason);
            send(edge, e.encodedLength());
            return;
        }
        final AclStateEncoder e = new AclStateEncoder().wrapAndApplyHeader(out, 0, headerOut)
            .sessionId(session).requestId(request).docHash(hash).version(doc.version).edgeId(edge)
            .requestKind(RequestKind.ACL_GET);
        final AclStateEncoder.EntriesEncoder entries = e.entriesCount(doc.acl.size());
        for (final Map.Entry<String, AclRole> entry : doc.acl.entrySet())
        {
            entries.next().role(entry.getValue()).user(entry.getKey());
        }
        e.collection(doc.c).docId(doc.d);
        send(edge, e.encodedLength());
    }

    /** Entries at 1 ms apart from 2023-11-14T22:13:20Z, anonymous; documents named gone* refuse with HISTORY_GONE. */
    @SuppressWarnings("unchecked")
    private void onHistory(final HistoryRequestDecoder m)
    {
        final long session = m.sessionId();
        final long request = m.requestId();
        final long hash = m.docHash();
        final long from = m.fromVersion();
        final long max = m.maxEntries();
        final int edge = (int)m.edgeId();
        final Doc doc = doc(m.collection(), m.docId());
        received.add("history " + doc.d + " from=" + from + " max=" + max + " principal=" + m.principal());
        if (doc.d.startsWith("gone"))
        {
            final RequestRejectEncoder e = new RequestRejectEncoder().wrapAndApplyHeader(out, 0, headerOut)
                .sessionId(session).requestId(request).routingHash(hash).edgeId(edge).requestKind(RequestKind.HISTORY)
                .reason(RejectReason.HISTORY_GONE).collection(doc.c).docId(doc.d).channel("").message("trimmed");
            send(edge, e.encodedLength());
            return;
        }
        final long start = from < 0 ? Math.max(0, doc.version - max) : Math.min(from, doc.version);
        for (long v = start; v < Math.min(doc.version, start + max); v++)
        {
            final Object[] h = doc.history.get((int)v);
            final OpKind kind = (OpKind)h[0];
            long ins = kind == OpKind.CREATE ? ((String)h[4]).codePointCount(0, ((String)h[4]).length()) : 0;
            long del = 0;
            for (final Object[] c : (List<Object[]>)h[1])
            {
                ins += c[0] == ComponentKind.INSERT ? (long)c[1] : 0;
                del += c[0] == ComponentKind.DELETE ? (long)c[1] : 0;
            }
            final HistoryEntryEncoder e = new HistoryEntryEncoder().wrapAndApplyHeader(out, 0, headerOut)
                .sessionId(session).requestId(request).docHash(hash).version(v)
                .timestampNs(1_700_000_000_000_000_000L + v * 1_000_000L).inserted(ins).deleted(del).edgeId(edge)
                .opKind(kind).principal(v == 0 ? "alice" : "").source((String)h[2]);
            send(edge, e.encodedLength());
        }
        done(edge, session, request, hash, doc.version, RequestKind.HISTORY, doc.c, doc.d, "");
    }

    private void ack(
        final int edge, final long session, final long request, final long hash, final long version, final long seq,
        final Doc doc, final String source)
    {
        final OpAckEncoder e = new OpAckEncoder().wrapAndApplyHeader(out, 0, headerOut)
            .sessionId(session).requestId(request).docHash(hash).version(version).seq(seq).edgeId(edge)
            .collection(doc.c).docId(doc.d).source(source);
        send(edge, e.encodedLength());
    }

    @SuppressWarnings("unchecked")
    private void broadcastEntry(
        final int edge, final long target, final int originEdge, final long originSession, final long originRequest,
        final Doc doc, final int version)
    {
        final Object[] h = doc.history.get(version);
        final OpKind kind = (OpKind)h[0];
        final List<Object[]> components = (List<Object[]>)h[1];
        final OpBroadcastEncoder e = new OpBroadcastEncoder().wrapAndApplyHeader(out, 0, headerOut)
            .targetSessionId(target).originSessionId(originSession).originRequestId(originRequest).docHash(0)
            .version(version).seq((long)h[3]).targetEdgeId(target == 0 ? 0 : edge).originEdgeId(originEdge)
            .opKind(kind);
        final OpBroadcastEncoder.ComponentsEncoder group =
            e.componentsCount(kind == OpKind.EDIT ? components.size() : 0);
        if (kind == OpKind.EDIT)
        {
            for (final Object[] c : components)
            {
                group.next().kind((ComponentKind)c[0]).length((long)c[1]).text((String)c[2]);
            }
        }
        e.collection(doc.c).docId(doc.d).source((String)h[2])
            .createType(kind == OpKind.CREATE ? CodecConstants.TEXT_UNICODE_URI : "")
            .createData(kind == OpKind.CREATE ? (String)h[4] : "");
        send(edge, e.encodedLength());
    }

    private void onPresence(final PresenceUpdateDecoder m)
    {
        final long session = m.sessionId();
        final long request = m.requestId();
        final long hash = m.channelHash();
        final long docVersion = m.docVersion();
        final long pv = m.presenceVersion();
        final int edge = (int)m.edgeId();
        final long index = m.index();
        final long length = m.length();
        final PresenceShape shape = m.shape();
        final String ch = m.channel();
        final String id = m.presenceId();
        final String source = m.source();
        final String c = m.collection();
        final String d = m.docId();
        m.principal();
        final String value = m.value();
        received.add("p " + ch + " " + id + " " + shape);
        for (final Integer e : channels.getOrDefault(ch, Map.of()).keySet())
        {
            if (e != edge)
            {
                presence(e, 0, edge, session, request, hash, docVersion, pv, index, length, shape, ch, id, source, c,
                    d, value);
            }
        }
        presence(edge, session, edge, session, request, hash, docVersion, pv, index, length, shape, ch, id, source,
            c, d, value);
    }

    @SuppressWarnings("checkstyle:ParameterNumber")
    private void presence(
        final int edge, final long target, final int originEdge, final long originSession, final long originRequest,
        final long hash, final long docVersion, final long pv, final long index, final long length,
        final PresenceShape shape, final String ch, final String id, final String source, final String c,
        final String d, final String value)
    {
        final PresenceBroadcastEncoder e = new PresenceBroadcastEncoder().wrapAndApplyHeader(out, 0, headerOut)
            .targetSessionId(target).originSessionId(originSession).originRequestId(originRequest).channelHash(hash)
            .docVersion(docVersion).presenceVersion(pv).targetEdgeId(target == 0 ? 0 : edge).originEdgeId(originEdge)
            .index(index).length(length).shape(shape)
            .channel(ch).presenceId(id).source(source).collection(c).docId(d).value(value);
        send(edge, e.encodedLength());
    }

    private void presenceRequest(
        final int edge, final long originSession, final int originEdge, final long hash, final String ch)
    {
        final PresenceRequestBroadcastEncoder e = new PresenceRequestBroadcastEncoder()
            .wrapAndApplyHeader(out, 0, headerOut)
            .targetSessionId(0).originSessionId(originSession).channelHash(hash).targetEdgeId(0)
            .originEdgeId(originEdge).channel(ch);
        send(edge, e.encodedLength());
    }

    /** @return how many sessions of an edge the fake counts as subscribed to a document. */
    int subscriberCount(final String c, final String d, final int edge)
    {
        synchronized (lock)
        {
            return doc(c, d).subscribers.getOrDefault(edge, 0);
        }
    }

    /** {@inheritDoc} */
    public void close()
    {
        running = false;
        try
        {
            thread.join(2000);
        }
        catch (final InterruptedException ex)
        {
            Thread.currentThread().interrupt();
        }
        synchronized (lock)
        {
            for (final Publication p : edges.values())
            {
                p.close();
            }
            ingress.close();
        }
    }
}
