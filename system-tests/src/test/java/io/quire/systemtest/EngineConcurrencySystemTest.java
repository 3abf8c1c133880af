package io.quire.systemtest;

import io.quire.codec.protocol.RequestKind;
import io.quire.common.Settings;
import io.quire.engine.EngineContext;
import io.quire.engine.EngineNode;
import io.quire.engine.client.ClientDoc;
import io.quire.engine.client.ClientDocs;
import io.quire.engine.client.DocRef;
import io.quire.engine.client.EngineClient;
import io.quire.engine.ot.TextChecksum;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Many sources edit one document at once: twelve ShareDB-style client docs on three edges (over UDP on 127.0.0.1 to
 * an engine node sharing this JVM's media driver) make random edits at random moments and sometimes hold their ops
 * back, so their base versions lag the document by varying amounts and the engine transforms most ops. They must
 * converge: every client's text equals the engine's snapshot, and the checksums agree with the journal.
 */
class EngineConcurrencySystemTest
{
    private static final Logger LOG = LoggerFactory.getLogger(EngineConcurrencySystemTest.class);
    private static final int EDGES = 3;
    private static final int SOURCES_PER_EDGE = 4;
    private static final int TARGET_OPS = 4000;

    @TempDir
    Path dir;

    @Test
    void manySourcesOnOneDocumentConverge() throws Exception
    {
        final long seed = System.nanoTime();
        LOG.info("seed {}", seed);
        final Random random = new Random(seed);
        final int port = EngineCrashSystemTest.freeUdpPort();
        final Path data = dir.resolve("data");
        final DocRef ref = new DocRef("notes", "together");
        final List<ClientDoc> docs = new ArrayList<>();
        final List<EngineClient> clients = new ArrayList<>();
        final List<ClientDocs> routers = new ArrayList<>();
        final EngineContext ctx = new EngineContext()
            .dataDir(data)
            .shardCount(2)
            .ingressChannel("aeron:udp?endpoint=127.0.0.1:" + port)
            .termLength(TestAeron.TERM_LENGTH)
            .journalSettings(Settings.defaults("journal", Map.of("block-size", "1m", "batch.max-bytes", "256k")));
        try (TestAeron aeron = new TestAeron(dir.resolve("aeron")))
        {
            try (EngineNode node = EngineNode.launch(ctx, aeron.aeron()))
            {
                for (int e = 0; e < EDGES; e++)
                {
                    final ClientDocs router = new ClientDocs();
                    final EngineClient client = EngineClient.connect(aeron.aeron(),
                        node.ingressChannel() + "|term-length=" + TestAeron.TERM_LENGTH, node.ingressStream(), 50 + e,
                        "aeron:udp?endpoint=127.0.0.1:0", 4000 + e, router);
                    router.client(client);
                    clients.add(client);
                    routers.add(router);
                    for (int s = 0; s < SOURCES_PER_EDGE; s++)
                    {
                        docs.add(router.add(s + 1, "edge" + e + "-src" + s, ref, true));
                    }
                }
                final EngineCrashSystemTest.Driver driver =
                    new EngineCrashSystemTest.Driver(clients, routers, List.of(docs), null, random);
                driver.await("the engine", 30, () -> clients.stream().allMatch(EngineClient::isEngineUp));
                final ClientDoc creator = docs.get(0);
                creator.subscribe();
                driver.await("the creator's snapshot", 30, creator::hasSnapshot);
                creator.create("The quick brown fox jumps over the lazy dog.\n");
                driver.await("the create", 30, () -> !creator.busy());
                docs.forEach(ClientDoc::subscribe);
                driver.await("every snapshot", 30, () -> docs.stream().allMatch(ClientDoc::hasSnapshot));

                final RandomEdits edits = new RandomEdits(random, 600);
                final long[] heldUntil = new long[docs.size()];
                final long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
                long nextEdit = System.nanoTime();
                while (docs.stream().mapToLong(ClientDoc::acked).sum() < TARGET_OPS)
                {
                    assertThat(System.nanoTime() - deadline).as("edits done within 60 s").isNegative();
                    final long now = System.nanoTime();
                    if (now - nextEdit >= 0)
                    {
                        final int i = random.nextInt(docs.size());
                        edits.edit(docs.get(i));
                        if (random.nextInt(4) == 0)
                        {
                            // Hold this source's ops back for a while: its next op is based on an older version.
                            heldUntil[i] = now + TimeUnit.MICROSECONDS.toNanos(random.nextInt(20_000));
                        }
                        nextEdit = now + TimeUnit.MICROSECONDS.toNanos(random.nextInt(600));
                    }
                    for (int i = 0; i < docs.size(); i++)
                    {
                        if (now - heldUntil[i] >= 0)
                        {
                            docs.get(i).flush();
                        }
                    }
                    if (driver.poll() == 0)
                    {
                        LockSupport.parkNanos(50_000);
                    }
                }
                driver.await("convergence", 60, () -> docs.stream().noneMatch(ClientDoc::busy) &&
                    docs.stream().allMatch(d -> d.version() == docs.get(0).version()));

                final String[] snapshot = new String[1];
                final long[] snapshotVersion = {-1};
                try (EngineClient reader = EngineClient.connect(aeron.aeron(), node.ingressChannel() + "|term-length=" +
                    TestAeron.TERM_LENGTH, node.ingressStream(), 59, "aeron:udp?endpoint=127.0.0.1:0", 4009,
                    new EngineClient.Listener()
                    {
                        @Override
                        public void onSnapshot(final long sessionId, final long requestId, final long docHash,
                            final long version, final String docType, final String text, final RequestKind kind)
                        {
                            snapshot[0] = text;
                            snapshotVersion[0] = version;
                        }
                    }))
                {
                    final EngineCrashSystemTest.Driver readDriver =
                        new EngineCrashSystemTest.Driver(List.of(reader), List.of(), List.of(), null, random);
                    readDriver.await("the engine", 30, reader::isEngineUp);
                    readDriver.await("sending a fetch", 10, () -> reader.subscribe(1, ref, -1, false) > 0);
                    readDriver.await("the snapshot", 30, () -> snapshot[0] != null);
                }
                long transformed = 0;
                long acked = 0;
                long lagged = 0;
                long maxLag = 0;
                for (final ClientDoc doc : docs)
                {
                    assertThat(doc.text().toString()).as(doc.toString()).isEqualTo(snapshot[0]);
                    assertThat(doc.version()).isEqualTo(snapshotVersion[0]);
                    assertThat(doc.text().checksum()).isEqualTo(TextChecksum.of(snapshot[0]));
                    assertThat(doc.rejected()).isZero();
                    transformed += doc.transformedAgainst();
                    acked += doc.acked();
                    lagged += doc.laggedAcks();
                    maxLag = Math.max(maxLag, doc.maxLag());
                }
                LOG.info("{} sources converged at version {} ({} code points) after {} acked ops; {} times an " +
                    "incoming op was transformed against a local in-flight or pending op; {} ops were based on an " +
                    "older version (the engine transformed them), by up to {} versions", docs.size(),
                    snapshotVersion[0], docs.get(0).text().length(), acked, transformed, lagged, maxLag);
                assertThat(transformed).as("concurrent ops were transformed").isGreaterThan(acked / 10);
                assertThat(lagged).as("ops based on older versions").isGreaterThan(acked / 10);
                assertThat(maxLag).as("largest lag, inside the history window").isBetween(5L, 999L);
                assertThat(node.metrics().counters().ingressMalformedCount()).isZero();
                assertThat(node.metrics().counters().undeliveredCount()).isZero();
            }
            final JournalAudit audit = JournalAudit.of(data);
            assertThat(audit.failures).isEmpty();
            final JournalAudit.Doc journaled = audit.docs.get(ref.toString());
            assertThat(journaled.text.toString()).isEqualTo(docs.get(0).text().toString());
            assertThat(journaled.records.get(journaled.records.size() - 1).checksum())
                .isEqualTo(docs.get(0).text().checksum());
            clients.forEach(EngineClient::close);
        }
    }
}
