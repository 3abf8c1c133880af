package io.quire.systemtest;

import io.quire.codec.ShardRouter;
import io.quire.codec.protocol.MessageHeaderEncoder;
import io.quire.codec.protocol.OpKind;
import io.quire.codec.protocol.RejectReason;
import io.quire.codec.protocol.RequestKind;
import io.quire.codec.protocol.SubmitOpEncoder;
import io.quire.common.Settings;
import io.quire.engine.EngineContext;
import io.quire.engine.EngineNode;
import io.quire.engine.client.DocRef;
import io.quire.engine.client.EngineClient;
import io.quire.engine.ot.TextOp;
import org.agrona.ExpandableArrayBuffer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The node refuses what it cannot take with typed reasons and keeps going: a full ring is OVERLOADED (never a
 * block, never a silent drop), a shard of another node is NOT_PRIMARY, a routing hash that does not match the
 * document is MESSAGE_BADLY_FORMED, truncated or garbage messages are refused or counted, and the ingress agent
 * survives all of it.
 */
class EngineRejectSystemTest
{
    private static final Logger LOG = LoggerFactory.getLogger(EngineRejectSystemTest.class);
    private static final byte[] SRC = "rejects".getBytes(StandardCharsets.UTF_8);

    @TempDir
    Path dir;

    /** Every reply, by request id. */
    static final class Replies implements EngineClient.Listener
    {
        final Map<Long, String> byRequest = new HashMap<>();
        final List<String> unmatched = new ArrayList<>();
        String snapshot;
        long snapshotVersion = -1;

        private void put(final long requestId, final String reply)
        {
            if (byRequest.put(requestId, reply) != null)
            {
                unmatched.add("second reply to request " + requestId + ": " + reply);
            }
        }

        @Override
        public void onAck(final long sessionId, final long requestId, final long docHash, final long version,
            final long seq)
        {
            put(requestId, "ack");
        }

        @Override
        public void onReject(final long sessionId, final long requestId, final long docHash, final long seq,
            final RejectReason reason, final long currentVersion, final String message)
        {
            put(requestId, reason.name());
        }

        @Override
        public void onRequestReject(final long sessionId, final long requestId, final long routingHash,
            final RequestKind kind, final RejectReason reason, final String message)
        {
            put(requestId, kind + " " + reason);
        }

        @Override
        public void onSnapshot(final long sessionId, final long requestId, final long docHash, final long version,
            final String docType, final String text, final RequestKind kind)
        {
            put(requestId, "snapshot");
            snapshot = text;
            snapshotVersion = version;
        }

        long count(final String reply)
        {
            return byRequest.values().stream().filter(reply::equals).count();
        }
    }

    private EngineContext context(final int port, final String durability)
    {
        return new EngineContext()
            .dataDir(dir.resolve("data"))
            .shardCount(4)
            .shardRange(0, 2)
            .ringSize(64)
            .ingressChannel("aeron:udp?endpoint=127.0.0.1:" + port)
            .termLength(TestAeron.TERM_LENGTH)
            .journalSettings(Settings.defaults("journal",
                Map.of("block-size", "1m", "batch.max-bytes", "256k", "durability", durability)));
    }

    private static DocRef docOnShards(final int from, final int to, final String prefix)
    {
        for (int i = 0; ; i++)
        {
            final DocRef doc = new DocRef("rej", prefix + i);
            final int shard = ShardRouter.shardFor(doc.hash(), 4);
            if (shard >= from && shard < to)
            {
                return doc;
            }
        }
    }

    private static EngineCrashSystemTest.Driver driver(final EngineClient client)
    {
        return new EngineCrashSystemTest.Driver(List.of(client), List.of(), List.of(), null, new Random(1));
    }

    @Test
    void wrongShardsWrongHashesAndBrokenMessagesAreRefusedAndTheAgentLives() throws Exception
    {
        final Replies replies = new Replies();
        try (TestAeron aeron = new TestAeron(dir.resolve("aeron"));
            EngineNode node = EngineNode.launch(context(EngineCrashSystemTest.freeUdpPort(), "write"), aeron.aeron());
            EngineClient client = EngineClient.connect(aeron.aeron(), node.ingressChannel() + "|term-length=" +
                TestAeron.TERM_LENGTH, node.ingressStream(), 70, "aeron:udp?endpoint=127.0.0.1:0", 5000, replies))
        {
            final EngineCrashSystemTest.Driver driver = driver(client);
            driver.await("the engine", 30, client::isEngineUp);

            final DocRef foreign = docOnShards(2, 4, "foreign-");
            final long submit = client.submitCreate(1, foreign, -1, SRC, 1, "");
            final long fetch = client.subscribe(1, foreign, -1, false);
            final long presence = client.presenceSubscribe(1, foreign.channel());
            driver.await("NOT_PRIMARY replies", 10, () -> replies.byRequest.keySet().containsAll(
                List.of(submit, fetch, presence)));
            assertThat(replies.byRequest.get(submit)).isEqualTo("NOT_PRIMARY");
            assertThat(replies.byRequest.get(fetch)).isEqualTo("FETCH NOT_PRIMARY");
            assertThat(replies.byRequest.get(presence)).isEqualTo("PRESENCE_SUBSCRIBE NOT_PRIMARY");

            final DocRef owned = docOnShards(0, 2, "owned-");
            final ExpandableArrayBuffer raw = new ExpandableArrayBuffer(512);
            final int length = encodeCreate(raw, 9001, owned, owned.hash() + 1);
            assertThat(client.sendRaw(raw, 0, length)).isPositive();
            driver.await("the hash mismatch reject", 10, () -> replies.byRequest.containsKey(9001L));
            assertThat(replies.byRequest.get(9001L)).isEqualTo("MESSAGE_BADLY_FORMED");

            // Cut inside the var fields: the root block is intact, so the request is answered.
            final int valid = encodeCreate(raw, 9002, owned, owned.hash());
            assertThat(client.sendRaw(raw, 0, valid - 3)).isPositive();
            driver.await("the truncation reject", 10, () -> replies.byRequest.containsKey(9002L));
            assertThat(replies.byRequest.get(9002L)).isEqualTo("MESSAGE_BADLY_FORMED");
            // Cut inside the header, and noise: nothing to answer, only counted.
            assertThat(client.sendRaw(raw, 0, 5)).isPositive();
            final byte[] noise = new byte[200];
            new Random(42).nextBytes(noise);
            raw.putBytes(0, noise);
            assertThat(client.sendRaw(raw, 0, noise.length)).isPositive();
            driver.await("the malformed messages to be counted", 10,
                () -> node.metrics().counters().ingressMalformedCount() >= 3);

            // The agent lives: a valid request on an owned shard is served.
            final long create = client.submitCreate(1, owned, -1, SRC, 2, "still here");
            driver.await("the create", 10, () -> replies.byRequest.containsKey(create));
            assertThat(replies.byRequest.get(create)).isEqualTo("ack");
            assertThat(replies.unmatched).isEmpty();
            assertThat(node.metrics().counters().ingressErrorCount()).isZero();
            assertThat(node.metrics().counters().ingressRejectCount(RejectReason.NOT_PRIMARY)).isEqualTo(3);
            assertThat(node.metrics().counters().ingressRejectCount(RejectReason.MESSAGE_BADLY_FORMED)).isEqualTo(2);
        }
    }

    @Test
    void aFullRingAnswersOverloadedAtOnceAndEveryRequestGetsOneReply() throws Exception
    {
        final Replies replies = new Replies();
        final int burst = 4000;
        try (TestAeron aeron = new TestAeron(dir.resolve("aeron"));
            EngineNode node = EngineNode.launch(context(EngineCrashSystemTest.freeUdpPort(), "sync"), aeron.aeron());
            EngineClient client = EngineClient.connect(aeron.aeron(), node.ingressChannel() + "|term-length=" +
                TestAeron.TERM_LENGTH, node.ingressStream(), 71, "aeron:udp?endpoint=127.0.0.1:0", 5001, replies))
        {
            final EngineCrashSystemTest.Driver driver = driver(client);
            driver.await("the engine", 30, client::isEngineUp);
            final DocRef doc = docOnShards(0, 2, "busy-");
            final long create = client.submitCreate(1, doc, -1, SRC, 1, "");
            driver.await("the create", 10, () -> replies.byRequest.containsKey(create));

            // A burst of edits based on "the current version" (-1), as fast as the publication takes them.
            final TextOp op = new TextOp().insert("x");
            final List<Long> sent = new ArrayList<>();
            for (int i = 0; i < burst; i++)
            {
                final long seq = i + 2;
                final long[] request = {0};
                driver.await("the publication to take edit " + i, 10,
                    () -> (request[0] = client.submitEdit(1, doc, -1, SRC, seq, op)) > 0);
                sent.add(request[0]);
                client.poll(16);
            }
            try
            {
                driver.await("a reply to every edit", 60, () -> replies.byRequest.keySet().containsAll(sent));
            }
            catch (final AssertionError ex)
            {
                final long missing = sent.stream().filter(r -> !replies.byRequest.containsKey(r)).count();
                throw new AssertionError(missing + " edits without a reply; ingress replies undelivered " +
                    node.metrics().counters().ingressRepliesUndelivered.get() + ", egress undelivered " +
                    node.metrics().counters().undeliveredCount() + ", retries " +
                    node.metrics().counters().egressBackPressureRetryCount(), ex);
            }
            final long acked = sent.stream().filter(r -> replies.byRequest.get(r).equals("ack")).count();
            final long overloaded = sent.stream().filter(r -> replies.byRequest.get(r).equals("OVERLOADED")).count();
            LOG.info("burst of {} edits into a ring of 64 with synced journal batches: {} acked, {} OVERLOADED; " +
                "{} replies met back-pressure and waited", burst, acked, overloaded,
                node.metrics().counters().egressBackPressureRetryCount());
            assertThat(node.metrics().counters().undeliveredCount()).as("replies dropped").isZero();
            assertThat(acked + overloaded).isEqualTo(burst);
            assertThat(overloaded).as("rejected because the ring was full").isPositive();
            assertThat(acked).isPositive();
            assertThat(replies.unmatched).isEmpty();
            final int shard = ShardRouter.shardFor(doc.hash(), 4);
            assertThat(node.metrics().rejects(shard, RejectReason.OVERLOADED)).isEqualTo(overloaded);
            assertThat(node.metrics().ringCapacity(shard)).isEqualTo(64);

            final long fetch = client.subscribe(2, doc, -1, false);
            driver.await("the snapshot", 10, () -> replies.byRequest.containsKey(fetch));
            assertThat(replies.snapshot).hasSize((int)acked);
            assertThat(replies.snapshotVersion).isEqualTo(acked + 1);
        }
    }

    private static int encodeCreate(
        final ExpandableArrayBuffer buffer, final long requestId, final DocRef doc, final long docHash)
    {
        final SubmitOpEncoder e = new SubmitOpEncoder().wrapAndApplyHeader(buffer, 0, new MessageHeaderEncoder())
            .sessionId(1).requestId(requestId).docHash(docHash).baseVersion(-1).seq(requestId).edgeId(70)
            .opKind(OpKind.CREATE);
        e.componentsCount(0);
        e.collection(doc.collection()).docId(doc.docId()).source("rejects").principal("")
            .createType("text-unicode").createData("hello");
        return MessageHeaderEncoder.ENCODED_LENGTH + e.encodedLength();
    }
}
