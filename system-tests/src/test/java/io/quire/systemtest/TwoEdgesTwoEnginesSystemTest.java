package io.quire.systemtest;

import io.quire.codec.ShardRouter;
import io.quire.test.NodeTools;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A deployment of four processes on 127.0.0.1 over Aeron UDP, started as {@code scripts/quire engine} and
 * {@code scripts/quire edge} start them (each with its embedded media driver and small terms): two engine nodes
 * (4 shards; A owns 0-1, B owns 2-3) and two edges in front of both. Real sharedb clients on both edges edit the same
 * documents (half of them owned by each engine) and converge, also with a fresh fetch through either edge; each
 * engine's journal, audited offline after a graceful stop, holds exactly the documents of its shards.
 */
class TwoEdgesTwoEnginesSystemTest
{
    private static final int SHARDS = 4;
    private static final int DOCS_PER_ENGINE = 4;

    @TempDir
    Path dir;

    @Test
    void clientsOnTwoEdgesConvergeAndDocumentsLandOnBothEngines() throws Exception
    {
        NodeTools.ensureInstalled();
        final String ingressA = "aeron:udp?endpoint=127.0.0.1:" + EngineCrashSystemTest.freeUdpPort();
        final String ingressB = "aeron:udp?endpoint=127.0.0.1:" + EngineCrashSystemTest.freeUdpPort();
        final Path dataA = dir.resolve("engine-a");
        final Path dataB = dir.resolve("engine-b");
        final String collection = "two-edges-" + System.nanoTime();
        final List<String> ids = docIds(collection);
        final List<EngineProcess> engines = new ArrayList<>();
        final List<EdgeProcess> edges = new ArrayList<>();
        String output;
        try
        {
            engines.add(EngineProcess.start(dir.resolve("engine-a.log"), 60, TimeUnit.SECONDS,
                engineArgs(dataA, "1", "0-2", ingressA, dir.resolve("aeron-a"))));
            engines.add(EngineProcess.start(dir.resolve("engine-b.log"), 60, TimeUnit.SECONDS,
                engineArgs(dataB, "2", "2-4", ingressB, dir.resolve("aeron-b"))));
            final String shardMap = "0-2=" + ingressA + "@1001;2-4=" + ingressB + "@1001";
            edges.add(EdgeProcess.start(dir.resolve("edge-1.log"), Duration.ofSeconds(60), edgeArgs(1, shardMap, dir)));
            edges.add(EdgeProcess.start(dir.resolve("edge-2.log"), Duration.ofSeconds(60), edgeArgs(2, shardMap, dir)));

            final NodeTools.Script node = NodeTools.start("sharedb-two-edges.js", edges.get(0).wsUrl(),
                edges.get(1).wsUrl(), collection, String.join(",", ids), "2", "40");
            final boolean finished = node.await(120);
            output = node.output();
            assertThat(finished).as("node finished; output:\n" + output).isTrue();
            assertThat(node.exitValue()).as("node output:\n" + output).isZero();
            for (final EdgeProcess edge : edges)
            {
                edge.close();
            }
            for (final EngineProcess engine : engines)
            {
                engine.stop();
            }
        }
        finally
        {
            edges.forEach(EdgeProcess::close);
            engines.forEach(EngineProcess::close);
        }
        System.out.println("two edges: " + output.trim());

        final JournalAudit auditA = JournalAudit.of(dataA);
        final JournalAudit auditB = JournalAudit.of(dataB);
        assertThat(auditA.failures).isEmpty();
        assertThat(auditB.failures).isEmpty();
        final Set<String> onA = docsOf(auditA, collection);
        final Set<String> onB = docsOf(auditB, collection);
        assertThat(onA).as("engine A has documents").isNotEmpty();
        assertThat(onB).as("engine B has documents").isNotEmpty();
        assertThat(onA).doesNotContainAnyElementsOf(onB);
        final Set<String> all = new HashSet<>(onA);
        all.addAll(onB);
        assertThat(all).hasSize(2 * DOCS_PER_ENGINE);
        for (final String key : onA)
        {
            assertThat(shardOf(collection, key.substring(collection.length() + 1))).as(key + " on engine A")
                .isLessThan(2);
        }
        for (final String key : onB)
        {
            assertThat(shardOf(collection, key.substring(collection.length() + 1))).as(key + " on engine B")
                .isGreaterThanOrEqualTo(2);
        }
    }

    private static int shardOf(final String collection, final String id)
    {
        return ShardRouter.shardFor(ShardRouter.docHash(collection, id), SHARDS);
    }

    /** The first {@value #DOCS_PER_ENGINE} ids doc-N owned by each engine, so both engines get documents. */
    private static List<String> docIds(final String collection)
    {
        final List<String> onA = new ArrayList<>();
        final List<String> onB = new ArrayList<>();
        for (int n = 0; n < 10_000 && (onA.size() < DOCS_PER_ENGINE || onB.size() < DOCS_PER_ENGINE); n++)
        {
            final String id = "doc-" + n;
            final List<String> side = shardOf(collection, id) < 2 ? onA : onB;
            if (side.size() < DOCS_PER_ENGINE)
            {
                side.add(id);
            }
        }
        assertThat(onA).hasSize(DOCS_PER_ENGINE);
        assertThat(onB).hasSize(DOCS_PER_ENGINE);
        final List<String> ids = new ArrayList<>(onA);
        ids.addAll(onB);
        return ids;
    }

    private static Set<String> docsOf(final JournalAudit audit, final String collection)
    {
        final Set<String> keys = new HashSet<>();
        for (final String key : audit.docs.keySet())
        {
            if (key.startsWith(collection + "/"))
            {
                keys.add(key);
            }
        }
        return keys;
    }

    private static List<String> engineArgs(
        final Path data, final String nodeId, final String range, final String ingress, final Path aeronDir)
    {
        return List.of("--data", data.toString(), "--node-id", nodeId, "--shards", "4", "--shard-range", range,
            "--ingress", ingress, "--aeron-dir", aeronDir.toString(),
            "--set", "term-length=256k", "--set", "driver.term-length=256k", "--set", "heartbeat.interval=50ms", "--set", "ring.size=1024",
            "--set", "journal.block-size=1m", "--set", "journal.batch.max-bytes=256k");
    }

    private static List<String> edgeArgs(final int edgeId, final String engines, final Path dir)
    {
        return List.of("--port", "0", "--edge-id", Integer.toString(edgeId), "--shards", Integer.toString(SHARDS),
            "--engines", engines, "--reply-channel", "aeron:udp?endpoint=127.0.0.1:0",
            "--aeron-dir", dir.resolve("aeron-edge-" + edgeId).toString(), "--set", "driver.term-length=256k",
            "--set", "heartbeat.interval=50ms", "--set", "op.rate=1000", "--set", "op.burst=1000");
    }
}
