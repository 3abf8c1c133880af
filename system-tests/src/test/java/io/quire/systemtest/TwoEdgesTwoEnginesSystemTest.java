package io.quire.systemtest;

import io.quire.test.NodeTools;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A deployment of four processes on 127.0.0.1 over Aeron UDP: two engine nodes (4 shards; A owns 0-1, B owns 2-3)
 * and two edges in front of both. Real sharedb clients on both edges edit the same documents and converge, and the
 * documents land on both engines: each engine's journal holds exactly the documents of its shards, audited offline.
 */
class TwoEdgesTwoEnginesSystemTest
{
    private static final int DOCS = 8;

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
        final List<AutoCloseable> processes = new ArrayList<>();
        final String collection = "two-edges-" + System.nanoTime();
        String output;
        try
        {
            final EngineProcess engineA = EngineProcess.start(dir.resolve("engine-a.log"), 60, TimeUnit.SECONDS,
                engineArgs(dataA, "1", "0-2", ingressA, dir.resolve("aeron-a")));
            processes.add(engineA);
            final EngineProcess engineB = EngineProcess.start(dir.resolve("engine-b.log"), 60, TimeUnit.SECONDS,
                engineArgs(dataB, "2", "2-4", ingressB, dir.resolve("aeron-b")));
            processes.add(engineB);
            final String engines = "0-2=" + ingressA + "@1001,2-4=" + ingressB + "@1001";
            final EdgeProcess edge1 = EdgeProcess.start(dir.resolve("edge-1.log"), edgeArgs(1, engines, dir));
            processes.add(edge1);
            final EdgeProcess edge2 = EdgeProcess.start(dir.resolve("edge-2.log"), edgeArgs(2, engines, dir));
            processes.add(edge2);

            final Process node = NodeTools.node("sharedb-two-edges.js", edge1.wsUrl(), edge2.wsUrl(), collection,
                Integer.toString(DOCS), "2", "40").redirectErrorStream(true).start();
            final ByteArrayOutputStream bytes = new ByteArrayOutputStream();
            final Thread pump = new Thread(() ->
            {
                try (InputStream in = node.getInputStream())
                {
                    in.transferTo(bytes);
                }
                catch (final java.io.IOException ignored)
                {
                    // its exit code tells
                }
            });
            pump.start();
            final boolean finished = node.waitFor(120, TimeUnit.SECONDS);
            if (!finished)
            {
                node.destroyForcibly();
            }
            pump.join(5000);
            output = bytes.toString(StandardCharsets.UTF_8);
            assertThat(finished).as("node finished; output:\n" + output).isTrue();
            assertThat(node.exitValue()).as("node output:\n" + output).isZero();
        }
        finally
        {
            for (int i = processes.size() - 1; i >= 0; i--)
            {
                processes.get(i).close();
            }
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
        assertThat(all).hasSize(DOCS);
        for (final String key : onA)
        {
            assertThat(io.quire.codec.ShardRouter.shardFor(
                io.quire.codec.ShardRouter.docHash(collection, key.substring(collection.length() + 1)), 4))
                .as(key + " on engine A").isLessThan(2);
        }
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
            "--set", "term-length=256k", "--set", "heartbeat.interval=50ms", "--set", "ring.size=1024",
            "--set", "journal.block-size=1m", "--set", "journal.batch.max-bytes=256k");
    }

    private static List<String> edgeArgs(final int edgeId, final String engines, final Path dir)
    {
        return List.of("aeron-dir=" + dir.resolve("aeron-edge-" + edgeId), "edge-id=" + edgeId, "port=0",
            "shards=4", "engines=" + engines, "reply.channel=aeron:udp?endpoint=127.0.0.1:0", "op.rate=1000",
            "op.burst=1000");
    }
}
