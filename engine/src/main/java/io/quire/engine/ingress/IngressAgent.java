package io.quire.engine.ingress;

import io.aeron.FragmentAssembler;
import io.aeron.Subscription;
import io.quire.codec.MessageValidator;
import io.quire.common.TimerSlack;
import io.quire.engine.CpuSet;
import io.quire.engine.EngineContext;
import io.quire.engine.EngineCounters;
import io.quire.engine.EngineMetrics;
import io.quire.engine.Shard;
import io.quire.engine.egress.EdgeDirectory;
import org.agrona.concurrent.Agent;
import org.agrona.concurrent.EpochNanoClock;
import org.agrona.concurrent.NanoClock;
import org.agrona.concurrent.SystemNanoClock;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.function.Consumer;

/**
 * The engine node's ingress duty cycle: take up to {@code ingress.fragment-limit} messages from the edges (through
 * a {@link FragmentAssembler} and the {@link IngressAdapter}), deliver control commands that waited for a full ring,
 * and, on a slow tick, send engine heartbeats, drop edges silent for {@code edge.timeout} and refresh the gauges.
 * It is the single producer of every owned shard's ring.
 */
public final class IngressAgent implements Agent, IngressAdapter.EdgeHandler
{
    /** Housekeeping runs at most this often. */
    static final long SLOW_TICK_NS = 1_000_000;

    /** Name of the thread that runs this agent on its own (shared and dedicated modes). */
    public static final String THREAD_NAME = "quire-ingress";

    private static final Logger LOG = LoggerFactory.getLogger(IngressAgent.class);

    private final Subscription subscription;
    private final Shard[] shards;
    private final FragmentAssembler assembler;
    private final IngressAdapter adapter;
    private final boolean systemClock;
    private final int fragmentLimit;
    private final EdgeDirectory directory;
    private final PendingControls controls;
    private final IngressPublisher publisher;
    private final EngineCounters counters;
    private final EngineMetrics metrics;
    private final NanoClock nanoClock;
    private final EpochNanoClock wallClock;
    private final long heartbeatIntervalNs;
    private final long edgeTimeoutNs;
    private final java.util.function.LongSupplier epoch;
    private final long timerSlackNs;
    private final CpuSet cpus;
    private final int nodeId;
    private final int shardCount;
    private final int shardBegin;
    private final int shardEnd;
    private final Consumer<EdgeDirectory.Edge> sendHeartbeat = this::sendHeartbeat;
    private final Consumer<EdgeDirectory.Edge> onEdgeTimeout = this::onEdgeTimeout;
    private long nextTickNs;
    private long nextHeartbeatNs;

    /**
     * @param ctx          the node's options (concluded).
     * @param subscription the ingress subscription.
     * @param shards       the owned shards, started, indexed by shard id minus {@link EngineContext#shardBegin()}.
     * @param directory    the known edges.
     * @param counters     the node's counters.
     * @param metrics      gauges to refresh.
     * @param nanoClock    monotonic clock for intervals and timeouts.
     * @param wallClock    wall clock for heartbeat timestamps.
     * @param epoch        the node's current epoch (sent in heartbeats).
     * @param timerSlackNs timer slack for the agent's thread, so that its idle parks end on time (0: the system's).
     */
    public IngressAgent(
        final EngineContext ctx,
        final Subscription subscription,
        final Shard[] shards,
        final EdgeDirectory directory,
        final EngineCounters counters,
        final EngineMetrics metrics,
        final NanoClock nanoClock,
        final EpochNanoClock wallClock,
        final java.util.function.LongSupplier epoch,
        final long timerSlackNs)
    {
        this.subscription = subscription;
        this.shards = shards;
        this.fragmentLimit = ctx.fragmentLimit();
        this.directory = directory;
        this.controls = new PendingControls(shards);
        this.publisher = new IngressPublisher(counters, directory);
        this.counters = counters;
        this.metrics = metrics;
        this.nanoClock = nanoClock;
        this.systemClock = nanoClock instanceof SystemNanoClock;
        this.wallClock = wallClock;
        this.heartbeatIntervalNs = ctx.heartbeatIntervalNs();
        this.edgeTimeoutNs = ctx.edgeTimeoutNs();
        this.epoch = epoch;
        this.timerSlackNs = timerSlackNs;
        this.cpus = ctx.engineCpus();
        this.nodeId = ctx.nodeId();
        this.shardCount = ctx.shardCount();
        this.shardBegin = ctx.shardBegin();
        this.shardEnd = ctx.shardEnd();
        this.adapter = new IngressAdapter(MessageValidator.protocol(ctx.codecLimits()), shards,
            shardCount, shardBegin, nodeId, directory, controls, publisher, counters, this);
        this.assembler = new FragmentAssembler(adapter);
        final long now = nanoClock.nanoTime();
        this.nextTickNs = now;
        this.nextHeartbeatNs = now + heartbeatIntervalNs;
    }

    @Override
    public void onStart()
    {
        cpus.pinCurrentThread("affinity.engine");
        if (timerSlackNs > 0 && !TimerSlack.setForCurrentThread(timerSlackNs))
        {
            LOG.info("timer slack of thread {} left at the system's: it cannot be set here",
                Thread.currentThread().getName());
        }
    }

    @Override
    public int doWork()
    {
        // One clock read per duty cycle: the poll's messages are stamped received at its start, and the tick uses it.
        final long now = nanoClock.nanoTime();
        adapter.beginPoll(systemClock ? now : System.nanoTime());
        int work;
        try
        {
            work = subscription.poll(assembler, fragmentLimit);
        }
        finally
        {
            adapter.endPoll();
        }
        if (work > 0)
        {
            for (final Shard shard : shards)
            {
                shard.publishBatch();
            }
        }
        if (controls.any())
        {
            work += controls.flush();
        }
        if (publisher.hasPending())
        {
            work += publisher.flush();
        }
        if (directory.hasUngreeted())
        {
            directory.forEachUngreeted(sendHeartbeat);
        }
        if (now - nextTickNs >= 0)
        {
            nextTickNs = now + SLOW_TICK_NS;
            work += slowTick(now);
        }
        return work;
    }

    private int slowTick(final long now)
    {
        int work = 0;
        if (now - nextHeartbeatNs >= 0)
        {
            nextHeartbeatNs = now + heartbeatIntervalNs;
            directory.forEach(sendHeartbeat);
            work++;
        }
        work += directory.dropSilent(now - edgeTimeoutNs, onEdgeTimeout);
        counters.edgesKnown.setOrdered(directory.size());
        metrics.refreshGauges();
        return work;
    }

    private void sendHeartbeat(final EdgeDirectory.Edge edge)
    {
        if (publisher.heartbeat(
            edge.publication(), epoch.getAsLong(), wallClock.nanoTime(), nodeId, shardCount, shardBegin, shardEnd,
            edge.ingressSessionId()))
        {
            directory.greeted(edge);
        }
    }

    private void onEdgeTimeout(final EdgeDirectory.Edge edge)
    {
        counters.edgeTimeouts.incrementOrdered();
        LOG.warn("edge {} (epoch {}) silent for {} ms: dropped with its subscriptions", edge.edgeId(), edge.epoch(),
            edgeTimeoutNs / 1_000_000);
        controls.edgeGone(edge.edgeId(), edge.epoch());
    }

    @Override
    public void onEdge(
        final int edgeId, final long edgeEpoch, final String channel, final int stream, final boolean hello,
        final int ingressSessionId)
    {
        final EdgeDirectory.Outcome outcome = directory.onHello(edgeId, edgeEpoch, channel, stream, nanoClock.nanoTime());
        if (outcome != EdgeDirectory.Outcome.STALE && outcome != EdgeDirectory.Outcome.FAILED)
        {
            directory.edge(edgeId).ingressSessionId(ingressSessionId);
        }
        switch (outcome)
        {
            case NEW:
                sendHeartbeat(directory.edge(edgeId));
                break;
            case RESTARTED:
                counters.edgeRestarts.incrementOrdered();
                controls.edgeGone(edgeId, directory.previousEpoch());
                sendHeartbeat(directory.edge(edgeId));
                break;
            case REFRESHED:
                if (hello)
                {
                    sendHeartbeat(directory.edge(edgeId));
                }
                break;
            case STALE:
                counters.staleHellos.incrementOrdered();
                break;
            default:
                break;
        }
    }

    @Override
    public String roleName()
    {
        return THREAD_NAME;
    }
}
