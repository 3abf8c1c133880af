package io.quire.systemtest;

import io.quire.engine.client.ClientDoc;
import io.quire.engine.client.ClientDocs;
import io.quire.engine.client.DocRef;
import io.quire.engine.client.EngineClient;
import io.quire.journal.JournalReader;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Random;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A primary engine and a hot standby (local transport, then remote over Aeron UDP), each in its own JVM, while clients (edges in this
 * JVM, over UDP) edit: the primary is killed with SIGKILL and restarted on its data twice, and the replica follows
 * throughout. At the end the two journals are equal record for record and rebuild the same documents. The lag the
 * replica showed under load is logged (records behind, and the time to reach what the primary had journaled).
 */
@Tag("slow")
class ReplicaSystemTest
{
    private static final Logger LOG = LoggerFactory.getLogger(ReplicaSystemTest.class);
    private static final int DOCS = 3;

    @TempDir
    Path dir;

    static List<byte[]> records(final Path data, final int shard)
    {
        final List<byte[]> out = new ArrayList<>();
        try (JournalReader r = JournalReader.open(data.resolve("shard-" + shard).resolve("journal")))
        {
            while (r.poll((lsn, buffer, offset, length, index, position) ->
            {
                final byte[] b = new byte[length];
                buffer.getBytes(offset, b);
                out.add(b);
            }, 64) > 0)
            {
                continue;
            }
        }
        return out;
    }

    @Test
    void aLocalReplicaFollowsAPrimaryThatIsKilledAndRestarted() throws Exception
    {
        run(false);
    }

    @Test
    void aRemoteReplicaFollowsAPrimaryThatIsKilledAndRestarted() throws Exception
    {
        run(true);
    }

    private void run(final boolean remote) throws Exception
    {
        final Random random = new Random(System.nanoTime());
        final String ingress = "aeron:udp?endpoint=127.0.0.1:" + EngineCrashSystemTest.freeUdpPort();
        final String replication = "aeron:udp?endpoint=127.0.0.1:" + EngineCrashSystemTest.freeUdpPort();
        final Path data = dir.resolve("primary");
        final Path replicaData = dir.resolve("replica");
        final List<String> common = List.of("--node-id", "7", "--shards", "2",
            "--set", "term-length=64k", "--set", "heartbeat.interval=50ms", "--set", "snapshot.interval-ops=100",
            "--set", "ring.size=1024", "--set", "journal.block-size=1m", "--set", "journal.batch.max-bytes=256k",
            "--set", "replica.lag-sample=200ms");
        final List<String> primaryArgs = new ArrayList<>(List.of("--data", data.toString(), "--ingress", ingress,
            "--aeron-dir", dir.resolve("primary-aeron").toString(), "--set", "replication.channel=" + replication));
        primaryArgs.addAll(common);
        final List<String> replicaArgs = new ArrayList<>(List.of("--data", replicaData.toString(),
            "--replica-of", remote ? replication : data.toString(),
            "--aeron-dir", dir.resolve("replica-aeron").toString()));
        replicaArgs.addAll(common);

        EngineProcess primary = EngineProcess.start(dir.resolve("primary.log"), 60, TimeUnit.SECONDS, primaryArgs);
        final EngineProcess replica =
            EngineProcess.start(dir.resolve("replica.log"), 60, TimeUnit.SECONDS, replicaArgs);
        final List<Long> behind = new ArrayList<>();
        final List<Long> catchUpMs = new ArrayList<>();
        try (TestAeron aeron = new TestAeron(dir.resolve("client-aeron"));
            JournalReader p0 = JournalReader.open(data.resolve("shard-0/journal"));
            JournalReader p1 = JournalReader.open(data.resolve("shard-1/journal"));
            JournalReader r0 = JournalReader.open(replicaData.resolve("shard-0/journal"));
            JournalReader r1 = JournalReader.open(replicaData.resolve("shard-1/journal")))
        {
            final ClientDocs router = new ClientDocs();
            final EngineClient client = EngineClient.connect(aeron.aeron(),
                ingress + "|term-length=" + TestAeron.TERM_LENGTH, 1001, 100, "aeron:udp?endpoint=127.0.0.1:0",
                3000, router);
            router.client(client);
            final List<List<ClientDoc>> docs = new ArrayList<>();
            for (int d = 0; d < DOCS; d++)
            {
                final List<ClientDoc> sessions = new ArrayList<>();
                for (int k = 0; k < 2; k++)
                {
                    sessions.add(router.add(d * 10L + k + 1, "d" + d + "-s" + k, new DocRef("standby", "doc-" + d),
                        true));
                }
                docs.add(sessions);
            }
            final EngineCrashSystemTest.Driver driver = new EngineCrashSystemTest.Driver(List.of(client),
                List.of(router), docs, new RandomEdits(random, 400), random);
            driver.await("the primary", 30, client::isEngineUp);
            docs.forEach(l -> l.get(0).subscribe());
            driver.await("snapshots", 30, () -> docs.stream().allMatch(l -> l.get(0).hasSnapshot()));
            for (int d = 0; d < DOCS; d++)
            {
                docs.get(d).get(0).create("document " + d + "\n");
            }
            driver.await("creates", 30, () -> docs.stream().noneMatch(l -> l.get(0).busy()));
            docs.forEach(l -> l.forEach(ClientDoc::subscribe));
            driver.await("every snapshot", 30, () -> docs.stream().flatMap(List::stream).allMatch(ClientDoc::hasSnapshot));

            for (int round = 0; round < 3; round++)
            {
                for (int slice = 0; slice < 10; slice++)
                {
                    driver.edit(200);
                    final long target0 = p0.lastLsn();
                    final long target1 = p1.lastLsn();
                    final long t0 = System.nanoTime();
                    behind.add(Math.max(0, target0 - r0.lastLsn()) + Math.max(0, target1 - r1.lastLsn()));
                    driver.await("the replica to reach the primary's journal end", 30, () ->
                        r0.lastLsn() >= target0 && r1.lastLsn() >= target1);
                    catchUpMs.add((System.nanoTime() - t0) / 1_000_000);
                }
                if (round < 2)
                {
                    primary.kill9();
                    LOG.info("primary killed with -9 (round {})", round);
                    primary = EngineProcess.start(dir.resolve("primary.log"), 60, TimeUnit.SECONDS, primaryArgs);
                    driver.await("the primary back", 30, client::isEngineUp);
                }
            }
            driver.await("the clients to settle", 90, () -> client.isEngineUp() &&
                docs.stream().flatMap(List::stream).noneMatch(ClientDoc::busy));
            final long end0 = p0.lastLsn();
            final long end1 = p1.lastLsn();
            driver.await("the replica to catch up", 30, () -> r0.lastLsn() == end0 && r1.lastLsn() == end1);
        }
        finally
        {
            assertThat(primary.stop()).isIn(0, 143);
            assertThat(replica.stop()).isIn(0, 143);
        }

        for (int shard = 0; shard < 2; shard++)
        {
            final List<byte[]> theirs = records(data, shard);
            final List<byte[]> ours = records(replicaData, shard);
            assertThat(ours).as("shard %d: as many records", shard).hasSameSizeAs(theirs);
            for (int i = 0; i < theirs.size(); i++)
            {
                assertThat(ours.get(i)).as("shard %d lsn %d", shard, i + 1).isEqualTo(theirs.get(i));
            }
        }
        final JournalAudit primaryAudit = JournalAudit.of(data);
        final JournalAudit replicaAudit = JournalAudit.of(replicaData);
        assertThat(replicaAudit.failures).isEmpty();
        assertThat(primaryAudit.failures).isEmpty();
        assertThat(replicaAudit.docs.keySet()).isEqualTo(primaryAudit.docs.keySet());
        for (final String key : primaryAudit.docs.keySet())
        {
            assertThat(replicaAudit.docs.get(key).text.toString()).isEqualTo(primaryAudit.docs.get(key).text.toString());
        }
        assertThat(replica.log()).as("the replica logged no ERROR").doesNotContain(" ERROR ");
        Collections.sort(behind);
        Collections.sort(catchUpMs);
        final String figures = String.format((remote ? "remote" : "local") + " replica lag under load: records behind p50 %d max %d; time to reach " +
            "the primary's journal end p50 %d ms max %d ms (%d samples, %d records)", behind.get(behind.size() / 2),
            behind.get(behind.size() - 1), catchUpMs.get(catchUpMs.size() / 2), catchUpMs.get(catchUpMs.size() - 1),
            catchUpMs.size(), primaryAudit.records);
        LOG.info(figures);
        System.out.println(figures);
    }
}
