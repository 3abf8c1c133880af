package io.quire.systemtest;

import io.quire.engine.client.ClientDoc;
import io.quire.engine.client.ClientDocs;
import io.quire.engine.client.DocRef;
import io.quire.engine.client.EngineClient;
import io.quire.engine.ot.TextChecksum;
import io.quire.codec.protocol.RejectReason;
import io.quire.codec.protocol.RequestKind;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import java.util.function.BooleanSupplier;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * An engine in its own JVM, killed with SIGKILL at random moments while clients (edges in this JVM, over UDP on
 * 127.0.0.1) stream ops into several documents from several sources, and restarted on the same data each time.
 * The clients behave as ShareDB's: they keep their unacknowledged op and resend it with the same src and seq once
 * the engine is back. Afterwards the journal, read offline, must hold every acknowledged op exactly once, at the
 * version it was acknowledged with, in an unbroken chain whose checksums verify, and every client's text must equal
 * the text the journal rebuilds.
 */
@Tag("slow")
class EngineCrashSystemTest
{
    private static final Logger LOG = LoggerFactory.getLogger(EngineCrashSystemTest.class);
    private static final int KILLS = 5;
    private static final int EDGES = 2;
    private static final int DOCS = 3;
    private static final int SESSIONS_PER_DOC_AND_EDGE = 2;

    @TempDir
    Path dir;

    /** Acks as the clients saw them: document, then "src#seq", then version. */
    private final Map<String, Map<String, Long>> acks = new HashMap<>();
    private final List<String> ackProblems = new ArrayList<>();

    static int freeUdpPort() throws java.io.IOException
    {
        try (DatagramSocket socket = new DatagramSocket(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0)))
        {
            return socket.getLocalPort();
        }
    }

    /**
     * @param maxDocs {@code memory.max-docs}, or 0 for the default. With one document in memory per shard, every op
     *                unloads another document and every restart's recovery unloads documents it started from their
     *                snapshots before the journal pass reached them.
     */
    @ParameterizedTest(name = "memory.max-docs={0}")
    @ValueSource(ints = {0, 1})
    void acknowledgedOpsSurviveKillNineAndResubmittedOpsApplyOnce(final int maxDocs) throws Exception
    {
        final long seed = System.nanoTime();
        LOG.info("seed {}", seed);
        final Random random = new Random(seed);
        final int port = freeUdpPort();
        final String ingress = "aeron:udp?endpoint=127.0.0.1:" + port;
        final Path data = dir.resolve("data");
        final Path log = dir.resolve("engine.log");
        final List<String> args = new ArrayList<>(List.of(
            "--data", data.toString(), "--node-id", "7", "--shards", "2", "--ingress", ingress,
            "--aeron-dir", dir.resolve("engine-aeron").toString(),
            "--set", "term-length=64k", "--set", "heartbeat.interval=50ms", "--set", "snapshot.interval-ops=100",
            "--set", "ring.size=1024", "--set", "journal.block-size=1m", "--set", "journal.batch.max-bytes=256k"));
        if (maxDocs > 0)
        {
            args.addAll(List.of("--set", "memory.max-docs=" + maxDocs));
        }

        EngineProcess engine = EngineProcess.start(log, 60, TimeUnit.SECONDS, args);
        try (TestAeron aeron = new TestAeron(dir.resolve("client-aeron")))
        {
            final List<EngineClient> clients = new ArrayList<>();
            final List<ClientDocs> routers = new ArrayList<>();
            final List<List<ClientDoc>> docsById = new ArrayList<>();
            final DocRef[] refs = new DocRef[DOCS];
            for (int d = 0; d < DOCS; d++)
            {
                refs[d] = new DocRef("crash", "doc-" + d);
                docsById.add(new ArrayList<>());
            }
            final ClientDoc.Observer observer = new ClientDoc.Observer()
            {
                @Override
                public void onAcked(final ClientDoc doc, final long seq, final long version)
                {
                    final Long before = acks.computeIfAbsent(doc.doc().toString(), k -> new HashMap<>())
                        .put(doc.source() + "#" + seq, version);
                    if (before != null)
                    {
                        ackProblems.add(doc + ": seq " + seq + " acknowledged twice (" + before + ", " + version + ")");
                    }
                }

                @Override
                public void onRejected(final ClientDoc doc, final long seq, final RejectReason reason)
                {
                    ackProblems.add(doc + ": seq " + seq + " rejected: " + reason);
                }
            };
            for (int e = 0; e < EDGES; e++)
            {
                final ClientDocs router = new ClientDocs();
                final EngineClient client = EngineClient.connect(aeron.aeron(),
                    ingress + "|term-length=" + TestAeron.TERM_LENGTH, 1001, 100 + e, "aeron:udp?endpoint=127.0.0.1:0",
                    3000 + e, router);
                router.client(client);
                clients.add(client);
                routers.add(router);
                for (int d = 0; d < DOCS; d++)
                {
                    for (int k = 0; k < SESSIONS_PER_DOC_AND_EDGE; k++)
                    {
                        final ClientDoc doc = router.add(d * 10L + k + 1, "e" + e + "-d" + d + "-s" + k, refs[d], true);
                        doc.observer(observer);
                        docsById.get(d).add(doc);
                    }
                }
            }
            final Driver driver = new Driver(clients, routers, docsById, new RandomEdits(random, 400), random);
            driver.await("the engine to know both clients", 30, () -> clients.stream().allMatch(EngineClient::isEngineUp));

            // The first session of each document on edge 0 creates it; everyone then subscribes.
            for (int d = 0; d < DOCS; d++)
            {
                docsById.get(d).get(0).subscribe();
            }
            driver.await("the creators' snapshots", 30, () -> docsById.stream().allMatch(l -> l.get(0).hasSnapshot()));
            for (int d = 0; d < DOCS; d++)
            {
                docsById.get(d).get(0).create("document " + d + "\n");
            }
            driver.await("the creates", 30, () -> docsById.stream().noneMatch(l -> l.get(0).busy()));
            for (final List<ClientDoc> l : docsById)
            {
                l.forEach(ClientDoc::subscribe);
            }
            driver.await("every snapshot", 30, () -> docsById.stream().flatMap(List::stream).allMatch(ClientDoc::hasSnapshot));

            for (int kill = 1; kill <= KILLS; kill++)
            {
                driver.edit(800 + random.nextInt(1500));
                engine.kill9();
                LOG.info("kill {}: engine killed with -9 after {} acks", kill, ackCount());
                driver.edit(100 + random.nextInt(600));
                engine = EngineProcess.start(log, 60, TimeUnit.SECONDS, args);
                LOG.info("kill {}: engine restarted", kill);
            }
            driver.edit(1500);

            // Quiesce: nothing in flight, every session of a document at the same version and text.
            driver.await("the clients to settle", 90, () ->
                clients.stream().allMatch(EngineClient::isEngineUp) &&
                docsById.stream().allMatch(EngineCrashSystemTest::settled));
            final int stopped = engine.stop();
            assertThat(stopped).as("engine exit code after SIGTERM").isIn(0, 143);

            assertThat(ackProblems).isEmpty();
            final JournalAudit audit = JournalAudit.of(data);
            assertThat(audit.failures).as("journal audit").isEmpty();
            long resent = 0;
            for (int d = 0; d < DOCS; d++)
            {
                final String key = refs[d].toString();
                final JournalAudit.Doc journaled = audit.docs.get(key);
                assertThat(journaled).as(key + " in the journal").isNotNull();
                final Map<String, Long> acked = acks.get(key);
                // Every acknowledged op is in the journal at the version it was acknowledged with...
                for (final Map.Entry<String, Long> ack : acked.entrySet())
                {
                    final JournalAudit.Committed record = journaled.records.get(Math.toIntExact(ack.getValue()));
                    assertThat(record.source() + "#" + record.seq()).as(key + " v" + ack.getValue())
                        .isEqualTo(ack.getKey());
                }
                // ...and, with everything settled, every journaled op was acknowledged: nothing applied twice or
                // behind a client's back.
                assertThat(journaled.records).hasSize(acked.size());
                for (final ClientDoc doc : docsById.get(d))
                {
                    assertThat(doc.version()).as(doc.toString()).isEqualTo(journaled.version());
                    assertThat(doc.text().toString()).as(doc.toString()).isEqualTo(journaled.text.toString());
                    assertThat(doc.text().checksum()).isEqualTo(TextChecksum.of(journaled.text.toString()));
                    resent += doc.resent();
                }
                assertThat(journaled.text.checksum())
                    .isEqualTo(journaled.records.get(journaled.records.size() - 1).checksum());
                LOG.info("{}: {} ops, {} code points, checksum {}", key, journaled.records.size(),
                    journaled.text.length(), Long.toHexString(journaled.text.checksum()));
            }
            LOG.info("{} acks, {} in-flight ops resent after restarts, {} journal records", ackCount(), resent,
                audit.records);

            // A last restart on the same data serves the same documents (recovered from snapshots and journal).
            engine = EngineProcess.start(log, 60, TimeUnit.SECONDS, args);
            final Map<Long, String> texts = new HashMap<>();
            final Map<Long, Long> versions = new HashMap<>();
            try (EngineClient reader = EngineClient.connect(aeron.aeron(), ingress + "|term-length=" +
                TestAeron.TERM_LENGTH, 1001, 199, "aeron:udp?endpoint=127.0.0.1:0", 3999, new EngineClient.Listener()
                {
                    @Override
                    public void onSnapshot(final long sessionId, final long requestId, final long docHash,
                        final long version, final String docType, final String text, final RequestKind kind)
                    {
                        texts.put(sessionId, text);
                        versions.put(sessionId, version);
                    }
                }))
            {
                final Driver readDriver = new Driver(List.of(reader), List.of(), List.of(), null, random);
                readDriver.await("the engine", 30, reader::isEngineUp);
                for (int d = 0; d < DOCS; d++)
                {
                    final int doc = d;
                    readDriver.await("sending a fetch", 10, () -> reader.subscribe(doc + 1, refs[doc], -1, false) > 0);
                }
                readDriver.await("the snapshots", 30, () -> texts.size() == DOCS);
                for (int d = 0; d < DOCS; d++)
                {
                    final JournalAudit.Doc journaled = audit.docs.get(refs[d].toString());
                    assertThat(texts.get(d + 1L)).isEqualTo(journaled.text.toString());
                    assertThat(versions.get(d + 1L)).isEqualTo(journaled.version());
                }
            }
            assertThat(engine.stop()).isIn(0, 143);
            assertThat(engine.log()).as("the engine logged no ERROR").doesNotContain(" ERROR ");
            assertThat(resent).as("in-flight ops resent after a restart").isPositive();
        }
        finally
        {
            engine.close();
        }
    }

    private long ackCount()
    {
        return acks.values().stream().mapToLong(Map::size).sum();
    }

    private static boolean settled(final List<ClientDoc> docs)
    {
        final ClientDoc first = docs.get(0);
        for (final ClientDoc doc : docs)
        {
            if (doc.busy() || !doc.hasSnapshot() || !doc.isSubscribed() || doc.version() != first.version() ||
                !doc.text().toString().equals(first.text().toString()))
            {
                return false;
            }
        }
        return true;
    }

    /** Polls the clients and makes random edits; every wait is bounded. */
    static final class Driver
    {
        private final List<EngineClient> clients;
        private final List<ClientDocs> routers;
        private final List<ClientDoc> all = new ArrayList<>();
        private final RandomEdits edits;
        private final Random random;

        Driver(final List<EngineClient> clients, final List<ClientDocs> routers, final List<List<ClientDoc>> docs,
            final RandomEdits edits, final Random random)
        {
            this.clients = clients;
            this.routers = routers;
            docs.forEach(all::addAll);
            this.edits = edits;
            this.random = random;
        }

        int poll()
        {
            int work = 0;
            for (final EngineClient client : clients)
            {
                work += client.poll(64);
            }
            return work;
        }

        void await(final String what, final int seconds, final BooleanSupplier done)
        {
            final long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
            while (!done.getAsBoolean())
            {
                if (System.nanoTime() - deadline > 0)
                {
                    throw new AssertionError("timed out after " + seconds + " s waiting for " + what + "; docs " + all);
                }
                routers.forEach(ClientDocs::flush);
                if (poll() == 0)
                {
                    LockSupport.parkNanos(200_000);
                }
            }
        }

        /** Edit for a while: every few milliseconds a random session makes a random edit. */
        void edit(final long millis)
        {
            final long end = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(millis);
            long nextEdit = System.nanoTime();
            while (System.nanoTime() - end < 0)
            {
                if (System.nanoTime() - nextEdit >= 0)
                {
                    final ClientDoc doc = all.get(random.nextInt(all.size()));
                    if (doc.hasSnapshot() && doc.exists())
                    {
                        edits.edit(doc);
                        doc.flush();
                    }
                    nextEdit = System.nanoTime() + TimeUnit.MICROSECONDS.toNanos(200 + random.nextInt(1500));
                }
                routers.forEach(ClientDocs::flush);
                if (poll() == 0)
                {
                    LockSupport.parkNanos(100_000);
                }
            }
        }
    }
}
