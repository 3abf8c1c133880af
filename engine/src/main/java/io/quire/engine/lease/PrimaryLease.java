package io.quire.engine.lease;

import org.apache.curator.framework.CuratorFramework;
import org.apache.curator.framework.CuratorFrameworkFactory;
import org.apache.curator.framework.api.transaction.CuratorOp;
import org.apache.curator.framework.recipes.leader.LeaderLatch;
import org.apache.curator.framework.recipes.leader.LeaderLatchListener;
import org.apache.curator.framework.state.ConnectionState;
import org.apache.curator.retry.ExponentialBackoffRetry;
import org.apache.zookeeper.CreateMode;
import org.apache.zookeeper.KeeperException;
import org.apache.zookeeper.data.Stat;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A group's primary lease in ZooKeeper, through Curator: who may act as primary, in which epoch, and where it is.
 * <ul>
 *   <li>{@code PATH/GROUP/latch}: a Curator {@link LeaderLatch}. Its holder is the only node that may act as
 *       primary. The latch holds an ephemeral node of the holder's ZooKeeper session: when a primary dies or is cut
 *       off, the session expires after {@code session-timeout} and the next participant gets the latch. Curator's
 *       standard error policy drops leadership as soon as the connection is SUSPENDED (silent for two thirds of the
 *       session timeout, before the server can expire the session), so a cut-off primary stops acting before
 *       another node can be elected.</li>
 *   <li>{@code PATH/GROUP/epoch}: the newest epoch handed out, a decimal number, advanced with a conditional write
 *       (the node's version) by each new primary, so two primaries can never share an epoch.</li>
 *   <li>{@code PATH/GROUP/primary}: an ephemeral {@link PrimaryInfo} the primary writes once it accepts commands;
 *       standbys read it to know whom to follow.</li>
 *   <li>{@code PATH/GROUP/eligible/NODE}: persistent, one per node known to hold every acknowledged record of the
 *       current epoch: only those take part in the election ({@link LeasedEngine} decides when a node
 *       {@link #join joins} and {@link #leave leaves}). A new primary claims its epoch only while its own node is
 *       there ({@link #claimEpoch}, one ZooKeeper transaction) and then {@link #revokeOthers revokes} everyone
 *       else's, since from then on only it holds the new epoch's records; a standby is {@link #markEligible(long)
 *       marked} again once it has caught up, in the same transaction as a check that the epoch has not moved.</li>
 * </ul>
 * No election logic of our own: leadership is Curator's recipe over ZooKeeper's sessions; which nodes may stand is
 * ours. A {@link LeaderLatch} cannot start again once closed, so each {@link #join} makes a new one.
 */
public final class PrimaryLease implements AutoCloseable
{
    private static final Logger LOG = LoggerFactory.getLogger(PrimaryLease.class);

    private final CuratorFramework client;
    private final String groupPath;
    private final String eligiblePath;
    private final int nodeId;
    // The latch of this node's current participation in the election; null while it stands outside.
    private volatile LeaderLatch latch;
    private volatile Runnable onLost = () -> { };

    /** This node may not become primary: its {@code eligible} node is gone (or never was). */
    public static final class NotEligibleException extends IllegalStateException
    {
        private static final long serialVersionUID = 1L;

        NotEligibleException(final String message)
        {
            super(message);
        }
    }

    /**
     * Connect (bounded wait); the node stands outside the election until {@link #join}.
     *
     * @param connect          ZooKeeper connect string.
     * @param root             path under which groups live, e.g. {@code /quire}.
     * @param group            the group name.
     * @param nodeId           this node.
     * @param sessionTimeoutMs ZooKeeper session timeout.
     * @param connectTimeoutMs how long to wait for the first connection.
     * @throws IllegalStateException if ZooKeeper cannot be reached in time.
     */
    public PrimaryLease(
        final String connect, final String root, final String group, final int nodeId, final int sessionTimeoutMs,
        final int connectTimeoutMs)
    {
        this.groupPath = root + "/" + group;
        this.eligiblePath = groupPath + "/eligible";
        this.nodeId = nodeId;
        this.client = CuratorFrameworkFactory.builder()
            .connectString(connect)
            .sessionTimeoutMs(sessionTimeoutMs)
            .connectionTimeoutMs(Math.min(connectTimeoutMs, Math.max(sessionTimeoutMs, 1000)))
            .retryPolicy(new ExponentialBackoffRetry(100, 10, 1000))
            .build();
        client.getConnectionStateListenable().addListener((c, state) ->
        {
            LOG.info("lease {}: ZooKeeper connection {}", groupPath, state);
            final LeaderLatch current = latch;
            if ((state == ConnectionState.SUSPENDED || state == ConnectionState.LOST) && current != null &&
                current.hasLeadership())
            {
                onLost.run();
            }
        });
        client.start();
        try
        {
            if (!client.blockUntilConnected(connectTimeoutMs, TimeUnit.MILLISECONDS))
            {
                client.close();
                throw new IllegalStateException("ZooKeeper at " + connect + " not reachable within " +
                    connectTimeoutMs + " ms");
            }
        }
        catch (final InterruptedException ex)
        {
            Thread.currentThread().interrupt();
            client.close();
            throw new IllegalStateException("interrupted while connecting to ZooKeeper", ex);
        }
    }

    /**
     * Join the election (no-op if this node is in it already): a new latch participant.
     *
     * @param whenLost called (on a Curator thread) if this node held the lease and lost it, or its connection was
     *                 suspended while holding it: the primary must stop acting at once.
     */
    public synchronized void join(final Runnable whenLost)
    {
        if (latch != null)
        {
            return;
        }
        this.onLost = whenLost;
        final LeaderLatch joined = new LeaderLatch(client, groupPath + "/latch", Integer.toString(nodeId));
        joined.addListener(new LeaderLatchListener()
        {
            public void isLeader()
            {
                if (latch == joined)
                {
                    LOG.info("lease {}: node {} holds the lease", groupPath, nodeId);
                }
            }

            public void notLeader()
            {
                if (latch == joined)
                {
                    LOG.warn("lease {}: node {} lost the lease", groupPath, nodeId);
                    onLost.run();
                }
            }
        });
        latch = joined;
        try
        {
            joined.start();
        }
        catch (final Exception ex)
        {
            latch = null;
            throw new IllegalStateException("cannot join the election at " + groupPath, ex);
        }
    }

    /**
     * Leave the election (no-op if this node is not in it), staying connected: a lease this node holds is given up
     * without calling {@code whenLost} (the caller leaves on purpose, and must not be acting as primary).
     */
    public synchronized void leave()
    {
        final LeaderLatch left = latch;
        if (left == null)
        {
            return;
        }
        latch = null;
        try
        {
            left.close(LeaderLatch.CloseMode.SILENT);
        }
        catch (final IOException | RuntimeException ex)
        {
            LOG.warn("lease {}: leaving the election failed", groupPath, ex);
        }
    }

    /** @return true while this node takes part in the election (joined and not left). */
    public boolean inElection()
    {
        return latch != null;
    }

    /** @return true while this node holds the lease (and its connection is not suspended). */
    public boolean isLeader()
    {
        final LeaderLatch current = latch;
        return current != null && current.hasLeadership();
    }

    /**
     * Take the next epoch: one above both the newest handed out in ZooKeeper and {@code floor}, written back with a
     * conditional update so that no other node can take the same one, in one transaction with a check that this
     * node is still eligible (a node whose eligibility a newer primary revoked never advances the epoch).
     *
     * @param floor the newest epoch this node's journals hold.
     * @return the epoch to be primary in.
     * @throws NotEligibleException  if this node is not eligible.
     * @throws IllegalStateException if this node does not hold the lease, or ZooKeeper fails.
     */
    public long claimEpoch(final long floor)
    {
        final String path = groupPath + "/epoch";
        final String own = eligiblePath + "/" + nodeId;
        try
        {
            while (true)
            {
                if (!isLeader())
                {
                    throw new IllegalStateException("node " + nodeId + " does not hold the lease of " + groupPath);
                }
                final Stat stat = new Stat();
                long next;
                CuratorOp write;
                try
                {
                    final byte[] data = client.getData().storingStatIn(stat).forPath(path);
                    next = Math.max(Long.parseLong(new String(data, StandardCharsets.UTF_8).trim()), floor) + 1;
                    write = client.transactionOp().setData().withVersion(stat.getVersion()).forPath(path, bytes(next));
                }
                catch (final KeeperException.NoNodeException ex)
                {
                    next = floor + 1;
                    write = client.transactionOp().create().forPath(path, bytes(next));
                }
                try
                {
                    client.transaction().forOperations(client.transactionOp().check().forPath(own), write);
                    return next;
                }
                catch (final KeeperException ex)
                {
                    if (client.checkExists().forPath(own) == null)
                    {
                        throw new NotEligibleException("node " + nodeId + " is not eligible in " + groupPath +
                            " (its eligible node was revoked by a newer primary, or never made)");
                    }
                    LOG.warn("lease {}: epoch changed under node {} ({}); reading again", groupPath, nodeId,
                        ex.code());
                }
            }
        }
        catch (final RuntimeException ex)
        {
            throw ex;
        }
        catch (final Exception ex)
        {
            throw new IllegalStateException("cannot claim an epoch at " + path, ex);
        }
    }

    /**
     * @return the newest epoch handed out in ZooKeeper (0: none yet).
     * @throws IllegalStateException if ZooKeeper fails.
     */
    public long epoch()
    {
        try
        {
            return Long.parseLong(new String(client.getData().forPath(groupPath + "/epoch"),
                StandardCharsets.UTF_8).trim());
        }
        catch (final KeeperException.NoNodeException ex)
        {
            return 0;
        }
        catch (final Exception ex)
        {
            throw new IllegalStateException("cannot read the epoch of " + groupPath, ex);
        }
    }

    /**
     * @return the nodes marked eligible, ascending (empty for a new group).
     * @throws IllegalStateException if ZooKeeper fails.
     */
    public List<Integer> eligibleNodes()
    {
        try
        {
            final List<Integer> nodes = new ArrayList<>();
            for (final String child : client.getChildren().forPath(eligiblePath))
            {
                try
                {
                    nodes.add(Integer.parseInt(child));
                }
                catch (final NumberFormatException ignored)
                {
                    // not ours
                }
            }
            Collections.sort(nodes);
            return nodes;
        }
        catch (final KeeperException.NoNodeException ex)
        {
            return new ArrayList<>();
        }
        catch (final Exception ex)
        {
            throw new IllegalStateException("cannot read the eligible nodes of " + groupPath, ex);
        }
    }

    /**
     * @return true if this node is marked eligible.
     * @throws IllegalStateException if ZooKeeper fails.
     */
    public boolean isEligible()
    {
        try
        {
            return client.checkExists().forPath(eligiblePath + "/" + nodeId) != null;
        }
        catch (final Exception ex)
        {
            throw new IllegalStateException("cannot read the eligibility of node " + nodeId, ex);
        }
    }

    /**
     * Mark this node eligible without condition: a new group's first node, or an operator's override
     * ({@code lease.force-eligible}).
     *
     * @throws IllegalStateException if ZooKeeper fails.
     */
    public void markEligible()
    {
        try
        {
            client.create().creatingParentsIfNeeded().forPath(eligiblePath + "/" + nodeId, bytes(epoch()));
        }
        catch (final KeeperException.NodeExistsException ignored)
        {
            // already
        }
        catch (final Exception ex)
        {
            throw new IllegalStateException("cannot mark node " + nodeId + " eligible in " + groupPath, ex);
        }
    }

    /**
     * Mark this standby eligible if the group is still in {@code epoch}, the epoch of the primary it has caught up
     * with: the epoch's check and the mark are one transaction, so a mark cannot land after a newer primary has
     * claimed its epoch (and revoked the others) without this standby having seen that primary's records.
     *
     * @param epoch the epoch of the primary whose journal end this node has reached.
     * @return true if this node is now eligible; false if the epoch has moved on.
     * @throws IllegalStateException if ZooKeeper fails.
     */
    public boolean markEligible(final long epoch)
    {
        final String path = groupPath + "/epoch";
        try
        {
            try
            {
                client.create().creatingParentsIfNeeded().forPath(eligiblePath);
            }
            catch (final KeeperException.NodeExistsException ignored)
            {
                // the usual case
            }
            final Stat stat = new Stat();
            final byte[] data;
            try
            {
                data = client.getData().storingStatIn(stat).forPath(path);
            }
            catch (final KeeperException.NoNodeException ex)
            {
                return false;
            }
            if (Long.parseLong(new String(data, StandardCharsets.UTF_8).trim()) != epoch)
            {
                return false;
            }
            client.transaction().forOperations(
                client.transactionOp().check().withVersion(stat.getVersion()).forPath(path),
                client.transactionOp().create().forPath(eligiblePath + "/" + nodeId, bytes(epoch)));
            return true;
        }
        catch (final KeeperException.NodeExistsException ex)
        {
            return isEligible();
        }
        catch (final KeeperException.BadVersionException ex)
        {
            return false;
        }
        catch (final Exception ex)
        {
            throw new IllegalStateException("cannot mark node " + nodeId + " eligible in " + groupPath, ex);
        }
    }

    /**
     * Revoke a node's eligibility (no-op if it has none).
     *
     * @param node the node.
     * @throws IllegalStateException if ZooKeeper fails.
     */
    public void revokeEligible(final int node)
    {
        try
        {
            client.delete().forPath(eligiblePath + "/" + node);
        }
        catch (final KeeperException.NoNodeException ignored)
        {
            // not eligible anyway
        }
        catch (final Exception ex)
        {
            throw new IllegalStateException("cannot revoke the eligibility of node " + node + " in " + groupPath, ex);
        }
    }

    /**
     * A new primary, before it accepts commands: revoke every other node's eligibility.
     *
     * @return the nodes revoked.
     * @throws IllegalStateException if ZooKeeper fails.
     */
    public List<Integer> revokeOthers()
    {
        final List<Integer> revoked = new ArrayList<>();
        for (final int node : eligibleNodes())
        {
            if (node != nodeId)
            {
                revokeEligible(node);
                revoked.add(node);
            }
        }
        return revoked;
    }

    /**
     * @return the nodes taking part in the election now (the latch's participants), ascending.
     * @throws IllegalStateException if ZooKeeper fails.
     */
    public List<Integer> electionParticipants()
    {
        final String path = groupPath + "/latch";
        try
        {
            final List<Integer> nodes = new ArrayList<>();
            for (final String child : client.getChildren().forPath(path))
            {
                try
                {
                    nodes.add(Integer.parseInt(new String(client.getData().forPath(path + "/" + child),
                        StandardCharsets.UTF_8).trim()));
                }
                catch (final KeeperException.NoNodeException | NumberFormatException ignored)
                {
                    // left meanwhile, or not ours
                }
            }
            Collections.sort(nodes);
            return nodes;
        }
        catch (final KeeperException.NoNodeException ex)
        {
            return new ArrayList<>();
        }
        catch (final Exception ex)
        {
            throw new IllegalStateException("cannot read the election of " + groupPath, ex);
        }
    }

    /**
     * Tell standbys and tools where the primary is (an ephemeral node of this session).
     *
     * @param info this node as primary.
     */
    public void publish(final PrimaryInfo info)
    {
        final String path = groupPath + "/primary";
        try
        {
            try
            {
                client.delete().forPath(path);
            }
            catch (final KeeperException.NoNodeException ignored)
            {
                // The usual case: the previous primary's session took it along.
            }
            client.create().creatingParentsIfNeeded().withMode(CreateMode.EPHEMERAL).forPath(path, info.encode());
        }
        catch (final Exception ex)
        {
            throw new IllegalStateException("cannot publish the primary at " + path, ex);
        }
    }

    /** @return the group's primary as published, or null if none is (no primary, or one still starting). */
    public PrimaryInfo primary()
    {
        try
        {
            return PrimaryInfo.decode(client.getData().forPath(groupPath + "/primary"));
        }
        catch (final KeeperException.NoNodeException ex)
        {
            return null;
        }
        catch (final Exception ex)
        {
            LOG.warn("lease {}: cannot read the primary: {}", groupPath, ex.toString());
            return null;
        }
    }

    /**
     * Leave the election, give up a held lease, and disconnect.
     */
    @Override
    public void close()
    {
        onLost = () -> { };
        leave();
        client.close();
    }

    private static byte[] bytes(final long value)
    {
        return Long.toString(value).getBytes(StandardCharsets.UTF_8);
    }
}
