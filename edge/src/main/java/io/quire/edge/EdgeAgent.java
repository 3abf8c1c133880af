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
 * The edge's one duty cycle: poll engine replies and fan them out, heartbeat the engines, look after sessions
 * (pings, idle timeouts) and run failovers: when a shard range's primary goes down its requests are held
 * ({@link EngineLinks#beginHold}); when a primary answers again every session is recovered on it
 * ({@link RequestHandler#recover}); when the hold expires the sessions that depended on the range are closed with
 * 1012. Runs on an Agrona {@code AgentRunner} with a backoff idle strategy by default.
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
    private final RequestHandler requests;
    private final EdgeMetrics metrics;
    private final String advertisedReplyChannel;
    private final Queue<Integer> goneImages = new ConcurrentLinkedQueue<>();
    private long nextHeartbeatNs;
    private long nextHousekeepingNs;

    EdgeAgent(
        final EdgeContext ctx, final Subscription replies, final ReplyAdapter adapter, final EngineLinks engines,
        final SessionRegistry registry, final RequestHandler requests, final EdgeMetrics metrics,
        final String advertisedReplyChannel)
    {
        this.requests = requests;
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
                ctx.replyStream(), this::engineDown, this::closeSessions);
            work++;
        }
        engines.drainPrimaryChanges(this::closeSessions);
        engines.drainRecoveries(this::recover);
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
     * An entry's primary went down (crash, restart, partition): hold its requests until a primary answers again
     * (or, with {@code engine.failover-hold=0}, close its sessions at once).
     */
    private void engineDown(final int engine)
    {
        if (engines.holdNs() > 0)
        {
            engines.beginHold(engine, System.nanoTime());
        }
        else
        {
            closeSessions(engine);
        }
    }

    /**
     * A primary of a held entry answers (the same engine restarted, a promoted standby, or a newer epoch's primary
     * that replaced a live one): recover every session on it, end the hold, then release what was held meanwhile by
     * sessions the pass had already gone by or that arrived during it.
     */
    private void recover(final int engine)
    {
        final long start = System.nanoTime();
        final int generation = engines.holdGeneration(engine);
        int recovered = 0;
        final List<EdgeSession> failed = new ArrayList<>();
        for (final EdgeSession session : registry.sessions())
        {
            final boolean ok;
            synchronized (session)
            {
                ok = requests.recover(session, engine, generation);
            }
            if (session.canForget())
            {
                registry.remove(session);
            }
            if (ok)
            {
                recovered++;
            }
            else
            {
                failed.add(session);
            }
        }
        engines.endHold(engine, true, System.nanoTime());
        for (final EdgeSession session : registry.sessions())
        {
            if (session.heldCount != 0)
            {
                synchronized (session)
                {
                    requests.releaseHeld(session);
                }
            }
        }
        for (final EdgeSession session : failed)
        {
            metrics.connectionClosed("failover-resend");
            session.closeWith(1012, "engine failover; reconnect");
        }
        LOG.info("shards {}: {} sessions recovered on the new primary in {} us{}",
            engines.map().entries().get(engine).range(), recovered, (System.nanoTime() - start) / 1000,
            failed.isEmpty() ? "" : ", " + failed.size() + " closed");
    }

    /**
     * No primary for an entry within the hold (or holds are off): its state on the engine is gone, so the sessions
     * that depend on it are closed; their clients reconnect and resubscribe from their versions.
     */
    private void closeSessions(final int engine)
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
