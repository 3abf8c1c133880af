package io.quire.engine;

import io.aeron.Aeron;
import io.quire.codec.protocol.RejectReason;
import io.quire.codec.protocol.RequestKind;
import io.quire.common.Settings;
import io.quire.engine.client.ClientDoc;
import io.quire.engine.client.ClientDocs;
import io.quire.engine.client.DocRef;
import io.quire.engine.client.EngineClient;
import io.quire.engine.client.ReceivedOp;
import io.quire.engine.ot.TextOp;
import io.quire.engine.ring.ThreadingMode;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.BooleanSupplier;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * An engine node in this JVM with its embedded driver, and clients over IPC: hellos, heartbeats, submits, acks,
 * broadcasts, snapshots, edges restarting and timing out.
 */
class EngineNodeTest
{
    @TempDir
    Path dir;

    private EngineNode node;
    private Aeron aeron;
    private final List<AutoCloseable> closeables = new ArrayList<>();

    static EngineContext testContext(final Path dir)
    {
        return new EngineContext()
            .dataDir(dir.resolve("data"))
            .aeronDir(dir.resolve("aeron").toString())
            .shardCount(2)
            .ingressChannel("aeron:ipc")
            .ingressStream(1001)
            .termLength(64 << 10)
            .edgeTimeoutNs(60_000_000_000L)
            .heartbeatIntervalNs(50_000_000L)
            .journalSettings(Settings.defaults("journal", Map.of("block-size", "1m", "batch.max-bytes", "256k")));
    }

    private void start(final EngineContext ctx)
    {
        node = EngineNode.launch(ctx);
        aeron = Aeron.connect(new Aeron.Context().aeronDirectoryName(node.aeronDirectoryName()));
    }

    @AfterEach
    void close() throws Exception
    {
        for (int i = closeables.size() - 1; i >= 0; i--)
        {
            closeables.get(i).close();
        }
        if (aeron != null)
        {
            aeron.close();
        }
        if (node != null)
        {
            node.close();
        }
    }

    /** Records every reply. */
    static final class Recorder implements EngineClient.Listener
    {
        final List<String> events = new ArrayList<>();
        int engineUps;
        int engineDowns;

        @Override
        public void onAck(final long sessionId, final long requestId, final long docHash, final long version,
            final long seq)
        {
            events.add("ack s" + sessionId + " r" + requestId + " v" + version + " seq" + seq);
        }

        @Override
        public void onReject(final long sessionId, final long requestId, final long docHash, final long seq,
            final RejectReason reason, final long currentVersion, final String message)
        {
            events.add("reject s" + sessionId + " r" + requestId + " " + reason);
        }

        @Override
        public void onOp(final ReceivedOp op)
        {
            events.add("op t" + op.targetSessionId() + " v" + op.version() + " " + op.kind() + " " +
                op.op().toJson() + " src=" + op.source() + " origin=" + op.originEdgeId() + "/" + op.originSessionId());
        }

        @Override
        public void onSnapshot(final long sessionId, final long requestId, final long docHash, final long version,
            final String docType, final String text, final RequestKind kind)
        {
            events.add("snapshot s" + sessionId + " r" + requestId + " v" + version + " " + text);
        }

        @Override
        public void onDone(final long sessionId, final long requestId, final long routingHash, final long version,
            final RequestKind kind)
        {
            events.add("done s" + sessionId + " r" + requestId + " v" + version + " " + kind);
        }

        @Override
        public void onRequestReject(final long sessionId, final long requestId, final long routingHash,
            final RequestKind kind, final RejectReason reason, final String message)
        {
            events.add("request-reject s" + sessionId + " r" + requestId + " " + kind + " " + reason);
        }

        @Override
        public void onPresence(final long targetSessionId, final long originSessionId, final int originEdgeId,
            final long channelHash, final long docVersion, final long presenceVersion,
            final io.quire.codec.protocol.PresenceShape shape, final long index, final long length,
            final String channel, final String presenceId, final String value)
        {
            events.add("presence t" + targetSessionId + " origin=" + originEdgeId + "/" + originSessionId + " v" +
                docVersion + " pv" + presenceVersion + " " + shape + " " + index + ":" + length + " " + channel + " " +
                presenceId);
        }

        @Override
        public void onPresenceRequest(final long targetSessionId, final long originSessionId, final long channelHash,
            final String channel)
        {
            events.add("presence-request t" + targetSessionId + " origin=" + originSessionId + " " + channel);
        }

        @Override
        public void onEngineUp(final int nodeId, final long epoch)
        {
            engineUps++;
        }

        @Override
        public void onEngineDown()
        {
            engineDowns++;
        }

        boolean has(final String prefix)
        {
            return events.stream().anyMatch(e -> e.startsWith(prefix));
        }
    }

    private EngineClient client(final int edgeId, final int replyStream, final EngineClient.Listener listener)
    {
        final EngineClient client = EngineClient.connect(aeron, node.ingressChannel(), node.ingressStream(), edgeId,
            "aeron:ipc", replyStream, listener);
        closeables.add(client);
        return client;
    }

    static void await(final String what, final BooleanSupplier done, final EngineClient... clients)
    {
        final long deadline = System.nanoTime() + 10_000_000_000L;
        while (!done.getAsBoolean())
        {
            if (System.nanoTime() - deadline > 0)
            {
                throw new AssertionError("timed out waiting for " + what);
            }
            int work = 0;
            for (final EngineClient c : clients)
            {
                work += c.poll(64);
            }
            if (work == 0)
            {
                Thread.yield();
            }
        }
    }

    @ParameterizedTest
    @EnumSource(value = ThreadingMode.class, names = {"SINGLE", "SHARED"})
    void submitsAreAckedBroadcastAndReadBack(final ThreadingMode threading)
    {
        start(testContext(dir).threading(threading));
        final Recorder a = new Recorder();
        final Recorder b = new Recorder();
        final EngineClient ca = client(11, 2001, a);
        final EngineClient cb = client(12, 2002, b);
        await("engine up", () -> a.engineUps == 1 && b.engineUps == 1, ca, cb);

        final DocRef doc = new DocRef("docs", "d1");
        final byte[] src = "A".getBytes(StandardCharsets.UTF_8);
        final long create = ca.submitCreate(1, doc, -1, src, 1, "hello");
        assertThat(create).isPositive();
        await("create ack", () -> a.has("ack s1 r" + create + " v0"), ca, cb);

        final long sub = cb.subscribe(7, doc, -1, true);
        await("snapshot", () -> b.has("snapshot s7 r" + sub + " v1 hello"), ca, cb);

        final long edit = ca.submitEdit(1, doc, 1, src, 2, new TextOp().skip(5).insert(" world"));
        await("edit ack", () -> a.has("ack s1 r" + edit + " v1"), ca, cb);
        await("broadcast", () -> b.has("op t0 v1 EDIT [5,\" world\"] src=A origin=11/1"), ca, cb);

        final long fetch = cb.subscribe(8, doc, -1, false);
        await("fetch", () -> b.has("snapshot s8 r" + fetch + " v2 hello world"), ca, cb);
        final long catchUp = cb.subscribe(9, doc, 0, false);
        await("catch-up", () -> b.has("done s9 r" + catchUp + " v2 FETCH"), ca, cb);
        assertThat(b.events).contains("op t9 v0 CREATE [] src=A origin=0/0", "op t9 v1 EDIT [5,\" world\"] src=A origin=0/0");

        // The resubmitted edit is a duplicate: acked again at its version, not applied twice.
        final long again = ca.submitEdit(1, doc, 1, src, 2, new TextOp().skip(5).insert(" world"));
        await("duplicate ack", () -> a.has("ack s1 r" + again + " v1"), ca, cb);
        final long fetch2 = cb.subscribe(10, doc, -1, false);
        await("unchanged", () -> b.has("snapshot s10 r" + fetch2 + " v2 hello world"), ca, cb);
        assertThat(node.metrics().counters().ingressMalformedCount()).isZero();
        final long committed = node.metrics().committed(0) + node.metrics().committed(1);
        assertThat(committed).isEqualTo(2);
    }

    @Test
    void presenceAndHistoricalSnapshotsTravelThroughTheNode()
    {
        start(testContext(dir));
        final Recorder a = new Recorder();
        final Recorder b = new Recorder();
        final EngineClient ca = client(41, 2001, a);
        final EngineClient cb = client(42, 2002, b);
        await("engine up", () -> a.engineUps == 1 && b.engineUps == 1, ca, cb);
        final DocRef doc = new DocRef("docs", "p");
        final byte[] src = "A".getBytes(StandardCharsets.UTF_8);
        final long create = ca.submitCreate(1, doc, -1, src, 1, "abcdef");
        await("create", () -> a.has("ack s1 r" + create), ca, cb);
        final long edit = ca.submitEdit(1, doc, 1, src, 2, new TextOp().insert(">>"));
        await("edit", () -> a.has("ack s1 r" + edit + " v1"), ca, cb);

        final long atOne = cb.fetchAt(5, doc, 1, -1);
        await("snapshot at version 1", () -> b.has("snapshot s5 r" + atOne + " v1 abcdef"), ca, cb);

        final long psA = ca.presenceSubscribe(1, doc.channel());
        await("first presence subscription", () -> a.has("done s1 r" + psA), ca, cb);
        final long psB = cb.presenceSubscribe(2, doc.channel());
        await("second presence subscription", () -> b.has("done s2 r" + psB), ca, cb);
        await("the earlier subscriber asked to resend", () -> a.has("presence-request t0 origin=2 docs.p"), ca, cb);
        // A caret at index 1 of version 1 ("abcdef") is transformed over the op committed at version 1 (">>" inserted
        // at the start): index 3 of version 2, for every subscriber, the sender's own copy (its ack) included.
        final long update = cb.presenceUpdate(2, doc, "caret-b", "B", 1, 0,
            io.quire.codec.protocol.PresenceShape.INDEX_LENGTH, 1, 0, "");
        assertThat(update).isPositive();
        await("presence broadcast", () -> a.has("presence t0 origin=42/2 v2 pv0 INDEX_LENGTH 3:0 docs.p caret-b") &&
            b.has("presence t2 origin=42/2 v2 pv0 INDEX_LENGTH 3:0 docs.p caret-b"), ca, cb);
        final long pu = cb.presenceUnsubscribe(2, doc.channel());
        await("presence unsubscribe", () -> b.has("done s2 r" + pu + " v-1 PRESENCE_UNSUBSCRIBE"), ca, cb);
        assertThat(cb.sessionClosed(2)).isPositive();
        await("session closed counted", () -> node.metrics().counters().sessionsClosedCount() == 1, ca, cb);
    }

    @Test
    void clientDocsConvergeOverTheNode()
    {
        start(testContext(dir));
        final ClientDocs routerA = new ClientDocs();
        final ClientDocs routerB = new ClientDocs();
        final EngineClient ca = client(21, 2001, routerA);
        final EngineClient cb = client(22, 2002, routerB);
        routerA.client(ca);
        routerB.client(cb);
        final DocRef doc = new DocRef("notes", "shared");
        final ClientDoc a1 = routerA.add(1, "srcA1", doc, true);
        final ClientDoc a2 = routerA.add(2, "srcA2", doc, true);
        final ClientDoc b1 = routerB.add(1, "srcB1", doc, true);
        await("engine up", () -> ca.isEngineUp() && cb.isEngineUp(), ca, cb);
        a1.subscribe();
        await("a1 snapshot", a1::hasSnapshot, ca, cb);
        a1.create("0123456789");
        await("created", () -> !a1.busy(), ca, cb);
        a2.subscribe();
        b1.subscribe();
        await("snapshots", () -> a2.hasSnapshot() && b1.hasSnapshot(), ca, cb);

        // Concurrent edits at the same place from three sessions on two edges.
        a1.submit(new TextOp().skip(3).insert("A"));
        a2.submit(new TextOp().skip(3).insert("B"));
        b1.submit(new TextOp().skip(3).delete(2).insert("C"));
        routerA.flush();
        routerB.flush();
        a1.submit(new TextOp().insert(">"));
        routerA.flush();
        await("converged", () -> !a1.busy() && !a2.busy() && !b1.busy() &&
            a1.version() == 5 && a2.version() == 5 && b1.version() == 5, ca, cb);
        assertThat(a2.text().toString()).isEqualTo(a1.text().toString());
        assertThat(b1.text().toString()).isEqualTo(a1.text().toString());
        assertThat(a1.text().length()).isEqualTo(12);
    }

    @Test
    void anEdgeThatRestartsOrFallsSilentLosesItsSubscriptions()
    {
        start(testContext(dir).edgeTimeoutNs(500_000_000L));
        final Recorder a = new Recorder();
        final EngineClient ca = client(31, 2001, a);
        await("engine up", () -> a.engineUps == 1, ca);
        final DocRef doc = new DocRef("docs", "r");
        final byte[] src = "A".getBytes(StandardCharsets.UTF_8);
        final long create = ca.submitCreate(1, doc, -1, src, 1, "x");
        await("ack", () -> a.has("ack s1 r" + create), ca);
        final long sub = ca.subscribe(2, doc, -1, true);
        await("snapshot", () -> a.has("snapshot s2 r" + sub), ca);

        // Same edge id, new incarnation: its old subscriptions are dropped, so an edit is acked, not broadcast.
        final Recorder a2 = new Recorder();
        final EngineClient restarted = client(31, 2003, a2);
        ca.close();
        await("restarted edge up", () -> a2.engineUps == 1, restarted);
        await("restart seen", () -> node.metrics().counters().edgeRestartCount() == 1, restarted);
        final long edit = restarted.submitEdit(1, doc, 1, src, 2, new TextOp().insert("y"));
        await("ack after restart", () -> a2.has("ack s1 r" + edit + " v1"), restarted);
        assertThat(a2.events).noneMatch(e -> e.startsWith("op "));

        // Silence: the edge is dropped after edge.timeout, and requests from it are then refused (counted).
        final long silentSince = System.nanoTime();
        while (node.metrics().counters().edgeTimeoutCount() == 0 || node.metrics().counters().edgesKnownCount() != 0)
        {
            assertThat(System.nanoTime() - silentSince).isLessThan(10_000_000_000L);
            Thread.yield();
        }
        assertThat(node.metrics().counters().edgeTimeoutCount()).isEqualTo(1);
    }
}
