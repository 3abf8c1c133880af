package io.quire.engine.lease;

import io.quire.engine.EngineContext;
import io.quire.engine.EngineNode;
import io.quire.engine.StaleEpochException;
import io.quire.engine.replica.ReplicaDivergedException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.function.Supplier;

/**
 * An engine node whose role comes from its group's {@link PrimaryLease}: the process behind
 * {@code scripts/quire engine --lease-zookeeper ...}.
 * <ul>
 *   <li>Holding the lease and not running: take the next epoch, start as primary in it, publish where it is.</li>
 *   <li>Not holding it: follow whoever published itself as primary (a remote replica over its replication
 *       channel, journaling every record before applying it); stay in the election.</li>
 *   <li>A standby that gets the lease (the primary's session expired: it died, hung or was cut off): take the next
 *       epoch and {@link EngineNode#promote promote} in place; its documents are warm.</li>
 *   <li>A standby whose journal is not a prefix of the primary's ({@link ReplicaDivergedException}: an old primary
 *       back with records it journaled but never got acknowledged) moves its shard directories aside under
 *       {@code data/diverged/<time>/} and copies the primary's journal again from the start.</li>
 *   <li>A primary that loses the lease, or whose ZooKeeper connection is suspended, is fenced: {@code fence} runs at
 *       once (in a process: halt, so not one more record is acknowledged; a supervisor restarts it as a standby).
 *       Edges and replicas fence a late one by its older epoch too.</li>
 * </ul>
 * All role changes happen on the thread that calls {@link #run()}; the lease's callbacks only fence.
 */
public final class LeasedEngine implements AutoCloseable
{
    private static final Logger LOG = LoggerFactory.getLogger(LeasedEngine.class);
    private static final long STEP_MS = 20;
    private static final long PRIMARY_CHECK_NS = 250_000_000L;

    /** What happened, for the process's stdout (the lines tests and operators wait for). */
    @FunctionalInterface
    public interface Events
    {
        /**
         * @param line one line: {@code engine ready ...}, {@code engine replica ready ...} or
         *             {@code engine promoted ...}.
         */
        void line(String line);
    }

    private final Supplier<EngineContext> contexts;
    private final EngineContext base;
    private final Runnable fence;
    private final Events events;
    private final PrimaryLease lease;
    private volatile EngineNode node;
    private volatile PrimaryInfo following;
    private volatile boolean stopping;
    private volatile boolean stepDownRequested;
    private long nextPrimaryCheckNs;
    private volatile long promotions;
    private volatile String adminAddress = "";

    /**
     * Connect to ZooKeeper and join the election; {@link #run()} then takes the roles.
     *
     * @param contexts makes a fresh, not yet concluded context with the node's options (one per start).
     * @param fence    what to do when the lease is lost while primary (a process: halt).
     * @param events   receives the ready lines.
     */
    public LeasedEngine(final Supplier<EngineContext> contexts, final Runnable fence, final Events events)
    {
        this.contexts = contexts;
        this.base = contexts.get().conclude();
        this.fence = fence;
        this.events = events;
        this.lease = new PrimaryLease(base.leaseZookeeper(), base.leasePath(), base.leaseGroup(), base.nodeId(),
            (int)(base.leaseSessionTimeoutNs() / 1_000_000), (int)(base.leaseConnectTimeoutNs() / 1_000_000));
        lease.join(this::leaseLost);
        LOG.info("engine node {} joined the election of {}/{} at {}", base.nodeId(), base.leasePath(),
            base.leaseGroup(), base.leaseZookeeper());
    }

    /**
     * Process default for {@code fence}: print why and halt without running shutdown hooks (a clean shutdown would
     * drain the rings, and nothing more may leave a node that is no longer primary).
     *
     * @param err where to say why.
     * @return the fence.
     */
    public static Runnable haltProcess(final PrintStream err)
    {
        return () ->
        {
            err.println("quire engine: lost the primary lease; halting (fenced)");
            err.flush();
            Runtime.getRuntime().halt(75);
        };
    }

    private void leaseLost()
    {
        final EngineNode current = node;
        if (!stopping && current != null && !current.isReplica())
        {
            LOG.error("engine node {}: lost the lease while primary in epoch {}: fencing", base.nodeId(),
                current.epoch());
            fence.run();
        }
    }

    /**
     * Take roles until {@link #close()}.
     *
     * @throws InterruptedException if interrupted.
     */
    public void run() throws InterruptedException
    {
        while (!stopping)
        {
            try
            {
                step();
            }
            catch (final RuntimeException ex)
            {
                if (stopping)
                {
                    break;
                }
                LOG.error("engine node {}: role change failed; retrying", base.nodeId(), ex);
                closeNode();
                Thread.sleep(500);
            }
            Thread.sleep(STEP_MS);
        }
    }

    private synchronized void step()
    {
        if (stopping)
        {
            return;
        }
        final EngineNode current = node;
        if (current == null)
        {
            if (lease.isLeader())
            {
                startPrimary();
                return;
            }
            final PrimaryInfo primary = lease.primary();
            if (primary != null && primary.nodeId() != base.nodeId())
            {
                follow(primary);
            }
            return;
        }
        if (!current.isReplica())
        {
            if (stepDownRequested)
            {
                // Stop taking commands and drain, then give the lease up at once (the standby does not wait for a
                // session to expire), then leave like a fenced primary: a supervisor restarts this as a standby.
                LOG.warn("engine node {}: stepping down as asked", base.nodeId());
                stopping = true;
                closeNode();
                lease.close();
                fence.run();
            }
            return;
        }
        final RuntimeException failure = current.replicationFailure();
        if (failure != null)
        {
            onReplicationFailure(failure);
            return;
        }
        if (lease.isLeader())
        {
            promote(current);
            return;
        }
        // Leadership is known locally (the latch's watch); who is primary is a ZooKeeper read: a few times a second.
        final long now = System.nanoTime();
        if (now - nextPrimaryCheckNs < 0)
        {
            return;
        }
        nextPrimaryCheckNs = now + PRIMARY_CHECK_NS;
        final PrimaryInfo primary = lease.primary();
        final PrimaryInfo followed = following;
        if (primary != null && primary.nodeId() != base.nodeId() && followed != null &&
            (primary.nodeId() != followed.nodeId() || primary.epoch() != followed.epoch()))
        {
            LOG.info("engine node {}: the primary is now node {} in epoch {}; following it", base.nodeId(),
                primary.nodeId(), primary.epoch());
            closeNode();
        }
    }

    private void startPrimary()
    {
        long epoch = lease.claimEpoch(0);
        EngineNode started;
        try
        {
            started = EngineNode.launch(context().epoch(epoch));
        }
        catch (final StaleEpochException ex)
        {
            // This node's journals hold a newer epoch than ZooKeeper remembers (e.g. a new ensemble): go above both.
            epoch = lease.claimEpoch(ex.journaledEpoch());
            started = EngineNode.launch(context().epoch(epoch));
        }
        node = started;
        following = null;
        if (!lease.isLeader())
        {
            leaseLost();
            return;
        }
        publish(started);
        events.line("engine ready node=" + base.nodeId() + " ingress=" + started.ingressChannel() + " stream=" +
            started.ingressStream() + " shards=" + base.shardBegin() + "-" + base.shardEnd() + " epoch=" + epoch);
    }

    private void follow(final PrimaryInfo primary)
    {
        LOG.info("engine node {}: following node {} (epoch {}) at {}", base.nodeId(), primary.nodeId(),
            primary.epoch(), primary.replication());
        final EngineContext ctx = context().replicaOf(primary.replication());
        node = EngineNode.launch(ctx);
        following = primary;
        events.line("engine replica ready node=" + base.nodeId() + " of=" + primary.replication() + " shards=" +
            base.shardBegin() + "-" + base.shardEnd() + " primary=" + primary.nodeId() + " epoch=" + primary.epoch());
    }

    private void promote(final EngineNode replica)
    {
        final long startNs = System.nanoTime();
        final long epoch = lease.claimEpoch(replica.epoch());
        replica.promote(epoch);
        following = null;
        promotions++;
        if (!lease.isLeader())
        {
            leaseLost();
            return;
        }
        publish(replica);
        final long tookMs = (System.nanoTime() - startNs) / 1_000_000;
        LOG.info("engine node {}: promoted to primary in epoch {} in {} ms", base.nodeId(), epoch, tookMs);
        events.line("engine promoted node=" + base.nodeId() + " ingress=" + replica.ingressChannel() + " epoch=" +
            epoch + " ms=" + tookMs);
    }

    private void publish(final EngineNode primary)
    {
        lease.publish(new PrimaryInfo(base.nodeId(), primary.epoch(), primary.ingressChannel(),
            primary.ingressStream(), base.replicationChannel(), base.replicationStream(),
            ProcessHandle.current().pid(), adminAddress));
    }

    /**
     * @param address this node's admin endpoint (host:port) to publish as primary, so that a standby can ask it to
     *                step down; null: none.
     */
    public void adminAddress(final String address)
    {
        this.adminAddress = address == null ? "" : address;
    }

    private void onReplicationFailure(final RuntimeException failure)
    {
        closeNode();
        if (failure instanceof ReplicaDivergedException)
        {
            final Path aside = moveShardsAside();
            LOG.warn("engine node {}: its journal is not a prefix of the primary's ({}); moved its shards to {} " +
                "and copies the primary's journal again", base.nodeId(), failure.getMessage(), aside);
        }
        else if (failure instanceof StaleEpochException)
        {
            LOG.warn("engine node {}: the node it followed is a deposed primary ({}); looking for the new one",
                base.nodeId(), failure.getMessage());
        }
        else
        {
            throw new IllegalStateException("engine node " + base.nodeId() + ": replication failed", failure);
        }
    }

    private Path moveShardsAside()
    {
        final Path aside = base.dataDir().resolve("diverged").resolve(Long.toString(System.currentTimeMillis()));
        try
        {
            Files.createDirectories(aside);
            for (int shard = base.shardBegin(); shard < base.shardEnd(); shard++)
            {
                final Path dir = base.dataDir().resolve("shard-" + shard);
                if (Files.exists(dir))
                {
                    Files.move(dir, aside.resolve(dir.getFileName()));
                }
            }
        }
        catch (final IOException ex)
        {
            throw new UncheckedIOException("cannot move the diverged shards aside to " + aside, ex);
        }
        return aside;
    }

    private EngineContext context()
    {
        // The launched node's role is fixed (primary, or replica of one channel): the lease is this class's business.
        return contexts.get().leaseZookeeper("");
    }

    private void closeNode()
    {
        final EngineNode current = node;
        node = null;
        following = null;
        if (current != null)
        {
            current.close();
        }
    }

    /** @return the node in its current role, or null between roles. */
    public EngineNode node()
    {
        return node;
    }

    /** @return how many times this process was promoted. */
    public long promotions()
    {
        return promotions;
    }

    /** @return the primary as published in ZooKeeper, or null. */
    public PrimaryInfo primary()
    {
        return lease.primary();
    }

    /** @return true while this node holds the lease. */
    public boolean isLeader()
    {
        return lease.isLeader();
    }

    /** Admin: a primary steps down (fenced, like a lost lease: a supervisor restarts it as a standby). */
    public void stepDown()
    {
        stepDownRequested = true;
    }

    /** Stop: close the node (a primary drains), then leave the election (a standby takes over at once). */
    @Override
    public void close()
    {
        stopping = true;
        synchronized (this)
        {
            closeNode();
        }
        lease.close();
    }
}
