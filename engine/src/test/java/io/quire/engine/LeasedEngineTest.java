package io.quire.engine;

import io.aeron.Aeron;
import io.quire.engine.client.DocRef;
import io.quire.engine.client.EngineClient;
import io.quire.engine.lease.EmbeddedZooKeeper;
import io.quire.engine.lease.LeasedEngine;
import io.quire.engine.ot.TextOp;
import org.apache.zookeeper.server.embedded.ZooKeeperServerEmbedded;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BooleanSupplier;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Engines under a real ZooKeeper lease (an embedded server, two {@link LeasedEngine}s in this JVM with their own
 * media drivers, journals in temp dirs, replication over Aeron UDP on 127.0.0.1, {@code ack-policy replicated}):
 * the lease holder is primary and the other follows it; when the holder leaves, the standby is primary in a newer
 * epoch; an old primary that comes back with a record it journaled but never got replicated (nor acknowledged) is
 * fenced: the record never reaches the new primary's journal; the old primary detects that its journal diverged,
 * moves its shards aside, copies the new primary's journal, and the two journals end equal record for record.
 */
class LeasedEngineTest
{
    @TempDir
    Path dir;

    private ZooKeeperServerEmbedded zookeeper;
    private String connect;
    private final List<AutoCloseable> open = new ArrayList<>();
    private final AtomicInteger fenced = new AtomicInteger();

    @BeforeEach
    void startZooKeeper() throws Exception
    {
        final int port;
        try (ServerSocket socket = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress()))
        {
            port = socket.getLocalPort();
        }
        zookeeper = EmbeddedZooKeeper.start(dir.resolve("zk"), port);
        connect = "127.0.0.1:" + port;
    }

    @AfterEach
    void stop() throws Exception
    {
        for (int i = open.size() - 1; i >= 0; i--)
        {
            open.get(i).close();
        }
        zookeeper.close();
    }

    private LeasedEngine start(final Path home, final int nodeId, final String replicationChannel)
    {
        final LeasedEngine engine = new LeasedEngine(() -> EngineNodeTest.testContext(home)
            .nodeId(nodeId)
            .replicationChannel(replicationChannel)
            .ackReplicated(true)
            .leaseZookeeper(connect)
            .leaseSessionTimeoutNs(4_000_000_000L), fenced::incrementAndGet, line -> { });
        final Thread thread = new Thread(() ->
        {
            try
            {
                engine.run();
            }
            catch (final InterruptedException ignored)
            {
                Thread.currentThread().interrupt();
            }
        }, "leased-engine-" + nodeId);
        thread.setDaemon(true);
        thread.start();
        open.add(engine);
        return engine;
    }

    private void stop(final LeasedEngine engine)
    {
        engine.close();
        open.remove(engine);
    }

    private static void await(final String what, final BooleanSupplier done)
    {
        final long deadline = System.nanoTime() + 30_000_000_000L;
        while (!done.getAsBoolean())
        {
            assertThat(System.nanoTime() - deadline).as(what).isNegative();
            try
            {
                Thread.sleep(10);
            }
            catch (final InterruptedException ex)
            {
                throw new AssertionError(ex);
            }
        }
    }

    private static boolean isPrimary(final LeasedEngine engine)
    {
        final EngineNode node = engine.node();
        return node != null && !node.isReplica();
    }

    private static boolean isStandby(final LeasedEngine engine)
    {
        final EngineNode node = engine.node();
        return node != null && node.isReplica() && node.replicationFailure() == null;
    }

    @Test
    void theStandbyTakesTheLeaseAndAnOldPrimaryWithAnUnreplicatedRecordRejoinsAsAnEqualCopy() throws Exception
    {
        final Path a = dir.resolve("a");
        final Path b = dir.resolve("b");
        final String channelA = "aeron:udp?endpoint=127.0.0.1:" + ReplicaTest.freeUdpPort();
        final String channelB = "aeron:udp?endpoint=127.0.0.1:" + ReplicaTest.freeUdpPort();

        final LeasedEngine first = start(a, 1, channelA);
        await("node 1 primary", () -> isPrimary(first));
        final LeasedEngine second = start(b, 2, channelB);
        await("node 2 follows node 1", () -> isStandby(second));
        await("node 1 published", () -> first.primary() != null && first.primary().nodeId() == 1);
        final long epoch1 = first.node().epoch();
        ReplicaTest.write(first.node(), 11, 4, 3, "acked");

        // The standby goes away; the primary journals an edit it cannot get replicated, so never acknowledges.
        stop(second);
        final DocRef doc = new DocRef("docs", "acked0");
        final int shard = ReplicaTest.shardOf(first.node(), doc);
        final long before = ReplicaTest.lastLsn(a, shard);
        final Aeron aeron = Aeron.connect(new Aeron.Context().aeronDirectoryName(first.node().aeronDirectoryName()));
        final EngineEpochTest.Seen seen = new EngineEpochTest.Seen();
        try (EngineClient client = EngineClient.connect(aeron, first.node().ingressChannel(),
            first.node().ingressStream(), 12, "aeron:ipc", 2012, seen))
        {
            EngineNodeTest.await("heartbeat", () -> seen.heartbeatEpoch > 0, client);
            final long request = client.submitEdit(1, doc, 4, "tail".getBytes(StandardCharsets.UTF_8), 1,
                new TextOp().insert("NEVER-ACKED "));
            EngineNodeTest.await("the edit journaled", () -> ReplicaTest.lastLsn(a, shard) > before, client);
            client.poll(16);
            assertThat(seen.acks).as("not replicated, so not acknowledged").doesNotContain(request);
        }
        finally
        {
            aeron.close();
        }
        stop(first);

        // Node 2 comes back alone: it gets the lease and is primary in a newer epoch, without the unreplicated edit.
        final LeasedEngine secondAgain = start(b, 2, channelB);
        await("node 2 primary", () -> isPrimary(secondAgain));
        assertThat(secondAgain.node().epoch()).isGreaterThan(epoch1);
        await("node 2 published", () -> secondAgain.primary() != null && secondAgain.primary().nodeId() == 2);

        // Node 1 returns: its journal is not a prefix of node 2's; it moves its shards aside and copies node 2's.
        final LeasedEngine firstAgain = start(a, 1, channelA);
        await("node 1 moved its diverged shards aside and follows node 2",
            () -> isStandby(firstAgain) && Files.isDirectory(a.resolve("data/diverged")));
        ReplicaTest.write(secondAgain.node(), 13, 2, 2, "after");
        for (int s = 0; s < 2; s++)
        {
            final int sh = s;
            await("shard " + s + " copied", () -> isStandby(firstAgain) &&
                firstAgain.node().replicaProgress(sh)[0] >= ReplicaTest.lastLsn(b, sh));
        }
        assertThat(ReplicaTest.documents(secondAgain.node()).get("docs/acked0")).doesNotContain("NEVER-ACKED")
            .contains("e2 e1 e0 doc 0");
        stop(firstAgain);
        stop(secondAgain);
        for (int s = 0; s < 2; s++)
        {
            final List<byte[]> journalA = ReplicaTest.journal(a, s);
            final List<byte[]> journalB = ReplicaTest.journal(b, s);
            assertThat(journalA).hasSameSizeAs(journalB);
            for (int i = 0; i < journalA.size(); i++)
            {
                assertThat(journalA.get(i)).as("shard %d LSN %d", s, i + 1).isEqualTo(journalB.get(i));
            }
        }
        assertThat(fenced.get()).as("no primary lost its lease while acting").isZero();
    }
}
