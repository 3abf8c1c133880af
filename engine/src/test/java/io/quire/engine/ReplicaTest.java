package io.quire.engine;

import io.aeron.Aeron;
import io.quire.engine.client.DocRef;
import io.quire.engine.client.EngineClient;
import io.quire.engine.ot.TextOp;
import io.quire.engine.replica.ReplicaDivergedException;
import io.quire.engine.shard.Document;
import io.quire.journal.JournalReader;
import org.junit.jupiter.api.AfterEach;
import io.quire.engine.ring.ThreadingMode;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

/**
 * A hot standby with the local transport, as real nodes in this JVM (each with its embedded driver, Chronicle
 * journals in temp dirs): it catches up with what the primary journaled before it started, follows it live, keeps
 * every document at the primary's version and text, writes a journal equal to the primary's record for record, and
 * refuses a primary whose journal its own is not a prefix of.
 */
class ReplicaTest
{
    @TempDir
    Path dir;

    private final List<AutoCloseable> open = new ArrayList<>();

    @AfterEach
    void close() throws Exception
    {
        for (int i = open.size() - 1; i >= 0; i--)
        {
            open.get(i).close();
        }
    }

    private EngineNode launch(final EngineContext ctx)
    {
        final EngineNode node = EngineNode.launch(ctx);
        open.add(node);
        return node;
    }

    private EngineNode primary(final Path home)
    {
        return launch(EngineNodeTest.testContext(home));
    }

    private EngineNode primary(final Path home, final String replicationChannel)
    {
        return primary(home, replicationChannel, ThreadingMode.SINGLE);
    }

    private EngineNode primary(final Path home, final String replicationChannel, final ThreadingMode threading)
    {
        return launch(EngineNodeTest.testContext(home).replicationChannel(replicationChannel).threading(threading));
    }

    private EngineNode remoteReplica(final Path home, final String primaryChannel)
    {
        return remoteReplica(home, primaryChannel, ThreadingMode.SINGLE);
    }

    private EngineNode remoteReplica(final Path home, final String primaryChannel, final ThreadingMode threading)
    {
        return launch(EngineNodeTest.testContext(home).replicaOf(primaryChannel).threading(threading));
    }

    static int freeUdpPort() throws java.io.IOException
    {
        try (java.net.DatagramSocket socket = new java.net.DatagramSocket(
            new java.net.InetSocketAddress(java.net.InetAddress.getLoopbackAddress(), 0)))
        {
            return socket.getLocalPort();
        }
    }

    private EngineNode replica(final Path home, final Path primaryHome)
    {
        return launch(EngineNodeTest.testContext(home).replicaOf(primaryHome.resolve("data")));
    }

    /** Creates documents and edits them through a real client; waits for every ack. */
    static void write(final EngineNode node, final int edgeId, final int docs, final int edits, final String tag)
    {
        final Aeron aeron = Aeron.connect(new Aeron.Context().aeronDirectoryName(node.aeronDirectoryName()));
        final EngineEpochTest.Seen seen = new EngineEpochTest.Seen();
        try (EngineClient client = EngineClient.connect(aeron, node.ingressChannel(), node.ingressStream(), edgeId,
            "aeron:ipc", 2000 + edgeId, seen))
        {
            EngineNodeTest.await("heartbeat", () -> seen.heartbeatEpoch > 0, client);
            final byte[] src = ("src-" + tag).getBytes(StandardCharsets.UTF_8);
            final List<Long> sent = new ArrayList<>();
            long seq = 1;
            for (int d = 0; d < docs; d++)
            {
                sent.add(client.submitCreate(1, new DocRef("docs", tag + d), -1, src, seq++, "doc " + d + " 😀"));
            }
            EngineNodeTest.await("creates", () -> seen.acks.containsAll(sent), client);
            for (int e = 0; e < edits; e++)
            {
                for (int d = 0; d < docs; d++)
                {
                    final long at = 1 + e;
                    sent.add(client.submitEdit(1, new DocRef("docs", tag + d), at, src, seq++,
                        new TextOp().insert("e" + e + " ")));
                }
                EngineNodeTest.await("edits", () -> seen.acks.containsAll(sent), client);
            }
        }
        finally
        {
            aeron.close();
        }
    }

    static long lastLsn(final Path home, final int shard)
    {
        try (JournalReader r = JournalReader.open(home.resolve("data/shard-" + shard + "/journal")))
        {
            return r.lastLsn();
        }
    }

    static List<byte[]> journal(final Path home, final int shard)
    {
        return journal(home.resolve("data/shard-" + shard + "/journal"));
    }

    static List<byte[]> journal(final Path journalDir)
    {
        final List<byte[]> records = new ArrayList<>();
        try (JournalReader r = JournalReader.open(journalDir))
        {
            while (r.poll((lsn, buffer, offset, length, index, position) ->
            {
                assertThat(lsn).isEqualTo(records.size() + 1);
                final byte[] bytes = new byte[length];
                buffer.getBytes(offset, bytes);
                records.add(bytes);
            }, 64) > 0)
            {
                continue;
            }
        }
        return records;
    }

    private static void awaitCaughtUp(final EngineNode replica, final Path primaryHome)
    {
        final long deadline = System.nanoTime() + 20_000_000_000L;
        for (int shard = 0; shard < 2; shard++)
        {
            final long target = lastLsn(primaryHome, shard);
            while (replica.replicaProgress(shard)[0] < target)
            {
                assertThat(replica.replicationFailure()).isNull();
                assertThat(System.nanoTime() - deadline).as("replica caught up with shard %d", shard).isNegative();
                Thread.onSpinWait();
                try
                {
                    Thread.sleep(5);
                }
                catch (final InterruptedException ex)
                {
                    throw new AssertionError(ex);
                }
            }
        }
    }

    static Map<String, String> documents(final EngineNode node)
    {
        final Map<String, String> out = new HashMap<>();
        for (int shard = 0; shard < 2; shard++)
        {
            node.shard(shard).documents().forEach((Document doc) ->
                out.put(doc.collection() + "/" + doc.docId(), doc.version() + " " + doc.text().toString()));
        }
        return out;
    }

    @Test
    void followsThePrimaryAndKeepsEqualJournalsAndDocuments()
    {
        final Path p = dir.resolve("p");
        final Path r = dir.resolve("r");
        final EngineNode primary = primary(p);
        write(primary, 11, 6, 3, "before");

        final EngineNode replica = replica(r, p);
        assertThat(replica.isReplica()).isTrue();
        assertThat(replica.ingressChannel()).as("a replica accepts no commands").isNull();
        awaitCaughtUp(replica, p);
        write(primary, 12, 6, 20, "live");
        awaitCaughtUp(replica, p);
        assertThat(replica.replicaProgress(0)[1]).as("no records behind after a sample").isGreaterThanOrEqualTo(0);

        replica.close();
        primary.close();
        assertThat(replica.shard(0).lastEpoch()).as("the epoch came with the records").isEqualTo(primary.epoch());
        assertReplicaEqualsPrimary(primary, replica, p, r, 12);
    }

    @Test
    void followsOverAeronAcrossAReplicaRestart() throws Exception
    {
        final Path p = dir.resolve("p");
        final Path r = dir.resolve("r");
        final String channel = "aeron:udp?endpoint=127.0.0.1:" + freeUdpPort();
        final EngineNode primary = primary(p, channel);
        write(primary, 11, 6, 3, "before");
        EngineNode replica = remoteReplica(r, channel);
        awaitCaughtUp(replica, p);
        write(primary, 12, 6, 10, "live");
        awaitCaughtUp(replica, p);
        replica.close();

        write(primary, 13, 6, 5, "meanwhile");
        replica = remoteReplica(r, channel);
        awaitCaughtUp(replica, p);
        replica.close();
        primary.close();
        assertThat(replica.replicationFailure()).isNull();
        assertReplicaEqualsPrimary(primary, replica, p, r, 18);
    }

    @Test
    void aRemoteReplicaReportsItsLagUnknownAndIsNotCaughtUpUntilItHasHeardThePrimary() throws Exception
    {
        final Path p = dir.resolve("p");
        final Path r = dir.resolve("r");
        final String channel = "aeron:udp?endpoint=127.0.0.1:" + freeUdpPort();
        // First with a journal of its own and no primary answering: it knows nothing of the primary's end.
        EngineNode primary = primary(p, channel);
        write(primary, 11, 2, 2, "before");
        EngineNode replica = remoteReplica(r, channel);
        awaitCaughtUp(replica, p);
        replica.close();
        primary.close();
        replica = remoteReplica(r, channel);
        Thread.sleep(300);
        assertThat(replica.replicaProgress(0)[1]).as("records behind: unknown, not 0").isEqualTo(-1);
        assertThat(replica.replicaProgress(0)[3]).as("ms behind: unknown").isEqualTo(-1);
        assertThat(replica.replicaCaughtUp()).isFalse();

        // The primary is back (it journals a new epoch): the replica hears its end and reaches it.
        primary = primary(p, channel);
        final EngineNode following = replica;
        final long deadline = System.nanoTime() + 20_000_000_000L;
        while (!following.replicaCaughtUp())
        {
            assertThat(System.nanoTime() - deadline).as("caught up").isNegative();
            Thread.sleep(10);
        }
        for (int shard = 0; shard < 2; shard++)
        {
            assertThat(following.replicaProgress(shard)[0]).isEqualTo(lastLsn(p, shard));
        }
        while (following.replicaProgress(0)[1] < 0 || following.replicaProgress(1)[1] < 0)
        {
            assertThat(System.nanoTime() - deadline).as("lag sampled").isNegative();
            Thread.sleep(10);
        }
        assertThat(following.replicaProgress(0)[1]).isZero();
        assertThat(primary.isReplica()).isFalse();
    }

    /** Same documents at the same versions and texts, and journals equal record for record in both shards. */
    private static void assertReplicaEqualsPrimary(
        final EngineNode primary, final EngineNode replica, final Path p, final Path r, final int documents)
    {
        final Map<String, String> docs = documents(primary);
        assertThat(docs).hasSize(documents);
        assertThat(documents(replica)).as("same versions and texts").isEqualTo(docs);
        for (int shard = 0; shard < 2; shard++)
        {
            final List<byte[]> theirs = journal(p, shard);
            final List<byte[]> ours = journal(r, shard);
            assertThat(ours).as("shard %d record for record", shard).hasSameSizeAs(theirs);
            for (int i = 0; i < theirs.size(); i++)
            {
                assertThat(ours.get(i)).as("shard %d lsn %d", shard, i + 1).isEqualTo(theirs.get(i));
            }
        }
    }

    @ParameterizedTest
    @EnumSource(ThreadingMode.class)
    void underTheReplicatedPolicyAnAckWaitsUntilAReplicaJournaledTheRecord(final ThreadingMode threading)
        throws Exception
    {
        final Path p = dir.resolve("p");
        final Path r = dir.resolve("r");
        final String channel = "aeron:udp?endpoint=127.0.0.1:" + freeUdpPort();
        final EngineNode primary = EngineNode.launch(
            EngineNodeTest.testContext(p).replicationChannel(channel).ackReplicated(true).threading(threading));
        open.add(primary);
        final Aeron aeron = Aeron.connect(new Aeron.Context().aeronDirectoryName(primary.aeronDirectoryName()));
        open.add(aeron);
        final EngineEpochTest.Seen seen = new EngineEpochTest.Seen();
        final EngineClient client = EngineClient.connect(aeron, primary.ingressChannel(), primary.ingressStream(), 11,
            "aeron:ipc", 2011, seen);
        open.add(client);
        EngineNodeTest.await("heartbeat", () -> seen.heartbeatEpoch > 0, client);
        final DocRef doc = new DocRef("docs", "rpo0");
        final int shard = shardOf(primary, doc);
        final long before = lastLsn(p, shard);
        final long create = client.submitCreate(1, doc, -1, "S".getBytes(StandardCharsets.UTF_8), 1, "must survive");
        EngineNodeTest.await("the create journaled on the primary", () -> lastLsn(p, shard) > before, client);
        client.poll(64);
        assertThat(seen.acks).as("journaled by the primary alone: not acknowledged").doesNotContain(create);
        // The held ack holds nothing else up: the thread that polls the ingress (in single mode the one that also
        // runs the shards) keeps sending heartbeats while the shard waits for a replica.
        final int heartbeats = seen.heartbeats;
        EngineNodeTest.await("heartbeats while the ack is held", () -> seen.heartbeats >= heartbeats + 3, client);
        assertThat(seen.acks).as("still not acknowledged").doesNotContain(create);

        final EngineNode replica = remoteReplica(r, channel);
        EngineNodeTest.await("the ack", () -> seen.acks.contains(create), client);
        assertThat(lastLsn(r, shard)).as("the replica journaled it before the ack left")
            .isGreaterThanOrEqualTo(before + 1);
        assertThat(replica.replicationFailure()).isNull();
    }

    @ParameterizedTest
    @EnumSource(ThreadingMode.class)
    void underTheReplicatedPolicyANodeClosesPromptlyWithAcksStillHeld(final ThreadingMode threading)
        throws Exception
    {
        final Path p = dir.resolve("p");
        final String channel = "aeron:udp?endpoint=127.0.0.1:" + freeUdpPort();
        final EngineNode primary = EngineNode.launch(
            EngineNodeTest.testContext(p).replicationChannel(channel).ackReplicated(true).threading(threading));
        final Aeron aeron = Aeron.connect(new Aeron.Context().aeronDirectoryName(primary.aeronDirectoryName()));
        final EngineEpochTest.Seen seen = new EngineEpochTest.Seen();
        final EngineClient client = EngineClient.connect(aeron, primary.ingressChannel(), primary.ingressStream(), 11,
            "aeron:ipc", 2011, seen);
        try
        {
            EngineNodeTest.await("heartbeat", () -> seen.heartbeatEpoch > 0, client);
            final DocRef doc = new DocRef("docs", "held");
            final int shard = shardOf(primary, doc);
            final long before = lastLsn(p, shard);
            final long create = client.submitCreate(1, doc, -1, "S".getBytes(StandardCharsets.UTF_8), 1, "held");
            EngineNodeTest.await("the create journaled on the primary", () -> lastLsn(p, shard) > before, client);
            client.close();
            assertTimeoutPreemptively(java.time.Duration.ofSeconds(20), primary::close,
                "no replica ever follows: close suppresses the held ack instead of waiting for it");
            assertThat(seen.acks).doesNotContain(create);
            assertThat(primary.shard(shard).healthy()).isTrue();
        }
        finally
        {
            client.close();
            primary.close();
            aeron.close();
        }
        // The held (unacknowledged) create is journaled all the same; a restart recovers it.
        final EngineNode again = primary(p, channel, threading);
        assertThat(again.epoch()).isEqualTo(2);
    }

    @ParameterizedTest
    @EnumSource(ThreadingMode.class)
    void aPromotedReplicaServesWarmDocumentsInANewEpochAndRecognisesResubmissions(final ThreadingMode threading)
        throws Exception
    {
        final Path p = dir.resolve("p");
        final Path r = dir.resolve("r");
        final String channel = "aeron:udp?endpoint=127.0.0.1:" + freeUdpPort();
        final EngineNode primary = primary(p, channel);
        // Every op snapshots its document once promoted: background snapshots after the promotion's EpochRecord.
        final EngineNode replica = EngineNode.launch(
            EngineNodeTest.testContext(r).replicaOf(channel).threading(threading).snapshotIntervalOps(1));
        open.add(replica);
        final DocRef doc = new DocRef("docs", "promoted");
        final byte[] src = "S".getBytes(StandardCharsets.UTF_8);
        final long[] acked = new long[3];
        {
            final Aeron aeron = Aeron.connect(new Aeron.Context().aeronDirectoryName(primary.aeronDirectoryName()));
            final EngineEpochTest.Seen seen = new EngineEpochTest.Seen();
            try (EngineClient client = EngineClient.connect(aeron, primary.ingressChannel(), primary.ingressStream(),
                11, "aeron:ipc", 2011, seen))
            {
                EngineNodeTest.await("heartbeat", () -> seen.heartbeatEpoch == 1, client);
                acked[0] = client.submitCreate(1, doc, -1, src, 1, "abc");
                EngineNodeTest.await("create", () -> seen.acks.contains(acked[0]), client);
                acked[1] = client.submitEdit(1, doc, 1, src, 2, new TextOp().skip(3).insert("d"));
                EngineNodeTest.await("edit", () -> seen.acks.contains(acked[1]), client);
            }
            finally
            {
                aeron.close();
            }
        }
        awaitCaughtUp(replica, p);
        primary.close();

        assertThat(replica.promote(0)).as("one above the epoch it replicated").isEqualTo(2);
        assertThat(replica.isReplica()).isFalse();
        final Aeron aeron = Aeron.connect(new Aeron.Context().aeronDirectoryName(replica.aeronDirectoryName()));
        open.add(aeron);
        final EngineEpochTest.Seen seen = new EngineEpochTest.Seen();
        final java.util.List<String> snapshots = new java.util.concurrent.CopyOnWriteArrayList<>();
        final java.util.List<String> ackedAt = new java.util.concurrent.CopyOnWriteArrayList<>();
        final EngineClient client = EngineClient.connect(aeron, replica.ingressChannel(), replica.ingressStream(), 12,
            "aeron:ipc", 2012, new EngineClient.Listener()
            {
                @Override
                public void onAck(final long sessionId, final long requestId, final long docHash, final long version,
                    final long seq)
                {
                    seen.onAck(sessionId, requestId, docHash, version, seq);
                    ackedAt.add("seq " + seq + " v" + version);
                }

                @Override
                public void onEngineHeartbeat(final int nodeId, final long epoch, final int shardCount,
                    final int shardBegin, final int shardEnd)
                {
                    seen.onEngineHeartbeat(nodeId, epoch, shardCount, shardBegin, shardEnd);
                }

                @Override
                public void onSnapshot(final long sessionId, final long requestId, final long docHash,
                    final long version, final String docType, final String text,
                    final io.quire.codec.protocol.RequestKind kind)
                {
                    snapshots.add("v" + version + " " + text);
                }
            });
        open.add(client);
        EngineNodeTest.await("heartbeat in the new epoch", () -> seen.heartbeatEpoch == 2, client);
        EngineNodeTest.await("fetch", () -> client.subscribe(7, doc, -1, false) > 0, client);
        EngineNodeTest.await("snapshot", () -> !snapshots.isEmpty(), client);
        assertThat(snapshots.get(0)).as("warm: the version and text the old primary acknowledged").isEqualTo("v2 abcd");

        // The client never saw the old primary's ack for seq 2 and resubmits it: recognised, not applied twice.
        final long resent = client.submitEdit(1, doc, 1, src, 2, new TextOp().skip(3).insert("d"));
        EngineNodeTest.await("the resubmission's ack", () -> seen.acks.contains(resent), client);
        assertThat(ackedAt).contains("seq 2 v1");
        acked[2] = client.submitEdit(1, doc, 2, src, 3, new TextOp().skip(4).insert("e"));
        EngineNodeTest.await("a new edit", () -> seen.acks.contains(acked[2]), client);
        assertThat(ackedAt).contains("seq 3 v2");
        snapshots.clear();
        EngineNodeTest.await("fetch", () -> client.subscribe(8, doc, -1, false) > 0, client);
        EngineNodeTest.await("snapshot", () -> !snapshots.isEmpty(), client);
        assertThat(snapshots.get(0)).isEqualTo("v3 abcde");
        final int shard = shardOf(replica, doc);
        assertThat(replica.shard(shard).lastEpoch()).isEqualTo(2);
        client.close();
        aeron.close();
        replica.close();

        // Restarted as a primary: recovery takes the snapshots written in epoch 2 and the journal with both
        // EpochRecords, and the node goes on in epoch 3 with the promoted node's last version.
        final EngineNode again = EngineNode.launch(EngineNodeTest.testContext(r).threading(threading));
        open.add(again);
        assertThat(again.epoch()).isEqualTo(3);
        assertThat(again.shard(shard).recovery().snapshots()).as("snapshots found at recovery").isPositive();
        assertThat(fetch(again, doc)).isEqualTo("v3 abcde");
    }

    /** Subscribe to a document through a real client: "vVERSION TEXT". */
    private String fetch(final EngineNode node, final DocRef doc)
    {
        final Aeron aeron = Aeron.connect(new Aeron.Context().aeronDirectoryName(node.aeronDirectoryName()));
        final java.util.List<String> snapshots = new java.util.concurrent.CopyOnWriteArrayList<>();
        final long[] epoch = {-1};
        try (EngineClient client = EngineClient.connect(aeron, node.ingressChannel(), node.ingressStream(), 14,
            "aeron:ipc", 2014, new EngineClient.Listener()
            {
                @Override
                public void onEngineHeartbeat(final int nodeId, final long e, final int shardCount,
                    final int shardBegin, final int shardEnd)
                {
                    epoch[0] = e;
                }

                @Override
                public void onSnapshot(final long sessionId, final long requestId, final long docHash,
                    final long version, final String docType, final String text,
                    final io.quire.codec.protocol.RequestKind kind)
                {
                    snapshots.add("v" + version + " " + text);
                }
            }))
        {
            EngineNodeTest.await("heartbeat", () -> epoch[0] > 0, client);
            EngineNodeTest.await("fetch", () -> client.subscribe(9, doc, -1, false) > 0, client);
            EngineNodeTest.await("snapshot", () -> !snapshots.isEmpty(), client);
            return snapshots.get(0);
        }
        finally
        {
            aeron.close();
        }
    }

    static int shardOf(final EngineNode node, final DocRef doc)
    {
        return io.quire.codec.ShardRouter.shardFor(io.quire.codec.ShardRouter.docHash(doc.collection(), doc.docId()), 2);
    }

    @Test
    void aRestartedReplicaResumesAndADivergedOneIsRefused()
    {
        final Path p = dir.resolve("p");
        final Path other = dir.resolve("other");
        final Path r = dir.resolve("r");
        final EngineNode primary = primary(p);
        write(primary, 11, 4, 2, "a");
        EngineNode replica = replica(r, p);
        awaitCaughtUp(replica, p);
        replica.close();

        write(primary, 12, 4, 2, "b");
        replica = replica(r, p);
        awaitCaughtUp(replica, p);
        replica.close();
        primary.close();
        assertThat(journal(r, 0)).hasSameSizeAs(journal(p, 0));
        assertThat(documents(replica)).isEqualTo(documents(primary));

        final EngineNode stranger = primary(other);
        write(stranger, 13, 4, 2, "c");
        stranger.close();
        assertThatThrownBy(() -> replica(r, other)).isInstanceOf(ReplicaDivergedException.class);
    }
}
