package io.quire.engine.client;

import io.quire.codec.protocol.RejectReason;
import io.quire.codec.protocol.RequestKind;
import org.agrona.collections.Long2ObjectHashMap;

import java.util.ArrayList;
import java.util.Collection;
import java.util.List;

/**
 * Routes an {@link EngineClient}'s replies to its {@link ClientDoc}s, as an edge routes them to its sessions:
 * replies and catch-up ops by session; broadcasts (target 0) to every doc of that document except the submitting
 * session, whose copy is its ack. Create it, pass it as the client's listener, then {@link #add} docs.
 */
public final class ClientDocs implements EngineClient.Listener
{
    private final Long2ObjectHashMap<ClientDoc> bySession = new Long2ObjectHashMap<>();
    private final Long2ObjectHashMap<List<ClientDoc>> byDocument = new Long2ObjectHashMap<>();
    private final List<ClientDoc> all = new ArrayList<>();
    private EngineClient client;
    private final EngineClient.Listener next;

    /** A router with no further listener. */
    public ClientDocs()
    {
        this(new EngineClient.Listener()
        {
        });
    }

    /**
     * @param next also receives every reply (e.g. a test's own recorder).
     */
    public ClientDocs(final EngineClient.Listener next)
    {
        this.next = next;
    }

    /**
     * Start routing for a client (call once, after connecting it with this router as the listener).
     *
     * @param client the client.
     * @return this.
     */
    public ClientDocs client(final EngineClient client)
    {
        this.client = client;
        return this;
    }

    /**
     * Create a doc on the client and route to it.
     *
     * @param sessionId its session id (unique on the client).
     * @param source    its src.
     * @param doc       the document.
     * @param live      subscribe (true) or fetch only.
     * @return the doc.
     */
    public ClientDoc add(final long sessionId, final String source, final DocRef doc, final boolean live)
    {
        final ClientDoc d = new ClientDoc(client, sessionId, source, doc, live);
        if (bySession.put(sessionId, d) != null)
        {
            throw new IllegalArgumentException("session " + sessionId + " already has a doc");
        }
        byDocument.computeIfAbsent(doc.hash(), h -> new ArrayList<>()).add(d);
        all.add(d);
        return d;
    }

    /** @return every doc. */
    public Collection<ClientDoc> docs()
    {
        return all;
    }

    /** Flush every doc (send what can be sent). */
    public void flush()
    {
        for (final ClientDoc d : all)
        {
            d.flush();
        }
    }

    @Override
    public void onAck(final long sessionId, final long requestId, final long docHash, final long version, final long seq)
    {
        final ClientDoc d = bySession.get(sessionId);
        if (d != null)
        {
            d.onAck(version, seq);
        }
        next.onAck(sessionId, requestId, docHash, version, seq);
    }

    @Override
    public void onReject(
        final long sessionId, final long requestId, final long docHash, final long seq, final RejectReason reason,
        final long currentVersion, final String message)
    {
        final ClientDoc d = bySession.get(sessionId);
        if (d != null)
        {
            d.onReject(seq, reason);
        }
        next.onReject(sessionId, requestId, docHash, seq, reason, currentVersion, message);
    }

    @Override
    public void onOp(final ReceivedOp op)
    {
        if (op.targetSessionId() != 0)
        {
            final ClientDoc d = bySession.get(op.targetSessionId());
            if (d != null)
            {
                d.onOp(op);
            }
        }
        else
        {
            final List<ClientDoc> docs = byDocument.get(op.docHash());
            if (docs != null)
            {
                final boolean ours = client != null && op.originEdgeId() == client.edgeId();
                for (int i = 0, n = docs.size(); i < n; i++)
                {
                    final ClientDoc d = docs.get(i);
                    if (ours && d.sessionId() == op.originSessionId())
                    {
                        continue;
                    }
                    if (d.isSubscribed())
                    {
                        d.onOp(op);
                    }
                }
            }
        }
        next.onOp(op);
    }

    @Override
    public void onSnapshot(
        final long sessionId, final long requestId, final long docHash, final long version, final String docType,
        final String text, final RequestKind kind)
    {
        final ClientDoc d = bySession.get(sessionId);
        if (d != null)
        {
            d.onSnapshot(requestId, version, docType, text);
        }
        next.onSnapshot(sessionId, requestId, docHash, version, docType, text, kind);
    }

    @Override
    public void onDone(
        final long sessionId, final long requestId, final long routingHash, final long version, final RequestKind kind)
    {
        final ClientDoc d = bySession.get(sessionId);
        if (d != null)
        {
            d.onDone(requestId, kind);
        }
        next.onDone(sessionId, requestId, routingHash, version, kind);
    }

    @Override
    public void onRequestReject(
        final long sessionId, final long requestId, final long routingHash, final RequestKind kind,
        final RejectReason reason, final String message)
    {
        final ClientDoc d = bySession.get(sessionId);
        if (d != null)
        {
            d.onRequestReject(requestId, reason);
        }
        next.onRequestReject(sessionId, requestId, routingHash, kind, reason, message);
    }

    @Override
    public void onEngineHeartbeat(
        final int nodeId, final long epoch, final int shardCount, final int shardBegin, final int shardEnd)
    {
        next.onEngineHeartbeat(nodeId, epoch, shardCount, shardBegin, shardEnd);
    }

    @Override
    public void onEngineUp(final int nodeId, final long epoch)
    {
        for (final ClientDoc d : all)
        {
            d.onEngineUp();
        }
        next.onEngineUp(nodeId, epoch);
    }

    @Override
    public void onEngineDown()
    {
        for (final ClientDoc d : all)
        {
            d.onEngineDown();
        }
        next.onEngineDown();
    }
}
