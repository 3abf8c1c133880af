package io.quire.engine.lease;

import io.quire.engine.EngineContext;
import io.quire.engine.EngineNode;
import io.quire.engine.StaleEpochException;
import io.quire.engine.replica.ReplicaDivergedException;
import io.quire.journal.JournalReader;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Supplier;

/**
 * An engine node whose role comes from its group's {@link PrimaryLease}: the process behind
 * {@code scripts/quire engine --lease-zookeeper ...}.
 * <ul>
 *   <li>Holding the lease and not running: take the next epoch, start as primary in it, publish where it is.</li>
 *   <li>Not holding it: follow whoever published itself as primary (a remote replica over its replication
 *       channel, journaling every record before applying it).</li>
 *   <li>A standby that gets the lease (the primary's session expired: it died, hung or was cut off): take the next
 *       epoch and {@link EngineNode#promote promote} in place; its documents are warm.</li>
 *   <li>A standby whose journal is not a prefix of the primary's ({@link ReplicaDivergedException}: an old primary
 *       back with records it journaled but never got acknowledged) moves the diverged shard directories aside under
 *       {@code data/diverged/<time>/} (whole, for forensics). When the primary said where the journals agree (LSN
 *       L, from the epochs: see {@link io.quire.engine.replica.ReplicationSourceAgent}), each gets a fresh shard
 *       directory whose journal holds a local copy of the set-aside journal's records 1..L (same LSNs and bytes;
 *       no snapshots, so recovery replays them), and replication resumes from L + 1; its other shards stay as they
 *       are (it first gives every shard up to 1.5 s to hear the primary, so one restart serves all the diverged
 *       ones). Otherwise (an older primary, a record that differs within one epoch, or a failed copy) it moves all
 *       its shard directories aside and copies the primary's journal again from the start.</li>
 *   <li>A primary that loses the lease, or whose ZooKeeper connection is suspended, is fenced: {@code fence} runs at
 *       once (in a process: halt, so not one more record is acknowledged; a supervisor restarts it as a standby).
 *       Edges and replicas fence a late one by its older epoch too.</li>
 * </ul>
 * <b>Who may be elected.</b> Only a node known to hold every acknowledged record takes part in the election (it
 * chooses unavailability over losing acknowledged ops); the lease keeps the set as {@code PATH/GROUP/eligible/NODE}:
 * <ul>
 *   <li>At start a node joins the election if it is marked eligible; or if the group has no eligible node and no
 *       primary (a new group: it marks itself first); or if {@code lease.force-eligible} is set (the operator
 *       accepts that acknowledged ops may be lost). Otherwise it only follows, outside the election.</li>
 *   <li>A node that becomes primary claims its epoch only while it is still eligible (one ZooKeeper transaction)
 *       and revokes every other node's eligibility before it accepts a command: from then on only it holds the new
 *       epoch's records.</li>
 *   <li>A standby outside the election marks itself eligible and joins once it has caught up: for every shard it
 *       has heard the primary's journal end from the replication stream and journaled every record up to it. Under
 *       {@code ack-policy=replicated} it stays a superset of what is acknowledged from then on, since the primary
 *       acknowledges only what a standby has reported journaled (with one standby, this one); under {@code local}
 *       the primary does not wait for it and the guarantee is best effort.</li>
 *   <li>A standby that finds its journal diverged revokes its own eligibility and leaves the election before it
 *       moves its shards aside; one whose eligibility a newer primary revoked leaves the election too; an eligible
 *       node that finds its journals missing or empty at start (a new or replaced data directory) revokes its
 *       own.</li>
 * </ul>
 * So when the primary dies while the standby is behind, no node becomes primary until an eligible one comes back
 * (or an operator starts one with {@code lease.force-eligible=true}).
 * <p>
 * All role changes happen on the thread that calls {@link #run()}; the lease's callbacks only fence.
 */
public final class LeasedEngine implements AutoCloseable
{
    private static final Logger LOG = LoggerFactory.getLogger(LeasedEngine.class);
    private static final long STEP_MS = 20;
    private static final long PRIMARY_CHECK_NS = 250_000_000L;
    private static final long WAITING_LOG_NS = 10_000_000_000L;
    /** After a shard diverged, how long the other shards get to follow or diverge too, so one restart serves all. */
    private static final long DIVERGED_SETTLE_NS = 1_500_000_000L;

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
    private long nextEligibilityCheckNs;
    private long nextWaitingLogNs;
    private String lastWaiting = "";
    private volatile long promotions;
    private volatile String adminAddress = "";
    private long divergedSettleDeadlineNs;
    private boolean divergedSettling;
    private final List<PrefixKept> prefixesKept = new CopyOnWriteArrayList<>();

    /**
     * What a standby kept of a diverged shard's journal.
     *
     * @param shardId     the shard.
     * @param keptLsn     its journal now ends at this LSN (records 1..keptLsn copied from the set-aside journal).
     * @param asideLsn    the set-aside journal ended at this LSN (so {@code asideLsn - keptLsn} records are only
     *                    there).
     * @param agreedLsn   where the primary said the journals agree.
     * @param copyMs      how long the local copy took.
     * @param aside       where the whole diverged shard directory went.
     */
    public record PrefixKept(int shardId, long keptLsn, long asideLsn, long agreedLsn, long copyMs, Path aside)
    {
    }

    /**
     * Connect to ZooKeeper and join the election if this node may be elected (see the class comment); {@link #run()}
     * then takes the roles.
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
        try
        {
            enterAtStart();
        }
        catch (final RuntimeException ex)
        {
            lease.close();
            throw ex;
        }
    }

    private void enterAtStart()
    {
        final List<Integer> eligible = lease.eligibleNodes();
        LOG.info("engine node {} connected to the lease of {}/{} at {}; eligible node(s): {}", base.nodeId(),
            base.leasePath(), base.leaseGroup(), base.leaseZookeeper(), eligible);
        final String empty = eligible.contains(base.nodeId()) ? emptyJournals() : "";
        if (!empty.isEmpty() && lease.epoch() > 0)
        {
            // Marked eligible, but on a data directory that holds nothing (new, emptied or replaced): whatever it
            // held when it was marked is not here. Eligibility belongs to the node id; this is the obvious case.
            lease.revokeEligible(base.nodeId());
            LOG.warn("engine node {}: marked eligible, but the journal of {} is missing or empty while the group " +
                "has had a primary: it cannot hold the acknowledged records; revoked its own eligibility and stays " +
                "out of the election until it has caught up", base.nodeId(), empty);
        }
        else if (eligible.contains(base.nodeId()))
        {
            joinElection("it is eligible: it held every acknowledged record when it last stood");
        }
        else if (base.leaseForceEligible())
        {
            LOG.warn("engine node {}: lease.force-eligible=true: marking itself eligible and joining the election " +
                "although it may lack acknowledged records (eligible node(s): {}); if it becomes primary, what " +
                "only they hold is lost", base.nodeId(), eligible);
            lease.markEligible();
            joinElection("forced by lease.force-eligible");
        }
        else if (eligible.isEmpty() && lease.primary() == null)
        {
            lease.markEligible();
            joinElection("a new group: no node is eligible yet and none is primary");
        }
        else
        {
            LOG.info("engine node {}: not eligible (eligible node(s): {}): stays out of the election and follows " +
                "the primary until it has caught up", base.nodeId(), eligible);
        }
    }

    /** @return the owned shards whose journal is missing or holds no record ("shard-0, shard-1"), or "". */
    private String emptyJournals()
    {
        final StringBuilder out = new StringBuilder();
        for (int shard = base.shardBegin(); shard < base.shardEnd(); shard++)
        {
            final Path dir = base.dataDir().resolve("shard-" + shard).resolve("journal");
            long last = 0;
            if (Files.isDirectory(dir))
            {
                try (JournalReader reader = JournalReader.open(dir))
                {
                    last = reader.lastLsn();
                }
                catch (final RuntimeException ex)
                {
                    LOG.warn("engine node {}: cannot read the end of {}; taking it as not empty", base.nodeId(), dir,
                        ex);
                    last = 1;
                }
            }
            if (last < 1)
            {
                out.append(out.length() == 0 ? "" : ", ").append("shard-").append(shard);
            }
        }
        return out.toString();
    }

    private void joinElection(final String why)
    {
        lease.join(this::leaseLost);
        LOG.info("engine node {} joined the election of {}/{}: {}", base.nodeId(), base.leasePath(),
            base.leaseGroup(), why);
    }

    private void leaveElection(final String why)
    {
        if (lease.inElection())
        {
            lease.leave();
            LOG.info("engine node {} left the election of {}/{}: {}", base.nodeId(), base.leasePath(),
                base.leaseGroup(), why);
        }
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
                return;
            }
            checkEligibility(null, primary);
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
            if (failure instanceof ReplicaDivergedException && !current.replicationSettled())
            {
                // Out of the election at once; then let the other shards hear the primary's first answer (up to
                // DIVERGED_SETTLE_NS), so that every diverged shard is dealt with before one restart.
                final long now = System.nanoTime();
                if (!divergedSettling)
                {
                    divergedSettling = true;
                    divergedSettleDeadlineNs = now + DIVERGED_SETTLE_NS;
                    leaveAtDivergence();
                }
                if (now - divergedSettleDeadlineNs < 0)
                {
                    return;
                }
            }
            divergedSettling = false;
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
            return;
        }
        checkEligibility(current, primary);
    }

    /**
     * A node that is not primary: in the election, make sure it still may be (a newer primary revokes the others);
     * outside it, join once caught up with the primary it follows, or say why the group has no primary.
     *
     * @param replica the running standby, or null.
     * @param primary the primary as published, or null.
     */
    private void checkEligibility(final EngineNode replica, final PrimaryInfo primary)
    {
        final long now = System.nanoTime();
        if (now - nextEligibilityCheckNs < 0)
        {
            return;
        }
        nextEligibilityCheckNs = now + PRIMARY_CHECK_NS;
        if (lease.inElection())
        {
            if (!lease.isLeader() && !lease.isEligible())
            {
                leaveElection("its eligibility was revoked (a newer primary holds records it lacks)");
            }
            return;
        }
        final PrimaryInfo followed = following;
        if (replica != null && followed != null && primary != null && primary.nodeId() == followed.nodeId() &&
            primary.epoch() == followed.epoch())
        {
            if (replica.replicaCaughtUp())
            {
                if (lease.markEligible(followed.epoch()))
                {
                    joinElection("caught up with node " + followed.nodeId() + " in epoch " + followed.epoch() +
                        " (" + positions(replica) + ")");
                    lastWaiting = "";
                }
                return;
            }
            waiting("catching-up", "not eligible: waiting to catch up with node " + followed.nodeId() + " (" +
                positions(replica) + ")", false);
            return;
        }
        if (primary == null)
        {
            final List<Integer> eligible = lease.eligibleNodes();
            final List<Integer> standing = lease.electionParticipants();
            if (eligible.stream().noneMatch(standing::contains))
            {
                waiting("unavailable", "no eligible node is alive: the group is unavailable until node(s) " + eligible +
                    " return, or start one with lease.force-eligible=true (acknowledged ops may then be lost)", true);
            }
            else
            {
                waiting("no-primary", "not eligible: no primary yet; waiting for eligible node(s) " + eligible +
                    " to take the lease", false);
            }
        }
    }

    /** Say why this node is not in the election: when the reason changes, then every WAITING_LOG_NS. */
    private void waiting(final String kind, final String why, final boolean warn)
    {
        final long now = System.nanoTime();
        if (kind.equals(lastWaiting) && now - nextWaitingLogNs < 0)
        {
            return;
        }
        lastWaiting = kind;
        nextWaitingLogNs = now + WAITING_LOG_NS;
        if (warn)
        {
            LOG.warn("engine node {}: {}", base.nodeId(), why);
        }
        else
        {
            LOG.info("engine node {}: {}", base.nodeId(), why);
        }
    }

    private String positions(final EngineNode replica)
    {
        final StringBuilder out = new StringBuilder();
        for (int s = base.shardBegin(); s < base.shardEnd(); s++)
        {
            final long[] p = replica.replicaProgress(s);
            out.append(s == base.shardBegin() ? "" : ", ").append("shard ").append(s).append(" at LSN ").append(p[0])
                .append(p[1] < 0 ? ", the primary's end not heard yet" : ", " + p[1] + " behind");
        }
        return out.toString();
    }

    private void startPrimary()
    {
        long epoch;
        try
        {
            epoch = lease.claimEpoch(0);
        }
        catch (final PrimaryLease.NotEligibleException ex)
        {
            leaveElection("it holds the lease but is not eligible: " + ex.getMessage());
            return;
        }
        revokeOthers(epoch);
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

    /** A new primary, before it accepts commands: from now on only it holds the new epoch's records. */
    private void revokeOthers(final long epoch)
    {
        final List<Integer> revoked = lease.revokeOthers();
        if (!revoked.isEmpty())
        {
            LOG.info("engine node {}: primary in epoch {}: revoked the eligibility of node(s) {} (they lack this " +
                "epoch's records until they catch up)", base.nodeId(), epoch, revoked);
        }
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
        final long epoch;
        try
        {
            epoch = lease.claimEpoch(replica.epoch());
        }
        catch (final PrimaryLease.NotEligibleException ex)
        {
            leaveElection("it holds the lease but is not eligible: " + ex.getMessage());
            return;
        }
        revokeOthers(epoch);
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
        final EngineNode current = node;
        final List<RuntimeException> failures = current == null ? List.of() : current.replicationFailures();
        closeNode();
        if (failure instanceof ReplicaDivergedException)
        {
            leaveAtDivergence();
            final List<ReplicaDivergedException> diverged = new ArrayList<>();
            for (final RuntimeException f : failures.isEmpty() ? List.of(failure) : failures)
            {
                if (f instanceof ReplicaDivergedException d)
                {
                    diverged.add(d);
                }
            }
            if (diverged.stream().allMatch(d -> d.agreedLsn() >= 0 && d.agreedLsn() < d.lsn()))
            {
                try
                {
                    keepPrefixes(diverged);
                    return;
                }
                catch (final RuntimeException ex)
                {
                    LOG.warn("engine node {}: could not keep the agreed prefix of its diverged journal(s); moving " +
                        "all its shards aside and copying the primary's journal from the start", base.nodeId(), ex);
                }
            }
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

    /** Before its journal goes: it must not be elected while it holds less than it did (idempotent). */
    private void leaveAtDivergence()
    {
        lease.revokeEligible(base.nodeId());
        leaveElection("its journal diverged from the primary's; it copies the primary's journal again");
    }

    /**
     * For each diverged shard: move its directory aside whole, then create a fresh one whose journal holds the
     * set-aside journal's records up to where the primary said they agree (no further than its own last record of
     * the epoch the primary's record there has); replication resumes from the next LSN. Other shards stay.
     */
    private void keepPrefixes(final List<ReplicaDivergedException> diverged)
    {
        final Path aside = newAsideDir();
        for (final ReplicaDivergedException d : diverged)
        {
            final int shard = d.shardId();
            final Path dir = base.dataDir().resolve("shard-" + shard);
            final Path asideShard = aside.resolve(dir.getFileName());
            try
            {
                Files.createDirectories(aside);
                Files.move(dir, asideShard);
                Files.createDirectories(dir);
            }
            catch (final IOException ex)
            {
                throw new UncheckedIOException("cannot move " + dir + " aside to " + asideShard, ex);
            }
            final Path asideJournal = asideShard.resolve("journal");
            final long asideLsn;
            try (JournalReader reader = JournalReader.open(asideJournal))
            {
                asideLsn = reader.lastLsn();
            }
            final long startNs = System.nanoTime();
            final long kept = io.quire.engine.replica.JournalPrefix.copy(asideJournal,
                base.shardSettings(shard).journal(), d.agreedLsn(), d.agreedEpoch());
            final long copyMs = (System.nanoTime() - startNs) / 1_000_000;
            prefixesKept.add(new PrefixKept(shard, kept, asideLsn, d.agreedLsn(), copyMs, asideShard));
            LOG.warn("engine node {}: shard {} diverged from the primary at LSN {}; the primary says the journals " +
                "agree up to LSN {} (epoch {}): kept {} record(s) (LSN 1..{}), copied locally in {} ms; set its whole " +
                "journal aside ({} records, {} of them past the kept ones) with the shard directory in {}; no " +
                "snapshot kept (recovery replays the kept records); replicates from LSN {}", base.nodeId(), shard,
                d.lsn(), d.agreedLsn(), d.agreedEpoch(), kept, kept, copyMs, asideLsn, asideLsn - kept, asideShard,
                kept + 1);
        }
        DivergedSets.prune(base.dataDir(), base.leaseDivergedKeep());
    }

    /** @return a new directory name under {@code data/diverged/} (not created). */
    private Path newAsideDir()
    {
        return DivergedSets.newSet(base.dataDir());
    }

    /**
     * @return what this node kept of its diverged shards' journals, in order (empty if none diverged, or each time
     *         it copied everything again).
     */
    public List<PrefixKept> prefixesKept()
    {
        return List.copyOf(prefixesKept);
    }

    private Path moveShardsAside()
    {
        final Path aside = newAsideDir();
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
        DivergedSets.prune(base.dataDir(), base.leaseDivergedKeep());
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
        divergedSettling = false;
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

    /** @return true while this node takes part in the election (it is eligible: it may be elected). */
    public boolean inElection()
    {
        return lease.inElection();
    }

    /** @return the nodes marked eligible in ZooKeeper (a read). */
    public List<Integer> eligibleNodes()
    {
        return lease.eligibleNodes();
    }

    /** @return the other nodes that are eligible and stand in the election now (ZooKeeper reads). */
    public List<Integer> eligibleStandbys()
    {
        final List<Integer> standing = lease.electionParticipants();
        standing.retainAll(lease.eligibleNodes());
        standing.remove(Integer.valueOf(base.nodeId()));
        return standing;
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
