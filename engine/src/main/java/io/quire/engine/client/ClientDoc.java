package io.quire.engine.client;

import io.quire.codec.protocol.OpKind;
import io.quire.codec.protocol.RejectReason;
import io.quire.codec.protocol.RequestKind;
import io.quire.engine.ot.Rope;
import io.quire.engine.ot.TextOp;
import io.quire.engine.ot.TextUnicode;

import java.nio.charset.StandardCharsets;

/**
 * One session's copy of one text document, kept in sync with the engine exactly as ShareDB's client {@code Doc}
 * does (shared/protocol §5.3, §6): at most one op in flight; later local ops composed into one pending op; an
 * incoming op at the doc's version transforms the in-flight and pending ops with side {@code left} and is itself
 * transformed with side {@code right} before it is applied; an op below the version is a duplicate and dropped; one
 * above it opens a gap that a fetch closes. A reject rolls back hard (the doc is fetched again, in-flight and
 * pending ops are lost). After the engine comes back, the in-flight op is resent with the same src and seq, then the
 * doc resubscribes from its version.
 * <p>
 * Driven from the {@link EngineClient}'s thread through a {@link ClientDocs} router; call {@link #flush()} (or
 * {@link ClientDocs#flush()}) after local ops to send them.
 */
public final class ClientDoc
{
    /** Learns what happened to this doc's ops (tests record acks, for instance). */
    public interface Observer
    {
        /**
         * An op of this doc was acknowledged.
         *
         * @param doc     the doc.
         * @param seq     its seq.
         * @param version the version it was committed at.
         */
        default void onAcked(ClientDoc doc, long seq, long version)
        {
        }

        /**
         * An op of this doc was refused (the doc rolled back).
         *
         * @param doc    the doc.
         * @param seq    its seq.
         * @param reason why.
         */
        default void onRejected(ClientDoc doc, long seq, RejectReason reason)
        {
        }
    }

    private static final Observer NO_OBSERVER = new Observer()
    {
    };

    private final EngineClient client;
    private final DocRef doc;
    private final long sessionId;
    private final String source;
    private final byte[] sourceBytes;
    private final boolean live;
    private final TextUnicode ot = new TextUnicode();
    private Observer observer = NO_OBSERVER;

    private long nextSeq = 1;
    private long version = -1;
    private boolean exists;
    private Rope text = new Rope();

    private OpKind inflightKind;
    private final TextOp inflight = new TextOp();
    private long inflightSeq;
    private long inflightBase;
    private String inflightCreateData;
    private boolean inflightSent;
    private boolean pendingOps;
    private final TextOp pending = new TextOp();

    private boolean wantSnapshot;
    private long snapshotRequest;
    private boolean wantResubscribe;
    private long fetchRequest;
    private boolean refetch;
    private long deferredAck = -1;
    private boolean subscribed;

    private final TextOp serverOp = new TextOp();
    private final TextOp scratch1 = new TextOp();
    private final TextOp scratch2 = new TextOp();

    private long acked;
    private long rejected;
    private long resent;
    private long duplicatesDropped;
    private long gaps;
    private long transformedAgainst;
    private long maxLag;
    private long laggedAcks;

    /**
     * @param client    the client (edge) this session lives on.
     * @param sessionId the session id (unique on the client, non-zero).
     * @param source    the session's ShareDB src.
     * @param doc       the document.
     * @param live      true to subscribe (receive every op), false to fetch only.
     */
    public ClientDoc(
        final EngineClient client, final long sessionId, final String source, final DocRef doc, final boolean live)
    {
        this.client = client;
        this.sessionId = sessionId;
        this.source = source;
        this.sourceBytes = source.getBytes(StandardCharsets.UTF_8);
        this.doc = doc;
        this.live = live;
    }

    /**
     * @param observer learns of acks and rejects.
     * @return this.
     */
    public ClientDoc observer(final Observer observer)
    {
        this.observer = observer;
        return this;
    }

    // ------------------------------------------------------------------------------------------------------------
    // Local API

    /** Fetch the snapshot (and subscribe, if live). Local ops may follow once {@link #hasSnapshot()}. */
    public void subscribe()
    {
        wantSnapshot = true;
        flush();
    }

    /**
     * Create the document with initial text (the doc must not exist).
     *
     * @param data the initial text.
     */
    public void create(final String data)
    {
        if (exists || inflightKind != null || pendingOps)
        {
            throw new IllegalStateException(doc + ": create on an existing document or with ops outstanding");
        }
        inflightKind = OpKind.CREATE;
        inflight.clear();
        inflightCreateData = data;
        inflightSeq = nextSeq++;
        inflightSent = false;
        exists = true;
        text = new Rope(data);
        flush();
    }

    /**
     * Apply a local edit and queue it (composed into the pending op while another is in flight).
     *
     * @param op an op valid on the current text.
     */
    public void submit(final TextOp op)
    {
        if (!exists || version < 0)
        {
            throw new IllegalStateException(doc + ": edit before the document exists or was fetched");
        }
        ot.apply(op, text);
        if (pendingOps)
        {
            ot.compose(pending, op, scratch1);
            pending.copyFrom(scratch1);
        }
        else
        {
            pending.copyFrom(op);
            pendingOps = true;
        }
    }

    /** Send what can be sent now: the snapshot request, a resubscription, the in-flight op or the next pending one. */
    public void flush()
    {
        if (!client.isEngineUp())
        {
            return;
        }
        if (wantSnapshot && snapshotRequest == 0)
        {
            final long r = client.subscribe(sessionId, doc, -1, live);
            if (r > 0)
            {
                snapshotRequest = r;
            }
        }
        if (inflightKind != null && !inflightSent)
        {
            sendInflight();
        }
        if (wantResubscribe && inflightSent || wantResubscribe && inflightKind == null)
        {
            final long r = client.subscribe(sessionId, doc, version, live);
            if (r > 0)
            {
                wantResubscribe = false;
                fetchRequest = r;
            }
        }
        if (refetch && fetchRequest == 0 && !wantResubscribe && !wantSnapshot && version >= 0)
        {
            requestFetch();
        }
        if (inflightKind == null && pendingOps && version >= 0 && !wantSnapshot)
        {
            inflight.copyFrom(pending);
            pendingOps = false;
            inflightKind = OpKind.EDIT;
            inflightSeq = nextSeq++;
            inflightSent = false;
            sendInflight();
        }
    }

    private void sendInflight()
    {
        final long base = inflightKind == OpKind.CREATE && version < 0 ? -1 : version;
        inflightBase = base;
        final long r = inflightKind == OpKind.CREATE ?
            client.submitCreate(sessionId, doc, base, sourceBytes, inflightSeq, inflightCreateData) :
            client.submitEdit(sessionId, doc, base, sourceBytes, inflightSeq, inflight);
        inflightSent = r > 0;
    }

    // ------------------------------------------------------------------------------------------------------------
    // From the engine (through ClientDocs)

    void onAck(final long ackVersion, final long seq)
    {
        if (inflightKind == null || seq != inflightSeq)
        {
            return;
        }
        if (inflightKind == OpKind.CREATE)
        {
            version = ackVersion;
        }
        else if (ackVersion != version)
        {
            // ShareDB: "Invalid version from server": the ops before ours have not reached us yet. A fetch brings
            // them (our own op among them acts as the ack); if it ends before our op, the ack applies once the
            // version reaches it.
            if (ackVersion > version)
            {
                deferredAck = ackVersion;
                requestFetch();
            }
            return;
        }
        deferredAck = -1;
        if (inflightKind == OpKind.EDIT && inflightBase >= 0)
        {
            // How far the document had moved past the base the engine received: what it transformed the op over.
            final long lag = ackVersion - inflightBase;
            maxLag = Math.max(maxLag, lag);
            if (lag > 0)
            {
                laggedAcks++;
            }
        }
        version++;
        final long committedSeq = inflightSeq;
        inflightKind = null;
        inflightCreateData = null;
        acked++;
        observer.onAcked(this, committedSeq, ackVersion);
        flush();
    }

    void onReject(final long seq, final RejectReason reason)
    {
        if (inflightKind == null || seq != inflightSeq)
        {
            return;
        }
        rejected++;
        inflightKind = null;
        pendingOps = false;
        observer.onRejected(this, seq, reason);
        hardRollback();
    }

    void onOp(final ReceivedOp m)
    {
        if (inflightKind != null && m.seq() == inflightSeq && source.contentEquals(m.source()))
        {
            onAck(m.version(), m.seq());
            return;
        }
        if (version < 0 || wantSnapshot)
        {
            return;
        }
        if (m.version() > version)
        {
            gaps++;
            requestFetch();
            return;
        }
        if (m.version() < version)
        {
            duplicatesDropped++;
            return;
        }
        switch (m.kind())
        {
            case DELETE:
                exists = false;
                text = new Rope();
                version++;
                if (inflightKind != null || pendingOps)
                {
                    inflightKind = null;
                    pendingOps = false;
                    hardRollback();
                }
                return;
            case CREATE:
                exists = true;
                text = new Rope(m.createData());
                version++;
                return;
            default:
                break;
        }
        serverOp.copyFrom(m.op());
        if (inflightKind == OpKind.EDIT || pendingOps)
        {
            transformedAgainst++;
        }
        if (inflightKind == OpKind.EDIT)
        {
            transformX(inflight);
        }
        if (pendingOps)
        {
            transformX(pending);
        }
        ot.apply(serverOp, text);
        version++;
        if (deferredAck == version && inflightKind != null)
        {
            onAck(deferredAck, inflightSeq);
        }
    }

    /** ShareDB's transformX: the client op goes left, the server op right. */
    private void transformX(final TextOp clientOp)
    {
        ot.transform(clientOp, serverOp, TextUnicode.Side.LEFT, scratch1);
        ot.transform(serverOp, clientOp, TextUnicode.Side.RIGHT, scratch2);
        clientOp.copyFrom(scratch1);
        serverOp.copyFrom(scratch2);
    }

    void onSnapshot(final long requestId, final long snapshotVersion, final String docType, final String snapshotText)
    {
        if (requestId != snapshotRequest)
        {
            return;
        }
        snapshotRequest = 0;
        wantSnapshot = false;
        version = snapshotVersion;
        exists = docType != null;
        text = new Rope(snapshotText);
        subscribed = live;
        flush();
    }

    void onDone(final long requestId, final RequestKind kind)
    {
        if (requestId == fetchRequest)
        {
            fetchRequest = 0;
            if (kind == RequestKind.SUBSCRIBE)
            {
                subscribed = true;
            }
            if (deferredAck == version && inflightKind != null)
            {
                onAck(deferredAck, inflightSeq);
            }
            else if (refetch || deferredAck > version)
            {
                refetch = false;
                requestFetch();
            }
        }
    }

    void onRequestReject(final long requestId, final RejectReason reason)
    {
        if (requestId == snapshotRequest)
        {
            snapshotRequest = 0;
        }
        else if (requestId == fetchRequest)
        {
            fetchRequest = 0;
            hardRollback();
        }
    }

    void onEngineUp()
    {
        // shared/protocol §6.4: the in-flight op first (same src and seq), then the subscription from our version.
        if (inflightKind != null)
        {
            inflightSent = false;
            resent++;
        }
        snapshotRequest = 0;
        fetchRequest = 0;
        refetch = false;
        deferredAck = -1;
        if (version >= 0 && !wantSnapshot)
        {
            wantResubscribe = true;
        }
        flush();
    }

    void onEngineDown()
    {
        subscribed = false;
    }

    private void requestFetch()
    {
        if (fetchRequest != 0 || wantResubscribe)
        {
            // The fetch under way may end before the op that showed the gap: fetch again after it.
            refetch = true;
            return;
        }
        final long r = client.isEngineUp() ? client.subscribe(sessionId, doc, version, false) : -1;
        if (r > 0)
        {
            fetchRequest = r;
            refetch = false;
        }
        else
        {
            refetch = true;
        }
    }

    private void hardRollback()
    {
        deferredAck = -1;
        refetch = false;
        version = -1;
        wantSnapshot = true;
        snapshotRequest = 0;
        flush();
    }

    // ------------------------------------------------------------------------------------------------------------
    // State

    /** @return the document. */
    public DocRef doc()
    {
        return doc;
    }

    /** @return the session id. */
    public long sessionId()
    {
        return sessionId;
    }

    /** @return the session's src. */
    public String source()
    {
        return source;
    }

    /** @return the version the local text is at (-1 before the first snapshot). */
    public long version()
    {
        return version;
    }

    /** @return true once a snapshot has arrived. */
    public boolean hasSnapshot()
    {
        return version >= 0 && !wantSnapshot;
    }

    /** @return true if the document exists (has a type). */
    public boolean exists()
    {
        return exists;
    }

    /** @return the local text (with local ops applied). */
    public Rope text()
    {
        return text;
    }

    /** @return true if an op is in flight or pending, or a fetch is outstanding. */
    public boolean busy()
    {
        return inflightKind != null || pendingOps || wantSnapshot || wantResubscribe || fetchRequest != 0 || refetch;
    }

    /** @return true if an op is in flight. */
    public boolean hasInflight()
    {
        return inflightKind != null;
    }

    /** @return the seq the next op will get. */
    public long nextSeq()
    {
        return nextSeq;
    }

    /** @return true if the doc is subscribed (live). */
    public boolean isSubscribed()
    {
        return subscribed;
    }

    /** @return ops acknowledged. */
    public long acked()
    {
        return acked;
    }

    /** @return ops refused. */
    public long rejected()
    {
        return rejected;
    }

    /** @return in-flight ops resent after the engine came back. */
    public long resent()
    {
        return resent;
    }

    /** @return incoming ops dropped because they were below the version. */
    public long duplicatesDropped()
    {
        return duplicatesDropped;
    }

    /** @return incoming ops that were transformed against a local in-flight or pending op. */
    public long transformedAgainst()
    {
        return transformedAgainst;
    }

    /** @return the most versions an acknowledged edit's base was behind its commit version. */
    public long maxLag()
    {
        return maxLag;
    }

    /** @return acknowledged edits whose base was behind their commit version (the engine transformed them). */
    public long laggedAcks()
    {
        return laggedAcks;
    }

    /** @return gaps detected (ops above the version). */
    public long gaps()
    {
        return gaps;
    }

    @Override
    public String toString()
    {
        return "ClientDoc{" + doc + " session=" + sessionId + " src=" + source + " v=" + version +
            (inflightKind != null ? " inflight=" + inflightKind + "#" + inflightSeq + (inflightSent ? "" : "(unsent)") :
            "") + (pendingOps ? " pending" : "") + (wantSnapshot ? " wantSnapshot" : "") +
            (wantResubscribe ? " wantResubscribe" : "") + (fetchRequest != 0 ? " fetching" : "") + "}";
    }
}
