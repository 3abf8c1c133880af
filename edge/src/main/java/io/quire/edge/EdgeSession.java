package io.quire.edge;

import com.fasterxml.jackson.databind.node.ObjectNode;
import org.agrona.collections.Long2ObjectHashMap;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;

/**
 * One client connection: its ShareDB state (src, subscriptions, presences, requests in flight) and its outbound
 * queue. The state is guarded by the session's monitor: the IO thread that reads the socket and the reply agent both
 * take it, never while holding another session's. Everything sent goes through {@link #send(String)} under the
 * monitor, so the order of {@code send} calls is the order on the wire.
 */
final class EdgeSession
{
    /** A document subscription and where it stands. */
    static final class DocSub
    {
        /** Subscribe sent, reply not yet in: broadcasts are dropped (the snapshot or catch-up will cover them). */
        static final int PENDING = 1;
        /** Part of a bulk reply not yet sent: broadcasts are queued behind it. */
        static final int HELD = 2;
        /** Live: broadcasts are delivered. */
        static final int LIVE = 3;

        final int engine;
        /** The Subscribe in flight or last answered (a failover's silent re-subscription replaces it). */
        long subscribeRequestId;
        int state = PENDING;
        List<String> held;
        /**
         * The version of the next op this session's client expects for the document: one past the last op delivered
         * (or queued) to it, or the version of the snapshot it got; -1 while unknown. A failover re-subscribes from it.
         */
        long nextVersion = -1;

        DocSub(final int engine, final long subscribeRequestId)
        {
            this.engine = engine;
            this.subscribeRequestId = subscribeRequestId;
        }

        DocSub(final int engine, final long subscribeRequestId, final long fromVersion)
        {
            this(engine, subscribeRequestId);
            this.nextVersion = fromVersion;
        }

        /** @param version a version the client now has (a snapshot's), or one past an op it got. */
        void delivered(final long version)
        {
            if (version > nextVersion)
            {
                nextVersion = version;
            }
        }
    }

    /** A presence this session has sent, for the p:null broadcast when it goes away. */
    record PresenceRecord(
        String channel, String presenceId, String collection, String docId, int engine, long docVersion)
    {
    }

    final long id;
    final String principal;
    final Transport transport;
    final long connectedNs;

    final Map<DocKey, DocSub> docs = new HashMap<>();
    final Map<String, Integer> channels = new HashMap<>();
    final Map<String, PresenceRecord> presences = new LinkedHashMap<>();
    final Long2ObjectHashMap<Pending> pending = new Long2ObjectHashMap<>();
    /**
     * Requests that wait while a shard range fails over, in arrival order (guarded by the monitor); once one waits,
     * every later request waits behind it, so they are released in order.
     */
    final ArrayDeque<ObjectNode> held = new ArrayDeque<>();
    /** {@code held.size()}, readable without the monitor: the IO path looks at it before taking the monitor. */
    volatile int heldCount;
    /** Per shard map entry, the hold generation in which this session was recovered and may send again. */
    int[] releasedGeneration = new int[0];

    private final AtomicLong queuedBytes = new AtomicLong();
    private final long maxQueuedBytes;
    private final EdgeMetrics metrics;
    private volatile String src;
    private volatile long lastReceiveNs;
    private long lastPingNs;
    private int protocolMinor;
    private long enginesTouched;
    private boolean closed;
    private boolean gone;

    // Read-side state: only the session's IO thread touches these.
    final TokenBucket opBucket;
    final TokenBucket messageBucket;

    EdgeSession(
        final long id, final String src, final String principal, final Transport transport, final EdgeContext ctx,
        final EdgeMetrics metrics, final long nowNs)
    {
        this.id = id;
        this.src = src;
        this.principal = principal;
        this.transport = transport;
        this.maxQueuedBytes = ctx.outboundMaxBytes();
        this.metrics = metrics;
        this.connectedNs = nowNs;
        this.lastReceiveNs = nowNs;
        this.lastPingNs = nowNs;
        this.opBucket = new TokenBucket(ctx.opRate(), ctx.opBurst(), nowNs);
        this.messageBucket = new TokenBucket(ctx.messageRate(), ctx.messageBurst(), nowNs);
    }

    /** @return the connection's ShareDB src. */
    String src()
    {
        return src;
    }

    void src(final String src)
    {
        this.src = src;
    }

    synchronized int protocolMinor()
    {
        return protocolMinor;
    }

    synchronized void protocolMinor(final int minor)
    {
        this.protocolMinor = minor;
    }

    void touch(final long nowNs)
    {
        lastReceiveNs = nowNs;
    }

    long lastReceiveNs()
    {
        return lastReceiveNs;
    }

    /** Agent thread only. */
    boolean pingDue(final long nowNs, final long intervalNs)
    {
        if (nowNs - lastPingNs >= intervalNs)
        {
            lastPingNs = nowNs;
            return true;
        }
        return false;
    }

    /** @param engine an engine index this session now has state on. */
    synchronized void touchEngine(final int engine)
    {
        enginesTouched |= engine >= 63 ? -1L : 1L << engine;
    }

    /**
     * @param engine an engine index.
     * @return true if the session has (or had) subscriptions, presence or requests on it.
     */
    synchronized boolean touches(final int engine)
    {
        return (enginesTouched & (engine >= 63 ? -1L : 1L << engine)) != 0;
    }

    /** @return true once the connection is closed or closing. */
    synchronized boolean isClosed()
    {
        return closed;
    }

    /**
     * Mark closed (the transport is gone or going).
     *
     * @return true the first time.
     */
    synchronized boolean markClosed()
    {
        if (closed)
        {
            return false;
        }
        closed = true;
        return true;
    }

    /** The connection's cleanup ran; the session stays only while engine replies it must act on are in flight. */
    synchronized void markGone()
    {
        gone = true;
    }

    /** @return true if cleaned up and nothing is in flight: the registry may forget it. */
    synchronized boolean canForget()
    {
        return gone && pending.isEmpty();
    }

    /** @return bytes queued to the socket and not yet written. */
    long queuedBytes()
    {
        return queuedBytes.get();
    }

    /**
     * Queue a text frame. A client that lets more than {@code outbound.max-bytes} pile up is closed (1008) as a slow
     * consumer; one frame larger than the bound still goes out when nothing else is queued.
     *
     * @param text the JSON.
     */
    synchronized void send(final String text)
    {
        if (closed)
        {
            return;
        }
        final long size = text.length();
        final long queued = queuedBytes.get();
        if (queued > 0 && queued + size > maxQueuedBytes)
        {
            metrics.slowConsumerClosed();
            closeWith(1008, "slow consumer: more than " + maxQueuedBytes + " bytes queued");
            return;
        }
        queuedBytes.addAndGet(size);
        metrics.outboundQueued(size);
        final long queuedNs = System.nanoTime();
        transport.sendText(text, () ->
        {
            queuedBytes.addAndGet(-size);
            metrics.outboundQueued(-size);
            metrics.latency().socketWrite(System.nanoTime() - queuedNs);
        });
    }

    /**
     * Send a close frame with a reason and drop the connection.
     *
     * @param code   WebSocket close code.
     * @param reason reason text.
     */
    synchronized void closeWith(final int code, final String reason)
    {
        if (!closed)
        {
            closed = true;
            transport.close(code, reason);
        }
    }

    /**
     * Deliver a per-document message that belongs in the document's version-ordered stream (a broadcast, catch-up op
     * or ack), honouring a held bulk subscription. Caller holds the monitor.
     *
     * @param doc      the document.
     * @param text     the JSON.
     * @param targeted true for messages addressed to this session (catch-up, acks): sent even if not subscribed.
     * @return true if sent or queued.
     */
    boolean deliverDocMessage(final DocKey doc, final String text, final boolean targeted)
    {
        return deliverDocMessage(doc, text, targeted, -1);
    }

    /**
     * As {@link #deliverDocMessage(DocKey, String, boolean)}, recording that the client got the op of this version.
     *
     * @param doc      the document.
     * @param text     the JSON.
     * @param targeted true for messages addressed to this session.
     * @param version  the op's version (-1: not an op).
     * @return true if sent or queued.
     */
    boolean deliverDocMessage(final DocKey doc, final String text, final boolean targeted, final long version)
    {
        final DocSub sub = docs.get(doc);
        if (sub != null && sub.state == DocSub.HELD)
        {
            if (sub.held == null)
            {
                sub.held = new ArrayList<>();
            }
            sub.held.add(text);
            if (version >= 0)
            {
                sub.delivered(version + 1);
            }
            return true;
        }
        if (targeted || (sub != null && sub.state == DocSub.LIVE))
        {
            send(text);
            if (sub != null && version >= 0)
            {
                sub.delivered(version + 1);
            }
            return true;
        }
        return false;
    }

    /**
     * @param engine a shard map entry.
     * @return the hold generation in which this session was last recovered for it. Caller holds the monitor.
     */
    int releasedGeneration(final int engine)
    {
        return engine < releasedGeneration.length ? releasedGeneration[engine] : 0;
    }

    /**
     * Recovered for an entry in this hold generation: its requests for it are sent again. Caller holds the monitor.
     */
    void released(final int engine, final int generation)
    {
        if (engine < releasedGeneration.length)
        {
            releasedGeneration[engine] = generation;
        }
    }

    /**
     * A held or pending subscription goes live; queued broadcasts are sent first. Caller holds the monitor.
     *
     * @param doc the document.
     */
    void goLive(final DocKey doc)
    {
        final DocSub sub = docs.get(doc);
        if (sub == null)
        {
            return;
        }
        sub.state = DocSub.LIVE;
        if (sub.held != null)
        {
            for (final String text : sub.held)
            {
                send(text);
            }
            sub.held = null;
        }
    }

    /** @return subscriptions held (documents and presence channels). Caller holds the monitor. */
    int subscriptionCount()
    {
        return docs.size() + channels.size();
    }
}
