package io.quire.edge;

import io.aeron.Subscription;
import io.aeron.FragmentAssembler;
import org.agrona.concurrent.Agent;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.ArrayList;
import java.util.List;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;

/**
 * The edge's one duty cycle: poll engine replies and fan them out, heartbeat the engines, and look after sessions
 * (pings, idle timeouts, sessions of an engine that went down). Runs on an Agrona {@code AgentRunner} with a backoff
 * idle strategy by default.
 */
final class EdgeAgent implements Agent
{
    private static final Logger LOG = LoggerFactory.getLogger(EdgeAgent.class);
    private static final int FRAGMENT_LIMIT = 64;
    private static final long HOUSEKEEPING_NS = 1_000_000_000L;

    private final EdgeContext ctx;
    private final Subscription replies;
    private final FragmentAssembler assembler;
    private final EngineLinks engines;
    private final SessionRegistry registry;
    private final EdgeMetrics metrics;
    private final String advertisedReplyChannel;
    private final Queue<Integer> goneImages = new ConcurrentLinkedQueue<>();
    private long nextHeartbeatNs;
    private long nextHousekeepingNs;

    EdgeAgent(
        final EdgeContext ctx, final Subscription replies, final ReplyAdapter adapter, final EngineLinks engines,
        final SessionRegistry registry, final EdgeMetrics metrics, final String advertisedReplyChannel)
    {
        this.ctx = ctx;
        this.replies = replies;
        this.assembler = new FragmentAssembler(adapter);
        this.engines = engines;
        this.registry = registry;
        this.metrics = metrics;
        this.advertisedReplyChannel = advertisedReplyChannel;
    }

    /**
     * Called from Aeron's conductor thread when a reply image goes away.
     *
     * @param imageSessionId the image's session id.
     */
    void onImageGone(final int imageSessionId)
    {
        goneImages.add(imageSessionId);
    }

    /** {@inheritDoc} */
    public int doWork()
    {
        int work = replies.poll(assembler, FRAGMENT_LIMIT);
        final long now = System.nanoTime();
        if (now - nextHeartbeatNs >= 0)
        {
            nextHeartbeatNs = now + ctx.heartbeatIntervalNs();
            engines.heartbeat(now, System.currentTimeMillis() * 1_000_000L, ctx.edgeEpoch(), advertisedReplyChannel,
                ctx.replyStream(), this::engineDown);
            work++;
        }
        engines.drainPrimaryChanges(this::engineDown);
        Integer gone;
        while ((gone = goneImages.poll()) != null)
        {
            engines.onImageGone(gone, this::engineDown);
            work++;
        }
        if (now - nextHousekeepingNs >= 0)
        {
            nextHousekeepingNs = now + HOUSEKEEPING_NS;
            housekeeping(now);
            work++;
        }
        return work;
    }

    private void housekeeping(final long now)
    {
        for (final EdgeSession session : registry.sessions())
        {
            if (session.isClosed())
            {
                continue;
            }
            if (now - session.lastReceiveNs() > ctx.idleTimeoutNs())
            {
                metrics.connectionClosed("idle");
                session.closeWith(1001, "idle timeout");
            }
            else if (session.pingDue(now, ctx.pingIntervalNs()))
            {
                session.transport.ping();
            }
        }
    }

    /**
     * An engine went down (restart, crash): it no longer knows this edge's subscriptions, so the sessions that
     * depend on it are closed; their clients reconnect and resubscribe from their versions.
     */
    private void engineDown(final int engine)
    {
        final List<EdgeSession> affected = new ArrayList<>();
        for (final EdgeSession session : registry.sessions())
        {
            if (session.touches(engine))
            {
                affected.add(session);
            }
        }
        if (!affected.isEmpty())
        {
            LOG.warn("closing {} sessions that depended on engine {}", affected.size(),
                engines.map().entries().get(engine).range());
        }
        for (final EdgeSession session : affected)
        {
            synchronized (session)
            {
                // Its state on that engine is gone with it: forget it here without unsubscribing, since a restarted
                // engine would take the unsubscribes off other sessions' counts.
                session.docs.entrySet().removeIf(e ->
                {
                    if (e.getValue().engine == engine)
                    {
                        registry.removeDocMember(e.getKey(), session);
                        return true;
                    }
                    return false;
                });
                session.channels.entrySet().removeIf(e ->
                {
                    if (e.getValue() == engine)
                    {
                        registry.removeChannelMember(e.getKey(), session);
                        return true;
                    }
                    return false;
                });
                session.presences.values().removeIf(r -> r.engine() == engine);
                session.pending.clear();
            }
            metrics.connectionClosed("engine-down");
            session.closeWith(1012, "engine restarted; reconnect");
        }
    }

    /** {@inheritDoc} */
    public String roleName()
    {
        return "quire-edge-" + ctx.edgeId();
    }
}
