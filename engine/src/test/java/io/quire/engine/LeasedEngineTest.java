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
 * Only eligible nodes (known to hold every acknowledged record) stand in the election: a node that is behind is
 * never elected, even when that leaves the group without a primary; a caught-up standby still takes over; an old
 * primary is eligible again only once caught up; {@code lease.force-eligible} overrides; a new group bootstraps.
 */
class LeasedEngineTest
{
    @TempDir
    Path dir;

    private ZooKeeperServerEmbedded zookeeper;
    private String connect;
    private final List<AutoCloseable> open = java.util.Collections.synchronizedList(new ArrayList<>());
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
        return start(home, nodeId, replicationChannel, false);
    }

    private LeasedEngine start(final Path home, final int nodeId, final String replicationChannel, final boolean force)
    {
        return start(home, nodeId, replicationChannel, force, engine -> { });
    }

    private LeasedEngine start(
        final Path home, final int nodeId, final String replicationChannel, final boolean force,
        final java.util.function.Consumer<LeasedEngine> beforeRun)
    {
        final LeasedEngine engine = new LeasedEngine(() -> EngineNodeTest.testContext(home)
            .nodeId(nodeId)
            .replicationChannel(replicationChannel)
            .ackReplicated(true)
            .leaseZookeeper(connect)
            .leaseForceEligible(force)
            .leaseSessionTimeoutNs(4_000_000_000L), fenced::incrementAndGet, line -> { });
        beforeRun.accept(engine);
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

    /** With no standby following: the primary journals an edit it cannot get replicated, so never acknowledges. */
    private static void journalUnacknowledgedEdit(final LeasedEngine primary, final Path home) throws Exception
    {
        journalUnacknowledgedEdits(primary, home, 1);
    }

    /**
     * {@code count} edits of docs/acked0 (at version 4: after {@code write(.., 4, 3, "acked")}), journaled but never
     * acknowledged.
     *
     * @return the shard they went to.
     */
    private static int journalUnacknowledgedEdits(final LeasedEngine primary, final Path home, final int count)
        throws Exception
    {
        return journalUnacknowledgedEdits(primary, home, new DocRef("docs", "acked0"), count);
    }

    private static int journalUnacknowledgedEdits(
        final LeasedEngine primary, final Path home, final DocRef doc, final int count) throws Exception
    {
        final int shard = ReplicaTest.shardOf(primary.node(), doc);
        final long before = ReplicaTest.lastLsn(home, shard);
        final Aeron aeron = Aeron.connect(new Aeron.Context().aeronDirectoryName(primary.node().aeronDirectoryName()));
        final EngineEpochTest.Seen seen = new EngineEpochTest.Seen();
        try (EngineClient client = EngineClient.connect(aeron, primary.node().ingressChannel(),
            primary.node().ingressStream(), 12, "aeron:ipc", 2012, seen))
        {
            EngineNodeTest.await("heartbeat", () -> seen.heartbeatEpoch > 0, client);
            final List<Long> requests = new ArrayList<>();
            for (int i = 0; i < count; i++)
            {
                requests.add(client.submitEdit(1, doc, 4 + i, "tail".getBytes(StandardCharsets.UTF_8), 1 + i,
                    new TextOp().insert("NEVER-ACKED ")));
            }
            EngineNodeTest.await("the edits journaled", () -> ReplicaTest.lastLsn(home, shard) >= before + count,
                client);
            client.poll(16);
            assertThat(seen.acks).as("not replicated, so not acknowledged").doesNotContainAnyElementsOf(requests);
        }
        finally
        {
            aeron.close();
        }
        return shard;
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
        await("node 2 caught up and stands in the election", second::inElection);
        final long epoch1 = first.node().epoch();
        ReplicaTest.write(first.node(), 11, 4, 3, "acked");

        // The standby goes away; the primary journals an edit it cannot get replicated, so never acknowledges.
        stop(second);
        journalUnacknowledgedEdit(first, a);
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

    @Test
    void anOldPrimaryWithADivergedTailKeepsTheCommonPrefixAndCopiesOnlyWhatFollowsIt() throws Exception
    {
        final Path a = dir.resolve("a");
        final Path b = dir.resolve("b");
        final String channelA = udp();
        final String channelB = udp();
        final LeasedEngine first = start(a, 1, channelA);
        await("node 1 primary", () -> isPrimary(first));
        final LeasedEngine second = start(b, 2, channelB);
        await("node 2 caught up and eligible", () -> isStandby(second) && second.inElection());
        ReplicaTest.write(first.node(), 11, 4, 3, "acked");
        awaitCaughtUp("node 2", second, a);
        stop(second);

        // Node 1 journals k records node 2 never gets: its journal is the common prefix of n records, then k more.
        final int k = 5;
        final int shard = journalUnacknowledgedEdits(first, a, k);
        final int other = 1 - shard;
        stop(first);
        final long n = ReplicaTest.lastLsn(b, shard);
        final long nOther = ReplicaTest.lastLsn(b, other);
        final List<byte[]> divergedJournal = ReplicaTest.journal(a, shard);
        assertThat(divergedJournal).hasSize((int)(n + k));
        assertThat(ReplicaTest.lastLsn(a, other)).isEqualTo(nOther);

        // Node 2 is primary in a newer epoch: its EpochRecord follows the common prefix.
        final LeasedEngine secondAgain = start(b, 2, channelB);
        await("node 2 primary", () -> isPrimary(secondAgain));
        await("node 2 published", () -> secondAgain.primary() != null && secondAgain.primary().nodeId() == 2);
        final List<byte[]> primaryPrefix = ReplicaTest.journal(b, shard);
        assertThat(primaryPrefix.size()).isGreaterThan((int)n);
        for (int i = 0; i < n; i++)
        {
            assertThat(divergedJournal.get(i)).as("common prefix, LSN %d", i + 1).isEqualTo(primaryPrefix.get(i));
        }

        // Three sets from earlier divergences: with lease.diverged-keep at its default of 3, the new set displaces
        // the oldest.
        for (final String earlier : new String[] {"1000", "2000", "3000"})
        {
            Files.createDirectories(a.resolve("data/diverged").resolve(earlier).resolve("shard-" + shard));
        }

        // Node 1 returns: it keeps records 1..n of the diverged shard, sets the whole old journal aside, and gets
        // only what follows n from node 2; its other shard did not diverge and stays as it was.
        final LeasedEngine firstAgain = start(a, 1, channelA);
        await("node 1 kept the common prefix and follows node 2",
            () -> !firstAgain.prefixesKept().isEmpty() && isStandby(firstAgain));
        assertThat(firstAgain.prefixesKept()).hasSize(1);
        assertThat(a.resolve("data/diverged/1000")).doesNotExist();
        assertThat(a.resolve("data/diverged/2000")).isDirectory();
        assertThat(a.resolve("data/diverged/3000")).isDirectory();
        final LeasedEngine.PrefixKept kept = firstAgain.prefixesKept().get(0);
        assertThat(kept.shardId()).isEqualTo(shard);
        assertThat(kept.agreedLsn()).isEqualTo(n);
        assertThat(kept.keptLsn()).isEqualTo(n);
        assertThat(kept.asideLsn()).isEqualTo(n + k);
        assertThat(kept.aside()).isEqualTo(a.resolve("data/diverged").resolve(kept.aside().getParent().getFileName())
            .resolve("shard-" + shard));
        final List<byte[]> aside = ReplicaTest.journal(kept.aside().resolve("journal"));
        assertThat(aside).hasSameSizeAs(divergedJournal);
        for (int i = 0; i < aside.size(); i++)
        {
            assertThat(aside.get(i)).as("set aside, LSN %d", i + 1).isEqualTo(divergedJournal.get(i));
        }
        assertThat(kept.aside().getParent().resolve("shard-" + other)).doesNotExist();

        ReplicaTest.write(secondAgain.node(), 13, 2, 2, "after");
        awaitCaughtUp("node 1", firstAgain, b);
        await("node 1 eligible again once caught up", firstAgain::inElection);
        final long headB = ReplicaTest.lastLsn(b, shard);
        final long headOther = ReplicaTest.lastLsn(b, other);
        assertThat(firstAgain.node().replicaRecordsReceived(shard)).as("records copied over the network")
            .isEqualTo(headB - n);
        // The other shard may have taken its first records in the incarnation that found the divergence.
        assertThat(firstAgain.node().replicaRecordsReceived(other)).isBetween(0L, headOther - nOther);
        assertThat(ReplicaTest.documents(firstAgain.node())).isEqualTo(ReplicaTest.documents(secondAgain.node()));
        assertThat(ReplicaTest.documents(firstAgain.node()).get("docs/acked0")).doesNotContain("NEVER-ACKED");
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
        assertThat(fenced.get()).isZero();
    }

    @Test
    void whenEveryShardDivergedOneRestartKeepsEachShardsCommonPrefix() throws Exception
    {
        final Path a = dir.resolve("a");
        final Path b = dir.resolve("b");
        final String channelA = udp();
        final String channelB = udp();
        final LeasedEngine first = start(a, 1, channelA);
        await("node 1 primary", () -> isPrimary(first));
        final LeasedEngine second = start(b, 2, channelB);
        await("node 2 caught up and eligible", () -> isStandby(second) && second.inElection());
        ReplicaTest.write(first.node(), 11, 4, 3, "acked");
        awaitCaughtUp("node 2", second, a);
        stop(second);
        // A tail of 3 records in acked0's shard, and of 2 in the other one (the first of acked1..3 routed there).
        final int shard = journalUnacknowledgedEdits(first, a, new DocRef("docs", "acked0"), 3);
        DocRef otherDoc = null;
        for (int d = 1; d < 4 && otherDoc == null; d++)
        {
            final DocRef candidate = new DocRef("docs", "acked" + d);
            if (ReplicaTest.shardOf(first.node(), candidate) != shard)
            {
                otherDoc = candidate;
            }
        }
        assertThat(otherDoc).as("a doc in the other shard").isNotNull();
        final int other = journalUnacknowledgedEdits(first, a, otherDoc, 2);
        stop(first);
        final long[] n = {ReplicaTest.lastLsn(b, 0), ReplicaTest.lastLsn(b, 1)};
        assertThat(ReplicaTest.lastLsn(a, shard)).isEqualTo(n[shard] + 3);
        assertThat(ReplicaTest.lastLsn(a, other)).isEqualTo(n[other] + 2);

        final LeasedEngine secondAgain = start(b, 2, channelB);
        await("node 2 primary", () -> isPrimary(secondAgain));
        await("node 2 published", () -> secondAgain.primary() != null && secondAgain.primary().nodeId() == 2);
        final LeasedEngine firstAgain = start(a, 1, channelA);
        await("node 1 kept both prefixes and follows node 2",
            () -> firstAgain.prefixesKept().size() >= 2 && isStandby(firstAgain));
        final List<LeasedEngine.PrefixKept> kept = firstAgain.prefixesKept();
        assertThat(kept).hasSize(2);
        assertThat(kept.get(0).aside().getParent()).as("one move aside, one restart")
            .isEqualTo(kept.get(1).aside().getParent());
        for (final LeasedEngine.PrefixKept k : kept)
        {
            assertThat(k.keptLsn()).as("shard %d", k.shardId()).isEqualTo(n[k.shardId()]);
            assertThat(k.asideLsn()).isEqualTo(n[k.shardId()] + (k.shardId() == shard ? 3 : 2));
        }
        awaitCaughtUp("node 1", firstAgain, b);
        for (int s = 0; s < 2; s++)
        {
            assertThat(firstAgain.node().replicaRecordsReceived(s)).as("shard %d copied over the network", s)
                .isEqualTo(ReplicaTest.lastLsn(b, s) - n[s]);
        }
        assertThat(ReplicaTest.documents(firstAgain.node())).isEqualTo(ReplicaTest.documents(secondAgain.node()));
        stop(firstAgain);
        stop(secondAgain);
        for (int s = 0; s < 2; s++)
        {
            assertThat(ReplicaTest.journal(a, s)).usingElementComparator(java.util.Arrays::compare)
                .containsExactlyElementsOf(ReplicaTest.journal(b, s));
        }
        assertThat(fenced.get()).isZero();
    }

    private static String udp()
    {
        try
        {
            return "aeron:udp?endpoint=127.0.0.1:" + ReplicaTest.freeUdpPort();
        }
        catch (final java.io.IOException ex)
        {
            throw new java.io.UncheckedIOException(ex);
        }
    }

    /** For {@code ms}: the condition holds at every look (a node that must not do something, doesn't). */
    private static void holds(final String what, final long ms, final BooleanSupplier condition)
        throws InterruptedException
    {
        final long end = System.nanoTime() + ms * 1_000_000L;
        while (System.nanoTime() - end < 0)
        {
            assertThat(condition.getAsBoolean()).as(what).isTrue();
            Thread.sleep(20);
        }
    }

    private static void awaitCaughtUp(final String what, final LeasedEngine standby, final Path primaryHome)
    {
        for (int s = 0; s < 2; s++)
        {
            final int sh = s;
            await(what + ": shard " + s, () -> isStandby(standby) &&
                standby.node().replicaProgress(sh)[0] >= ReplicaTest.lastLsn(primaryHome, sh));
        }
    }

    @Test
    void aNewGroupBootstrapsWithTheFirstNodeAndTheSecondIsEligibleOnceCaughtUp()
    {
        final LeasedEngine first = start(dir.resolve("a"), 1, udp());
        assertThat(first.inElection()).as("a new group: the first node marks itself and stands").isTrue();
        await("node 1 primary", () -> isPrimary(first));
        assertThat(first.eligibleNodes()).containsExactly(1);
        final LeasedEngine second = start(dir.resolve("b"), 2, udp());
        assertThat(second.inElection()).as("not eligible at start: the group has an eligible node").isFalse();
        await("node 2 caught up and eligible", () -> isStandby(second) && second.inElection());
        assertThat(first.eligibleNodes()).containsExactly(1, 2);
        ReplicaTest.write(first.node(), 11, 2, 2, "boot");
        assertThat(fenced.get()).isZero();
    }

    @Test
    void twoNodesOfANewGroupStartingTogetherEndWithOnePrimaryAndAnEligibleStandby()
    {
        final LeasedEngine[] nodes = new LeasedEngine[2];
        final Thread other = new Thread(() -> nodes[1] = start(dir.resolve("b"), 2, udp()));
        other.start();
        nodes[0] = start(dir.resolve("a"), 1, udp());
        try
        {
            other.join(30_000);
        }
        catch (final InterruptedException ex)
        {
            throw new AssertionError(ex);
        }
        // Both bootstrap as eligible; the winner's claim revokes the other, which marks itself again once caught
        // up. A node's own inElection() learns of a revocation from a watch, so wait for ZooKeeper's list as well.
        await("one primary, one caught-up standby in the election, both eligible", () ->
            (isPrimary(nodes[0]) && isStandby(nodes[1]) || isPrimary(nodes[1]) && isStandby(nodes[0])) &&
            nodes[0].inElection() && nodes[1].inElection() &&
            nodes[0].eligibleNodes().equals(List.of(1, 2)));
        final LeasedEngine primary = isPrimary(nodes[0]) ? nodes[0] : nodes[1];
        ReplicaTest.write(primary.node(), 11, 2, 2, "together");
        assertThat(primary.eligibleNodes()).containsExactly(1, 2);
        assertThat(fenced.get()).isZero();
    }

    @Test
    void aCaughtUpStandbyTakesOverAndTheOldPrimaryIsEligibleAgainOnlyOnceCaughtUp()
    {
        final Path a = dir.resolve("a");
        final Path b = dir.resolve("b");
        final String channelA = udp();
        final String channelB = udp();
        final LeasedEngine first = start(a, 1, channelA);
        await("node 1 primary", () -> isPrimary(first));
        final LeasedEngine second = start(b, 2, channelB);
        await("node 2 caught up and eligible", () -> isStandby(second) && second.inElection());
        ReplicaTest.write(first.node(), 11, 3, 3, "acked");

        // (b) The primary goes away; the caught-up standby is promoted in place and revokes node 1's eligibility.
        stop(first);
        await("node 2 promoted", () -> isPrimary(second) && second.promotions() == 1);
        await("node 2 published", () -> second.primary() != null && second.primary().nodeId() == 2);
        assertThat(second.eligibleNodes()).containsExactly(2);
        assertThat(ReplicaTest.documents(second.node()).get("docs/acked2")).isEqualTo("4 e2 e1 e0 doc 2 😀");

        // (c) The old primary comes back: not eligible until it has the new primary's records (with it following,
        // node 2 acknowledges again).
        final LeasedEngine firstAgain = start(a, 1, channelA);
        assertThat(firstAgain.inElection()).as("the old primary does not stand at start").isFalse();
        await("node 1 follows node 2", () -> isStandby(firstAgain));
        ReplicaTest.write(second.node(), 12, 2, 1, "during");
        await("node 1 caught up and eligible again", () -> isStandby(firstAgain) && firstAgain.inElection());
        for (int s = 0; s < 2; s++)
        {
            assertThat(firstAgain.node().replicaProgress(s)[0]).isGreaterThanOrEqualTo(ReplicaTest.lastLsn(b, s));
        }
        assertThat(second.eligibleNodes()).containsExactly(1, 2);
        // And it takes over in its turn.
        stop(second);
        await("node 1 promoted", () -> isPrimary(firstAgain) && firstAgain.promotions() == 1);
        assertThat(ReplicaTest.documents(firstAgain.node())).containsEntry("docs/during1", "2 e0 doc 1 😀")
            .containsEntry("docs/acked0", "4 e2 e1 e0 doc 0 😀");
        assertThat(fenced.get()).isZero();
    }

    @Test
    void aNodeThatIsBehindIsNeverElectedAndTheGroupWaitsForAnEligibleOne() throws Exception
    {
        final Path a = dir.resolve("a");
        final Path b = dir.resolve("b");
        final Path c = dir.resolve("c");
        final String channelA = udp();
        final String channelB = udp();
        final String channelC = udp();
        final LeasedEngine first = start(a, 1, channelA);
        await("node 1 primary", () -> isPrimary(first));
        final LeasedEngine second = start(b, 2, channelB);
        await("node 2 caught up and eligible", () -> isStandby(second) && second.inElection());
        ReplicaTest.write(first.node(), 11, 2, 2, "old");
        stop(second);

        // Node 1 restarts as primary in a newer epoch (node 2's eligibility revoked) and, with node 3 as its
        // standby, acknowledges records node 2 never saw.
        stop(first);
        final LeasedEngine firstAgain = start(a, 1, channelA);
        await("node 1 primary again", () -> isPrimary(firstAgain));
        final LeasedEngine third = start(c, 3, channelC);
        await("node 3 caught up and eligible", () -> isStandby(third) && third.inElection());
        assertThat(firstAgain.eligibleNodes()).containsExactly(1, 3);
        ReplicaTest.write(firstAgain.node(), 12, 2, 3, "acked");
        stop(third);
        stop(firstAgain);

        // Node 2 comes back while no eligible node is up: it holds only what it had, so it must not be elected.
        final LeasedEngine secondAgain = start(b, 2, channelB);
        assertThat(secondAgain.inElection()).isFalse();
        holds("no primary while no eligible node is up", 3000, () ->
            secondAgain.node() == null && secondAgain.primary() == null && !secondAgain.inElection());

        // An eligible node returns: it is primary with every acknowledged record, and node 2 copies them.
        final LeasedEngine firstBack = start(a, 1, channelA);
        await("node 1 primary", () -> isPrimary(firstBack));
        assertThat(ReplicaTest.documents(firstBack.node())).containsEntry("docs/acked0", "4 e2 e1 e0 doc 0 😀")
            .containsEntry("docs/acked1", "4 e2 e1 e0 doc 1 😀");
        await("node 2 follows node 1", () -> isStandby(secondAgain));
        awaitCaughtUp("node 2 copies node 1's journal", secondAgain, a);
        await("node 2 eligible once caught up", secondAgain::inElection);
        assertThat(ReplicaTest.documents(secondAgain.node())).containsEntry("docs/acked1", "4 e2 e1 e0 doc 1 😀");
        assertThat(fenced.get()).isZero();
    }

    @Test
    void anEligibleNodeWhoseJournalDivergedLeavesTheElectionUntilItHasCopiedThePrimarysJournal() throws Exception
    {
        final Path a = dir.resolve("a");
        final Path b = dir.resolve("b");
        final String channelA = udp();
        final String channelB = udp();
        final LeasedEngine first = start(a, 1, channelA);
        await("node 1 primary", () -> isPrimary(first));
        final LeasedEngine second = start(b, 2, channelB);
        await("node 2 caught up and eligible", () -> isStandby(second) && second.inElection());
        ReplicaTest.write(first.node(), 11, 4, 3, "acked");
        stop(second);
        journalUnacknowledgedEdit(first, a);
        stop(first);
        final LeasedEngine secondAgain = start(b, 2, channelB);
        await("node 2 primary", () -> isPrimary(secondAgain));
        assertThat(secondAgain.eligibleNodes()).containsExactly(2);

        // Node 1 is forced into the election although its journal holds a record node 2 lacks; once following,
        // it finds the divergence: it must revoke itself and leave before its shards go aside, and stand again
        // only once it has copied node 2's journal. Watch its eligible node from here.
        final List<Boolean> seen = java.util.Collections.synchronizedList(new ArrayList<>());
        final java.util.concurrent.atomic.AtomicBoolean watching = new java.util.concurrent.atomic.AtomicBoolean(true);
        final Thread watcher = new Thread(() ->
        {
            while (watching.get())
            {
                final boolean eligible = secondAgain.eligibleNodes().contains(1);
                if (seen.isEmpty() || seen.get(seen.size() - 1) != eligible)
                {
                    seen.add(eligible);
                }
                try
                {
                    Thread.sleep(5);
                }
                catch (final InterruptedException ex)
                {
                    return;
                }
            }
        });
        watcher.start();
        final LeasedEngine forced = start(a, 1, channelA, true);
        assertThat(forced.inElection()).isTrue();
        await("node 1 moved its diverged shards aside, copied node 2's journal and stands again", () ->
            Files.isDirectory(a.resolve("data/diverged")) && isStandby(forced) && forced.inElection());
        watching.set(false);
        watcher.join();
        // The watcher may have stopped between node 1's mark and its next look (node 1 marks itself eligible just
        // before it joins the election): one last look, as it would have taken.
        final boolean eligibleNow = secondAgain.eligibleNodes().contains(1);
        if (seen.get(seen.size() - 1) != eligibleNow)
        {
            seen.add(eligibleNow);
        }
        assertThat(seen).as("node 1's eligibility: forced, revoked at the divergence, back once caught up")
            .containsExactly(false, true, false, true);
        awaitCaughtUp("node 1 copied", forced, b);
        assertThat(ReplicaTest.documents(forced.node()).get("docs/acked0")).doesNotContain("NEVER-ACKED");
        assertThat(isPrimary(secondAgain)).isTrue();
        assertThat(fenced.get()).isZero();
    }

    @Test
    void forceEligibleLetsALoneNodeThatIsNotEligibleStartAsPrimary() throws Exception
    {
        final Path b = dir.resolve("b");
        final String channelB = udp();
        // The group's only eligible node is node 1, which is gone for good.
        try (io.quire.engine.lease.PrimaryLease gone = new io.quire.engine.lease.PrimaryLease(connect, "/quire",
            EngineNodeTest.testContext(b).conclude().leaseGroup(), 1, 4000, 10_000))
        {
            gone.markEligible();
        }
        final LeasedEngine waiting = start(b, 2, channelB);
        assertThat(waiting.inElection()).isFalse();
        holds("not eligible: no primary", 1500, () -> waiting.node() == null && !waiting.inElection());
        stop(waiting);

        final LeasedEngine forced = start(b, 2, channelB, true);
        assertThat(forced.inElection()).isTrue();
        await("node 2 primary (forced)", () -> isPrimary(forced));
        assertThat(forced.eligibleNodes()).as("node 1's eligibility revoked").containsExactly(2);
        assertThat(fenced.get()).isZero();
    }

    @Test
    void theAdminPromoteMovesTheLeaseOnlyToAStandbyThatStandsInTheElection() throws Exception
    {
        final io.quire.engine.admin.AdminServer[] admins = new io.quire.engine.admin.AdminServer[2];
        final LeasedEngine first = start(dir.resolve("a"), 1, udp(), false, engine ->
        {
            try
            {
                admins[0] = io.quire.engine.admin.AdminServer.start(0, engine);
            }
            catch (final java.io.IOException ex)
            {
                throw new java.io.UncheckedIOException(ex);
            }
            engine.adminAddress(admins[0].address());
        });
        final io.quire.engine.admin.AdminServer firstAdmin = admins[0];
        open.add(firstAdmin);
        await("node 1 primary", () -> isPrimary(first));
        final java.net.http.HttpClient http = java.net.http.HttpClient.newHttpClient();
        final java.util.function.Function<String, java.net.http.HttpResponse<String>> post = url ->
        {
            try
            {
                return http.send(java.net.http.HttpRequest.newBuilder(java.net.URI.create(url))
                    .POST(java.net.http.HttpRequest.BodyPublishers.noBody()).build(),
                    java.net.http.HttpResponse.BodyHandlers.ofString());
            }
            catch (final Exception ex)
            {
                throw new AssertionError(ex);
            }
        };
        final java.net.http.HttpResponse<String> alone = post.apply("http://" + firstAdmin.address() + "/step-down");
        assertThat(alone.statusCode()).as(alone.body()).isEqualTo(409);
        assertThat(alone.body()).contains("standby-behind");

        final LeasedEngine second = start(dir.resolve("b"), 2, udp());
        final io.quire.engine.admin.AdminServer secondAdmin = io.quire.engine.admin.AdminServer.start(0, second);
        open.add(secondAdmin);
        await("node 2 caught up and eligible", () -> isStandby(second) && second.inElection());
        final String status = http.send(java.net.http.HttpRequest.newBuilder(
            java.net.URI.create("http://" + secondAdmin.address() + "/status")).build(),
            java.net.http.HttpResponse.BodyHandlers.ofString()).body();
        assertThat(status).contains("\"lease.in-election\":true", "\"lease.eligible-nodes\":\"[1, 2]\"");
        await("the primary agrees to step down", () ->
            post.apply("http://" + secondAdmin.address() + "/promote").statusCode() == 200);
        await("node 2 promoted", () -> isPrimary(second) && second.promotions() == 1);
        assertThat(second.eligibleNodes()).containsExactly(2);
        await("the primary that stepped down left like a fenced one", () -> fenced.get() == 1);
    }

    @Test
    void anEligibleNodeRestartedOnAnEmptyDataDirectoryDoesNotStandUntilCaughtUp() throws Exception
    {
        final Path a = dir.resolve("a");
        final Path b = dir.resolve("b");
        final String channelB = udp();
        final LeasedEngine first = start(a, 1, udp());
        await("node 1 primary", () -> isPrimary(first));
        final LeasedEngine second = start(b, 2, channelB);
        await("node 2 caught up and eligible", () -> isStandby(second) && second.inElection());
        ReplicaTest.write(first.node(), 11, 2, 2, "acked");
        stop(second);
        // Its disk is replaced: the eligibility of node 2 no longer says anything about what it holds.
        try (java.util.stream.Stream<Path> files = Files.walk(b.resolve("data")))
        {
            files.sorted(java.util.Comparator.reverseOrder()).forEach(f -> f.toFile().delete());
        }
        final LeasedEngine empty = start(b, 2, channelB);
        assertThat(empty.inElection()).isFalse();
        assertThat(empty.eligibleNodes()).containsExactly(1);
        await("node 2 copied node 1's journal and stands again", () -> isStandby(empty) && empty.inElection());
        awaitCaughtUp("node 2 copied", empty, a);
        assertThat(ReplicaTest.documents(empty.node())).containsEntry("docs/acked1", "3 e1 e0 doc 1 😀");
        assertThat(fenced.get()).isZero();
    }
}
