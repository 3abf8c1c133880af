package io.quire.engine.lease;

import org.apache.curator.framework.CuratorFramework;
import org.apache.curator.framework.CuratorFrameworkFactory;
import org.apache.curator.framework.recipes.leader.LeaderLatch;
import org.apache.curator.framework.recipes.leader.LeaderLatchListener;
import org.apache.curator.framework.state.ConnectionState;
import org.apache.curator.retry.ExponentialBackoffRetry;
import org.apache.zookeeper.CreateMode;
import org.apache.zookeeper.KeeperException;
import org.apache.zookeeper.data.Stat;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.nio.charset.StandardCharsets;
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
 * </ul>
 * No election logic of our own: leadership is Curator's recipe over ZooKeeper's sessions.
 */
public final class PrimaryLease implements AutoCloseable
{
    private static final Logger LOG = LoggerFactory.getLogger(PrimaryLease.class);

    private final CuratorFramework client;
    private final String groupPath;
    private final int nodeId;
    private final LeaderLatch latch;
    private volatile Runnable onLost = () -> { };

    /**
     * Connect (bounded wait) and join the group's election.
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
        this.nodeId = nodeId;
        this.client = CuratorFrameworkFactory.builder()
            .connectString(connect)
            .sessionTimeoutMs(sessionTimeoutMs)
            .connectionTimeoutMs(Math.min(connectTimeoutMs, Math.max(sessionTimeoutMs, 1000)))
            .retryPolicy(new ExponentialBackoffRetry(100, 10, 1000))
            .build();
        this.latch = new LeaderLatch(client, groupPath + "/latch", Integer.toString(nodeId));
        latch.addListener(new LeaderLatchListener()
        {
            public void isLeader()
            {
                LOG.info("lease {}: node {} holds the lease", groupPath, nodeId);
            }

            public void notLeader()
            {
                LOG.warn("lease {}: node {} lost the lease", groupPath, nodeId);
                onLost.run();
            }
        });
        client.getConnectionStateListenable().addListener((c, state) ->
        {
            LOG.info("lease {}: ZooKeeper connection {}", groupPath, state);
            if (state == ConnectionState.SUSPENDED || state == ConnectionState.LOST)
            {
                if (latch.hasLeadership())
                {
                    onLost.run();
                }
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
     * Join the election (once).
     *
     * @param whenLost called (on a Curator thread) if this node held the lease and lost it, or its connection was
     *                 suspended while holding it: the primary must stop acting at once.
     */
    public void join(final Runnable whenLost)
    {
        this.onLost = whenLost;
        try
        {
            latch.start();
        }
        catch (final Exception ex)
        {
            throw new IllegalStateException("cannot join the election at " + groupPath, ex);
        }
    }

    /** @return true while this node holds the lease (and its connection is not suspended). */
    public boolean isLeader()
    {
        return latch.hasLeadership();
    }

    /**
     * Take the next epoch: one above both the newest handed out in ZooKeeper and {@code floor}, written back with a
     * conditional update so that no other node can take the same one.
     *
     * @param floor the newest epoch this node's journals hold.
     * @return the epoch to be primary in.
     * @throws IllegalStateException if this node does not hold the lease, or ZooKeeper fails.
     */
    public long claimEpoch(final long floor)
    {
        final String path = groupPath + "/epoch";
        try
        {
            while (true)
            {
                if (!isLeader())
                {
                    throw new IllegalStateException("node " + nodeId + " does not hold the lease of " + groupPath);
                }
                final Stat stat = new Stat();
                byte[] data;
                try
                {
                    data = client.getData().storingStatIn(stat).forPath(path);
                }
                catch (final KeeperException.NoNodeException ex)
                {
                    try
                    {
                        final long first = floor + 1;
                        client.create().creatingParentsIfNeeded().forPath(path, bytes(first));
                        return first;
                    }
                    catch (final KeeperException.NodeExistsException raced)
                    {
                        continue;
                    }
                }
                final long next = Math.max(Long.parseLong(new String(data, StandardCharsets.UTF_8).trim()), floor) + 1;
                try
                {
                    client.setData().withVersion(stat.getVersion()).forPath(path, bytes(next));
                    return next;
                }
                catch (final KeeperException.BadVersionException raced)
                {
                    LOG.warn("lease {}: epoch changed under node {}; reading again", groupPath, nodeId);
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
        try
        {
            latch.close();
        }
        catch (final Exception ex)
        {
            LOG.warn("lease {}: leaving the election failed", groupPath, ex);
        }
        client.close();
    }

    private static byte[] bytes(final long value)
    {
        return Long.toString(value).getBytes(StandardCharsets.UTF_8);
    }
}
