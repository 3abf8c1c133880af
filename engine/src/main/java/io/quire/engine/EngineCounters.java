package io.quire.engine;

import io.aeron.Aeron;
import io.aeron.Counter;
import io.quire.codec.protocol.RejectReason;
import org.agrona.CloseHelper;
import org.agrona.concurrent.status.AtomicCounter;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * The engine node's counters, all Aeron counters (so AeronStat shows them, labelled {@code quire engine N ...}): the
 * shards' own (through {@link #newCounter(String)}, the shards' counter factory), the ingress agent's, the egress
 * publisher's and a few gauges the agent refreshes.
 * <p>
 * Ingress counters and gauges have one writer, the ingress thread. The egress failure counters are written by every
 * shard thread, with atomic increments.
 */
public final class EngineCounters implements AutoCloseable
{
    /** Aeron counter type id of every Quire engine counter. */
    public static final int COUNTER_TYPE_ID = 1001;

    private final Aeron aeron;
    private final String prefix;
    private final List<Counter> counters = new ArrayList<>();

    /** Messages taken from the ingress subscription. */
    public final AtomicCounter ingressMessages;
    /** Messages the validator refused. */
    public final AtomicCounter ingressMalformed;
    /** Requests from edges that have not said hello (dropped: there is nowhere to reply). */
    public final AtomicCounter ingressUnknownEdge;
    /** Engine-to-edge messages or unknown templates arriving on the ingress (dropped). */
    public final AtomicCounter ingressUnexpected;
    /** Unexpected failures while handling a message (the message is lost, the agent lives). */
    public final AtomicCounter ingressErrors;
    /** SessionClosed notices. */
    public final AtomicCounter sessionsClosed;
    /** Hellos and heartbeats from an older incarnation of an edge (ignored). */
    public final AtomicCounter staleHellos;
    /** Edges that restarted (new epoch). */
    public final AtomicCounter edgeRestarts;
    /** Edges dropped after edge.timeout of silence. */
    public final AtomicCounter edgeTimeouts;
    /** Known edges (gauge). */
    public final AtomicCounter edgesKnown;
    /** Engine heartbeats sent. */
    public final AtomicCounter heartbeatsSent;
    /** Engine heartbeats a publication did not take (edge not connected yet, or back-pressured). */
    public final AtomicCounter heartbeatsMissed;
    /** Rejects and heartbeats from the ingress thread that no publication took. */
    public final AtomicCounter ingressRepliesUndelivered;
    /** Rejects made by the ingress itself, by reason (OVERLOADED also counts on the shard). */
    private final AtomicCounter[] ingressRejects;
    /** Egress: messages for edges the directory does not know. */
    public final AtomicCounter egressUnknownEdge;
    /** Egress: messages refused because the edge is not connected. */
    public final AtomicCounter egressNotConnected;
    /** Egress: messages dropped after retrying back-pressure for egress.retry. */
    public final AtomicCounter egressBackPressureDrops;
    /** Egress: retries on back-pressure or admin action. */
    public final AtomicCounter egressBackPressureRetries;
    /** Egress: messages refused by a closed publication. */
    public final AtomicCounter egressClosed;

    /**
     * @param aeron  the client that allocates the counters.
     * @param nodeId the node id, part of every label.
     */
    public EngineCounters(final Aeron aeron, final int nodeId)
    {
        this.aeron = aeron;
        this.prefix = "quire engine " + nodeId + " ";
        ingressMessages = newCounter("ingress-messages");
        ingressMalformed = newCounter("ingress-malformed");
        ingressUnknownEdge = newCounter("ingress-unknown-edge");
        ingressUnexpected = newCounter("ingress-unexpected");
        ingressErrors = newCounter("ingress-errors");
        sessionsClosed = newCounter("sessions-closed");
        staleHellos = newCounter("edge-stale-hellos");
        edgeRestarts = newCounter("edge-restarts");
        edgeTimeouts = newCounter("edge-timeouts");
        edgesKnown = newCounter("edges-known");
        heartbeatsSent = newCounter("heartbeats-sent");
        heartbeatsMissed = newCounter("heartbeats-missed");
        ingressRepliesUndelivered = newCounter("ingress-replies-undelivered");
        final RejectReason[] reasons = RejectReason.values();
        ingressRejects = new AtomicCounter[reasons.length];
        for (final RejectReason reason : new RejectReason[]{
            RejectReason.OVERLOADED, RejectReason.NOT_PRIMARY, RejectReason.MESSAGE_BADLY_FORMED,
            RejectReason.OP_BADLY_FORMED, RejectReason.OP_TOO_LARGE})
        {
            ingressRejects[reason.ordinal()] = newCounter("ingress-rejects-" + reason.name().toLowerCase(Locale.ROOT));
        }
        egressUnknownEdge = newCounter("egress-unknown-edge");
        egressNotConnected = newCounter("egress-not-connected");
        egressBackPressureDrops = newCounter("egress-back-pressure-drops");
        egressBackPressureRetries = newCounter("egress-back-pressure-retries");
        egressClosed = newCounter("egress-closed");
    }

    /**
     * Allocate a counter (cold path: it asks the media driver). Also the shards' counter factory.
     *
     * @param label what it counts; the node prefix is added.
     * @return the counter, closed with this object.
     */
    public AtomicCounter newCounter(final String label)
    {
        final Counter counter = aeron.addCounter(COUNTER_TYPE_ID, prefix + label);
        synchronized (counters)
        {
            counters.add(counter);
        }
        return counter;
    }

    /**
     * The counter of rejects the ingress made itself.
     *
     * @param reason a reason.
     * @return its counter, or null if the ingress never uses that reason.
     */
    public AtomicCounter ingressRejects(final RejectReason reason)
    {
        return ingressRejects[reason.ordinal()];
    }

    /**
     * @param reason a reason.
     * @return rejects with that reason the ingress made itself.
     */
    public long ingressRejectCount(final RejectReason reason)
    {
        final AtomicCounter counter = ingressRejects[reason.ordinal()];
        return counter == null ? 0 : counter.get();
    }

    /** @return messages taken from the ingress. */
    public long ingressMessageCount()
    {
        return ingressMessages.get();
    }

    /** @return messages the validator refused. */
    public long ingressMalformedCount()
    {
        return ingressMalformed.get();
    }

    /** @return requests dropped because their edge had not said hello. */
    public long ingressUnknownEdgeCount()
    {
        return ingressUnknownEdge.get();
    }

    /** @return unexpected failures handling ingress messages. */
    public long ingressErrorCount()
    {
        return ingressErrors.get();
    }

    /** @return SessionClosed notices. */
    public long sessionsClosedCount()
    {
        return sessionsClosed.get();
    }

    /** @return edges known now. */
    public long edgesKnownCount()
    {
        return edgesKnown.get();
    }

    /** @return edges that restarted. */
    public long edgeRestartCount()
    {
        return edgeRestarts.get();
    }

    /** @return edges dropped for silence. */
    public long edgeTimeoutCount()
    {
        return edgeTimeouts.get();
    }

    /** @return messages no publication took, over every failure kind (shard egress and the ingress's own replies). */
    public long undeliveredCount()
    {
        return egressUnknownEdge.get() + egressNotConnected.get() + egressBackPressureDrops.get() +
            egressClosed.get();
    }

    /** @return egress retries on back-pressure. */
    public long egressBackPressureRetryCount()
    {
        return egressBackPressureRetries.get();
    }

    @Override
    public void close()
    {
        synchronized (counters)
        {
            counters.forEach(CloseHelper::quietClose);
            counters.clear();
        }
    }
}
