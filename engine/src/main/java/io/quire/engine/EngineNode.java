package io.quire.engine;

import io.aeron.Aeron;
import io.aeron.ChannelUri;
import io.aeron.CommonContext;
import io.aeron.Subscription;
import io.aeron.driver.MediaDriver;
import io.quire.common.AeronDirs;
import io.quire.common.IdleStrategies;
import io.quire.engine.egress.EdgeDirectory;
import io.quire.engine.egress.EgressPublisher;
import io.quire.engine.ingress.IngressAgent;
import io.quire.engine.replica.RemoteReplicaAgent;
import io.quire.engine.replica.ReplicaAgent;
import io.quire.engine.replica.Replication;
import io.quire.engine.replica.ReplicationSourceAgent;
import io.quire.engine.ring.ThreadingMode;
import org.agrona.CloseHelper;
import org.agrona.concurrent.Agent;
import org.agrona.concurrent.AgentRunner;
import org.agrona.concurrent.OffsetEpochNanoClock;
import org.agrona.concurrent.SystemNanoClock;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

/**
 * An engine node: the owned shards (journal, recovery, rings) behind an Aeron ingress, with egress publications to
 * the edges. The process entry point ({@link #main}, {@code scripts/quire engine}) and embeddable in a larger process
 * ({@link #launch(EngineContext)}, or {@link #launch(EngineContext, Aeron)} to share a client and its driver).
 * <p>
 * Start-up: media driver (embedded unless {@code driver=external}), Aeron client and counters, every owned shard
 * opened and recovered under {@code data/shard-N}; then, on a primary, an {@code EpochRecord} journaled in every
 * shard, rings started, the ingress subscription and its agent (in the single threading mode, one agent running the
 * ingress and every shard's stages). Only then does the node accept commands. A replica ({@code replica-of}) starts
 * only its replication agent: no ring runs and no ingress is polled until {@link #promote(long)}, which starts the
 * agent of the configured threading mode. {@link #close()} stops the ingress, drains and closes the shards
 * (snapshots changed documents), then closes the publications, the client and the driver.
 */
public final class EngineNode implements AutoCloseable
{
    private static final Logger LOG = LoggerFactory.getLogger(EngineNode.class);
    private static final long RESOLVE_TIMEOUT_NS = TimeUnit.SECONDS.toNanos(10);

    private final EngineContext ctx;
    private final MediaDriver driver;
    private final Aeron aeron;
    private final boolean ownsAeron;
    private final EngineCounters counters;
    private final EdgeDirectory directory;
    private final Shard[] shards;
    private final EngineMetrics metrics;
    private volatile Subscription ingress;
    private volatile String ingressChannel;
    // A primary's ingress agent, or in the single threading mode the engine agent (ingress and every shard's stages).
    private volatile AgentRunner runner;
    private volatile Runnable ingressWake = () -> { };
    private AgentRunner replicaRunner;
    private OffsetEpochNanoClock wallClock;
    private final java.util.concurrent.atomic.AtomicLong epoch = new java.util.concurrent.atomic.AtomicLong();
    private Replication replicaAgent;
    private AgentRunner replicationRunner;
    private volatile boolean closed;

    private EngineNode(final EngineContext ctx, final Aeron sharedAeron)
    {
        this.ctx = ctx.conclude();
        // Dedicated hosts: move the JVM's threads (this one included, so every thread the node starts from here on
        // inherits it) off the engine's CPUs; the write path's threads pin themselves to those as they start.
        ctx.backgroundCpus().pinEveryThread("affinity.background");
        MediaDriver launchedDriver = null;
        Aeron client = sharedAeron;
        EngineCounters engineCounters = null;
        EdgeDirectory edges = null;
        final Shard[] opened = new Shard[ctx.shardEnd() - ctx.shardBegin()];
        Subscription subscription = null;
        try
        {
            if (client == null)
            {
                String dir = ctx.aeronDir();
                if (ctx.embeddedDriver())
                {
                    launchedDriver = MediaDriver.launch(driverContext(ctx));
                    dir = launchedDriver.aeronDirectoryName();
                }
                client = Aeron.connect(new Aeron.Context()
                    .aeronDirectoryName(dir)
                    .errorHandler(ex -> LOG.error("aeron client error", ex)));
            }
            engineCounters = new EngineCounters(client, ctx.nodeId());
            edges = new EdgeDirectory(client, ctx.termLength());
            final EgressPublisher sink = new EgressPublisher(edges, ctx.egressRetryNs(),
                engineCounters.egressUnknownEdge, engineCounters.egressNotConnected,
                engineCounters.egressBackPressureDrops, engineCounters.egressBackPressureRetries,
                engineCounters.egressClosed, ctx.egressWaker());
            // Every committed op is stamped with the wall clock: an offset from System.nanoTime(), re-sampled each
            // second, costs no allocation, where Instant.now() (SystemEpochNanoClock) allocates on every call.
            final OffsetEpochNanoClock wallClock = new OffsetEpochNanoClock(3, 250_000, 1_000_000_000L);
            openShards(ctx, opened, sink, engineCounters, wallClock, epoch::get);
            this.metrics = new EngineMetrics(opened, ctx.shardBegin(), engineCounters);
            this.aeron = client;
            this.counters = engineCounters;
            this.directory = edges;
            this.shards = opened;
            this.wallClock = wallClock;
            if (ctx.replicaOf() != null)
            {
                final EngineCounters named = engineCounters;
                replicaAgent = ctx.isRemoteReplica() ?
                    new RemoteReplicaAgent(client, ctx.nodeId(), ctx.replicaOf(), ctx.replicationStream(),
                        ctx.replicaChannel(), ctx.replicaStream(), opened, ctx.shardBegin(), named::newCounter,
                        wallClock, ctx.replicaLagSampleNs()) :
                    new ReplicaAgent(opened, java.nio.file.Path.of(ctx.replicaOf()), named::newCounter, wallClock,
                        ctx.replicaLagSampleNs());
                epoch.set(lastEpoch(opened));
                replicaRunner = new AgentRunner(IdleStrategies.parse(ctx.idleStrategy()),
                    ex -> LOG.error("replica agent error", ex), engineCounters.ingressErrors, replicaAgent);
            }
            else
            {
                subscription = preparePrimary(0);
            }
        }
        catch (final RuntimeException | Error ex)
        {
            for (int i = opened.length - 1; i >= 0; i--)
            {
                CloseHelper.quietClose(opened[i]);
            }
            CloseHelper.quietClose(subscription);
            CloseHelper.quietClose(edges);
            CloseHelper.quietClose(engineCounters);
            if (sharedAeron == null)
            {
                CloseHelper.quietClose(client);
                CloseHelper.quietClose(launchedDriver);
            }
            throw ex;
        }
        this.driver = launchedDriver;
        this.ownsAeron = sharedAeron == null;
        if (replicaAgent != null)
        {
            AgentRunner.startOnThread(replicaRunner);
            LOG.info("engine node {} is a replica of {}: shards {}-{} of {}, journaled epoch {}", ctx.nodeId(),
                ctx.replicaOf(), ctx.shardBegin(), ctx.shardEnd(), ctx.shardCount(), epoch.get());
        }
        else
        {
            startPrimary();
        }
    }

    /**
     * Become primary: journal the new epoch in every shard, start the rings, subscribe the ingress and (with
     * {@code replication.channel}) the replication source. Runners are made here and started by {@link
     * #startPrimary()}.
     *
     * @param atLeast the epoch must be above this too (0: only above the journaled one).
     * @return the ingress subscription.
     */
    private Subscription preparePrimary(final long atLeast)
    {
        epoch.set(becomePrimary(ctx, shards, wallClock.nanoTime(), atLeast));
        for (final Shard shard : shards)
        {
            shard.replicationGate().require(ctx.ackReplicated());
            shard.start();
        }
        final Subscription subscription = aeron.addSubscription(ctx.ingressChannel(), ctx.ingressStream());
        this.ingress = subscription;
        this.ingressChannel = resolvedChannel(ctx.ingressChannel(), subscription);
        final IngressAgent ingressAgent = new IngressAgent(ctx, subscription, shards, directory, counters,
            metrics, new SystemNanoClock(), wallClock, epoch::get, ctx.timerSlackNs());
        // Single threading: the rings have no threads of their own (Shard.start() only marks them running); this
        // one agent polls the ingress and drives every ring. Made here, so a replica runs neither until promoted.
        final Agent agent = ctx.threading() == ThreadingMode.SINGLE ?
            new EngineAgent(ingressAgent, shards) : ingressAgent;
        final org.agrona.concurrent.IdleStrategy idle = IdleStrategies.parse(ctx.idleStrategy());
        ingressWake = IdleStrategies.waker(idle);
        this.runner = new AgentRunner(idle,
            ex -> LOG.error("{} agent error", agent.roleName(), ex), counters.ingressErrors, agent);
        if (!ctx.replicationChannel().isBlank())
        {
            replicationRunner = new AgentRunner(IdleStrategies.parse(ctx.idleStrategy()),
                ex -> LOG.error("replication agent error", ex), counters.ingressErrors,
                new ReplicationSourceAgent(aeron, ctx.replicationChannel(), ctx.replicationStream(), shards,
                    ctx.shardBegin(), ctx.replicationTermLength()));
        }
        return subscription;
    }

    private void startPrimary()
    {
        AgentRunner.startOnThread(runner);
        if (replicationRunner != null)
        {
            AgentRunner.startOnThread(replicationRunner);
        }
        LOG.info("engine node {} accepting commands on {} stream {}: shards {}-{} of {}, primary in epoch {}",
            ctx.nodeId(), ingressChannel, ctx.ingressStream(), ctx.shardBegin(), ctx.shardEnd(),
            ctx.shardCount(), epoch.get());
    }

    /**
     * Promote this replica to primary (an operator's decision, or a lease's): stop following, journal a new epoch
     * (one above the newest journaled, and above {@code atLeast}) in every shard, then start sequencing and accept
     * commands on the ingress. The documents are warm: nothing is recovered. Edges fence the old primary by the
     * newer epoch.
     *
     * @param atLeast a floor for the new epoch (e.g. from a coordination service; 0: none).
     * @return the new epoch.
     * @throws IllegalStateException if this node is not a replica, or its replication had stopped on an error.
     */
    public synchronized long promote(final long atLeast)
    {
        if (replicaAgent == null || closed)
        {
            throw new IllegalStateException("engine node " + ctx.nodeId() + " is not a running replica");
        }
        CloseHelper.close(replicaRunner);
        final RuntimeException failure = replicaAgent.failure();
        if (failure != null)
        {
            throw new IllegalStateException("engine node " + ctx.nodeId() + ": replication had stopped; not " +
                "promoting a replica whose documents may be behind", failure);
        }
        replicaAgent = null;
        replicaRunner = null;
        for (final Shard shard : shards)
        {
            shard.handOver();
        }
        preparePrimary(atLeast);
        startPrimary();
        LOG.info("engine node {} promoted to primary in epoch {}", ctx.nodeId(), epoch.get());
        return epoch.get();
    }

    private static long lastEpoch(final Shard[] shards)
    {
        long last = 0;
        for (final Shard shard : shards)
        {
            last = Math.max(last, shard.lastEpoch());
        }
        return last;
    }

    /**
     * The node's epoch as primary: the configured one, or (epoch 0, the default) one above the newest epoch any owned
     * shard's journal holds. Every shard journals an {@code EpochRecord} for it before its ring starts.
     */
    private static long becomePrimary(
        final EngineContext ctx, final Shard[] shards, final long timestampNs, final long atLeast)
    {
        final long journaled = lastEpoch(shards);
        final long next = Math.max(atLeast, ctx.epoch() > 0 ? ctx.epoch() : journaled + 1);
        for (final Shard shard : shards)
        {
            shard.beginEpoch(next, ctx.nodeId(), timestampNs);
        }
        return next;
    }

    /**
     * Open (recover) the owned shards, in parallel on up to one thread per core: recovery is a sequential read of
     * each shard's journal, so a restart takes as long as the largest shard rather than the sum of them.
     */
    private static void openShards(
        final EngineContext ctx, final Shard[] opened, final EgressPublisher sink, final EngineCounters counters,
        final OffsetEpochNanoClock wallClock, final java.util.function.LongSupplier epoch)
    {
        final int threads = Math.min(opened.length, Runtime.getRuntime().availableProcessors());
        if (threads <= 1)
        {
            for (int i = 0; i < opened.length; i++)
            {
                opened[i] = Shard.open(ctx.shardSettings(ctx.shardBegin() + i), sink, counters::newCounter,
                    epoch, wallClock);
            }
            return;
        }
        final ExecutorService pool = Executors.newFixedThreadPool(threads, runnable ->
        {
            final Thread thread = new Thread(runnable, "quire-recovery");
            thread.setDaemon(true);
            return thread;
        });
        try
        {
            final List<Future<Shard>> futures = new ArrayList<>();
            for (int i = 0; i < opened.length; i++)
            {
                final ShardSettings settings = ctx.shardSettings(ctx.shardBegin() + i);
                futures.add(pool.submit(() -> Shard.open(settings, sink, counters::newCounter, epoch,
                    wallClock)));
            }
            RuntimeException failure = null;
            for (int i = 0; i < opened.length; i++)
            {
                try
                {
                    opened[i] = futures.get(i).get();
                }
                catch (final ExecutionException ex)
                {
                    final Throwable cause = ex.getCause();
                    if (failure == null)
                    {
                        failure = cause instanceof RuntimeException ? (RuntimeException)cause :
                            new IllegalStateException("shard " + (ctx.shardBegin() + i) + " failed to open", cause);
                    }
                }
                catch (final InterruptedException ex)
                {
                    Thread.currentThread().interrupt();
                    if (failure == null)
                    {
                        failure = new IllegalStateException("interrupted while opening shards", ex);
                    }
                }
            }
            if (failure != null)
            {
                throw failure;
            }
        }
        finally
        {
            pool.shutdownNow();
        }
    }

    /**
     * Launch a node with its own Aeron client (and an embedded media driver unless {@code driver=external}).
     *
     * @param ctx the options; concluded here.
     * @return the running node.
     */
    public static EngineNode launch(final EngineContext ctx)
    {
        return new EngineNode(ctx, null);
    }

    /**
     * Launch a node on an existing Aeron client (e.g. an all-in-one server whose edge and engine share one embedded
     * driver over IPC). The client stays open when the node closes.
     *
     * @param ctx   the options; concluded here ({@code driver} and {@code aeron.dir} are ignored).
     * @param aeron the client to use.
     * @return the running node.
     */
    public static EngineNode launch(final EngineContext ctx, final Aeron aeron)
    {
        return new EngineNode(ctx, aeron);
    }

    /**
     * The embedded media driver's settings for these options: small-box defaults (shared threading, backoff),
     * directories deleted on start and shutdown, sparse term files.
     *
     * @param ctx the options.
     * @return a driver context.
     */
    public static MediaDriver.Context driverContext(final EngineContext ctx)
    {
        // What drivers of killed processes left beside this one's directory (each start names a new one).
        AeronDirs.deleteStaleBeside(ctx.aeronDir(), LOG::info);
        final MediaDriver.Context driverCtx = new MediaDriver.Context()
            .aeronDirectoryName(ctx.aeronDir())
            .threadingMode(ctx.driverThreading())
            .dirDeleteOnStart(true)
            .dirDeleteOnShutdown(true)
            .termBufferSparseFile(true)
            .ipcTermBufferLength(ctx.driverTermLength())
            .publicationTermBufferLength(ctx.driverTermLength())
            .errorHandler(ex -> LOG.error("media driver error", ex));
        final String idle = ctx.driverIdleStrategy();
        switch (ctx.driverThreading())
        {
            case SHARED:
                driverCtx.sharedIdleStrategy(IdleStrategies.parse(idle));
                break;
            case SHARED_NETWORK:
                driverCtx.conductorIdleStrategy(IdleStrategies.parse(idle))
                    .sharedNetworkIdleStrategy(IdleStrategies.parse(idle));
                break;
            default:
                driverCtx.conductorIdleStrategy(IdleStrategies.parse(idle))
                    .senderIdleStrategy(IdleStrategies.parse(idle))
                    .receiverIdleStrategy(IdleStrategies.parse(idle));
                break;
        }
        return driverCtx;
    }

    /**
     * The channel a subscription listens on as others must name it: a UDP endpoint on port 0 becomes the port the
     * driver bound (waiting up to 10 s for it); any other channel is returned as given.
     *
     * @param channel      the channel the subscription was added with.
     * @param subscription the subscription.
     * @return the channel to publish to.
     * @throws IllegalStateException if the port was not resolved in time.
     */
    public static String resolvedChannel(final String channel, final Subscription subscription)
    {
        final ChannelUri uri = ChannelUri.parse(channel);
        final String endpoint = uri.get(CommonContext.ENDPOINT_PARAM_NAME);
        if (!CommonContext.UDP_MEDIA.equals(uri.media()) || endpoint == null || !endpoint.endsWith(":0"))
        {
            return channel;
        }
        final long deadline = System.nanoTime() + RESOLVE_TIMEOUT_NS;
        String actual;
        while ((actual = subscription.resolvedEndpoint()) == null)
        {
            if (System.nanoTime() - deadline > 0)
            {
                throw new IllegalStateException("the ingress endpoint " + endpoint + " was not resolved in 10 s");
            }
            Thread.onSpinWait();
            Thread.yield();
        }
        uri.put(CommonContext.ENDPOINT_PARAM_NAME, actual);
        return uri.toString();
    }

    /** @return the options. */
    public EngineContext context()
    {
        return ctx;
    }

    /** @return the ingress channel edges send to (a UDP port 0 resolved to the real port). */
    public String ingressChannel()
    {
        return ingressChannel;
    }

    /** @return the ingress stream id. */
    public int ingressStream()
    {
        return ctx.ingressStream();
    }

    /**
     * @return what ends the ingress agent's idle park early: a producer in this JVM (the all-in-one server's edge)
     *         runs it after offering a command on the ingress, so the command does not wait for the park to end. A
     *         no-op when the idle strategy cannot be woken (spinning, {@code sleeping-ms}). Thread-safe.
     */
    public Runnable ingressWaker()
    {
        return () -> ingressWake.run();
    }

    /** @return true if this node is a hot standby (it accepts no commands). */
    public boolean isReplica()
    {
        return replicaAgent != null;
    }

    /**
     * A replica's progress on one shard (any thread).
     *
     * @param shardId an owned shard.
     * @return {applied LSN, records behind, bytes behind, ms behind} as of the last lag sample.
     */
    public long[] replicaProgress(final int shardId)
    {
        if (replicaAgent == null)
        {
            throw new IllegalStateException("engine node " + ctx.nodeId() + " is not a replica");
        }
        return replicaAgent.progress(shardId - ctx.shardBegin());
    }

    /**
     * A replica (any thread): whether every owned shard has learned where the primary's journal ends and journaled
     * every record up to there ({@link io.quire.engine.replica.Replication#caughtUp()}).
     *
     * @return true if caught up now; false for a primary or a replica still behind.
     */
    public boolean replicaCaughtUp()
    {
        final Replication replication = replicaAgent;
        return replication != null && replication.caughtUp();
    }

    /** @return true once every shard of this replica follows its primary or has failed (true for a primary). */
    public boolean replicationSettled()
    {
        final Replication replication = replicaAgent;
        return replication == null || replication.settled();
    }

    /** @return every shard's replication failure, in shard order; empty for a primary or while all follow. */
    public java.util.List<RuntimeException> replicationFailures()
    {
        return replicaAgent == null ? java.util.List.of() : replicaAgent.failures();
    }

    /**
     * @param shardId an owned shard.
     * @return records of it this replica has journaled from its primary since it started; -1 if not a replica or not
     *         counted by the transport.
     */
    public long replicaRecordsReceived(final int shardId)
    {
        final Replication replication = replicaAgent;
        return replication == null ? -1 : replication.recordsReceived(shardId - ctx.shardBegin());
    }

    /** @return the first shard's replication failure (the node stopped following), or null. */
    public RuntimeException replicationFailure()
    {
        return replicaAgent == null ? null : replicaAgent.failure();
    }

    /** @return the epoch this node is primary in (a replica: the newest epoch it has journaled so far). */
    public long epoch()
    {
        return replicaAgent != null ? lastEpoch(shards) : epoch.get();
    }

    /** @return the Aeron client the node uses. */
    public Aeron aeron()
    {
        return aeron;
    }

    /** @return the media driver directory of the node's client. */
    public String aeronDirectoryName()
    {
        return aeron.context().aeronDirectoryName();
    }

    /** @return counters, gauges and latency histograms. */
    public EngineMetrics metrics()
    {
        return metrics;
    }

    /**
     * @param shardId an owned shard.
     * @return the shard (its recovery result, counters, documents when stopped).
     */
    public Shard shard(final int shardId)
    {
        return shards[shardId - ctx.shardBegin()];
    }

    /** @return the options as name to value, for logs. */
    public Map<String, Object> describe()
    {
        return ctx.describe();
    }

    /** @return true once {@link #close()} has begun. */
    public boolean isClosed()
    {
        return closed;
    }

    @Override
    public void close()
    {
        synchronized (this)
        {
            if (closed)
            {
                return;
            }
            closed = true;
        }
        LOG.info("engine node {} closing", ctx.nodeId());
        CloseHelper.quietClose(replicaRunner);
        CloseHelper.quietClose(runner);
        CloseHelper.quietClose(replicationRunner);
        for (final Shard shard : shards)
        {
            try
            {
                shard.close();
            }
            catch (final RuntimeException ex)
            {
                LOG.error("shard {} did not close cleanly", shard.shardId(), ex);
            }
        }
        CloseHelper.quietClose(ingress);
        CloseHelper.quietClose(directory);
        CloseHelper.quietClose(counters);
        if (ownsAeron)
        {
            CloseHelper.quietClose(aeron);
            CloseHelper.quietClose(driver);
        }
        LOG.info("engine node {} closed", ctx.nodeId());
    }

    /**
     * Process entry point: {@code scripts/quire engine --help}.
     *
     * @param args command line.
     */
    public static void main(final String[] args)
    {
        final int exit = EngineCommand.run(args);
        if (exit != 0)
        {
            System.exit(exit);
        }
    }
}
