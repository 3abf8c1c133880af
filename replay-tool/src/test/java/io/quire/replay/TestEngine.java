package io.quire.replay;

import io.quire.codec.ShardRouter;
import io.quire.codec.Utf8;
import io.quire.codec.protocol.ComponentKind;
import io.quire.codec.protocol.MessageHeaderDecoder;
import io.quire.codec.protocol.MessageHeaderEncoder;
import io.quire.codec.protocol.OpAckDecoder;
import io.quire.codec.protocol.OpBroadcastDecoder;
import io.quire.codec.protocol.OpKind;
import io.quire.codec.protocol.OpRejectDecoder;
import io.quire.codec.protocol.DocSnapshotDecoder;
import io.quire.codec.protocol.SubmitOpEncoder;
import io.quire.codec.protocol.SubscribeEncoder;
import io.quire.codec.protocol.SubscribeMode;
import io.quire.engine.Shard;
import io.quire.engine.ShardSettings;
import io.quire.engine.ot.TextOp;
import io.quire.engine.ring.ThreadingMode;
import io.quire.engine.shard.SequencerConfig;
import io.quire.journal.JournalContext;
import io.quire.journal.snapshot.SnapshotContext;
import org.agrona.DirectBuffer;
import org.agrona.ExpandableArrayBuffer;
import org.agrona.concurrent.SystemEpochNanoClock;
import org.agrona.concurrent.UnsafeBuffer;
import org.agrona.concurrent.status.CountersManager;

import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.LongSupplier;

/**
 * Real engine shards running in this JVM on a data directory ({@code shard-N/journal}, {@code shard-N/snapshots}),
 * driven like an edge would: SubmitOp and Subscribe messages offered to the rings, replies decoded from the sink.
 * Documents are routed to shards with the engine's {@link ShardRouter}.
 */
final class TestEngine implements AutoCloseable
{
    /** A reply to one request. */
    record Reply(String type, long version, String text)
    {
    }

    /** An op as a subscriber saw it. */
    record Broadcast(String doc, long version, String kind, TextOp op, String createData)
    {
    }

    static final int SUBMIT_EDGE = 1;
    static final int WATCH_EDGE = 2;
    private static final long TIMEOUT_MS = 10_000;

    private final Shard[] shards;
    private final Map<Long, Reply> replies = new HashMap<>();
    private final List<Broadcast> broadcasts = new ArrayList<>();
    private final ExpandableArrayBuffer buffer = new ExpandableArrayBuffer(1024);
    private final ExpandableArrayBuffer text = new ExpandableArrayBuffer(1024);
    private final MessageHeaderEncoder header = new MessageHeaderEncoder();
    private final SubmitOpEncoder submit = new SubmitOpEncoder();
    private final SubscribeEncoder subscribe = new SubscribeEncoder();
    private long requestIds = 1;

    /**
     * @param dataDir          the data directory.
     * @param shardCount       shards.
     * @param snapshotInterval snapshot a document every this many ops (0: never).
     * @param epoch            the epoch stamped on records.
     * @param batchMaxRecords  journal records per excerpt.
     */
    TestEngine(final Path dataDir, final int shardCount, final int snapshotInterval, final LongSupplier epoch,
        final int batchMaxRecords)
    {
        shards = new Shard[shardCount];
        for (int i = 0; i < shardCount; i++)
        {
            final Path dir = dataDir.resolve("shard-" + i);
            final CountersManager counters = new CountersManager(
                new UnsafeBuffer(ByteBuffer.allocateDirect(1 << 20)),
                    new UnsafeBuffer(ByteBuffer.allocateDirect(1 << 18)));
            final ShardSettings settings = new ShardSettings(
                new SequencerConfig(i, 100L << 20, snapshotInterval, 100_000, 4096),
                JournalContext.forTests(dir.resolve("journal")).batchMaxRecords(batchMaxRecords),
                new SnapshotContext().dir(dir.resolve("snapshots")),
                1024, ThreadingMode.SHARED, "backoff", 64, 1L << 30, 100_000, 50, false);
            shards[i] = Shard.open(settings, this::onReply, counters::newCounter, epoch, new SystemEpochNanoClock());
            shards[i].start();
        }
    }

    private boolean onReply(final int edge, final DirectBuffer b, final int offset, final int length)
    {
        final MessageHeaderDecoder h = new MessageHeaderDecoder().wrap(b, offset);
        final int body = offset + MessageHeaderDecoder.ENCODED_LENGTH;
        synchronized (this)
        {
            switch (h.templateId())
            {
                case OpAckDecoder.TEMPLATE_ID:
                {
                    final OpAckDecoder d = new OpAckDecoder().wrap(b, body, h.blockLength(), h.version());
                    replies.put(d.requestId(), new Reply("ack", d.version(), ""));
                    break;
                }
                case OpRejectDecoder.TEMPLATE_ID:
                {
                    final OpRejectDecoder d = new OpRejectDecoder().wrap(b, body, h.blockLength(), h.version());
                    final long request = d.requestId();
                    final long current = d.currentVersion();
                    final String reason = d.reason().name();
                    d.collection();
                    d.docId();
                    d.source();
                    replies.put(request, new Reply("reject", current, reason + ": " + d.message()));
                    break;
                }
                case DocSnapshotDecoder.TEMPLATE_ID:
                {
                    final DocSnapshotDecoder d = new DocSnapshotDecoder().wrap(b, body, h.blockLength(), h.version());
                    final long request = d.requestId();
                    final long version = d.version();
                    d.collection();
                    d.docId();
                    d.docType();
                    replies.put(request, new Reply("snapshot", version, d.text()));
                    break;
                }
                case OpBroadcastDecoder.TEMPLATE_ID:
                    if (edge == WATCH_EDGE)
                    {
                        broadcasts.add(decodeBroadcast(b, body, h));
                    }
                    break;
                default:
                    break;
            }
            notifyAll();
        }
        return true;
    }

    private static Broadcast decodeBroadcast(final DirectBuffer b, final int body, final MessageHeaderDecoder h)
    {
        final OpBroadcastDecoder d = new OpBroadcastDecoder().wrap(b, body, h.blockLength(), h.version());
        final long version = d.version();
        final String kind = d.opKind().name();
        final TextOp op = new TextOp();
        for (final OpBroadcastDecoder.ComponentsDecoder c : d.components())
        {
            final String t = c.text();
            switch (c.kind())
            {
                case RETAIN:
                    op.addSkip((int)c.length());
                    break;
                case INSERT:
                    op.addInsert(t);
                    break;
                default:
                    if (t.isEmpty())
                    {
                        op.addDelete((int)c.length());
                    }
                    else
                    {
                        op.addDeleteText(t);
                    }
                    break;
            }
        }
        final String doc = d.collection() + "/" + d.docId();
        d.source();
        d.createType();
        return new Broadcast(doc, version, kind, op, d.createData());
    }

    /** @return the ops broadcast to the watching edge so far, in order. */
    synchronized List<Broadcast> takeBroadcasts()
    {
        final List<Broadcast> out = new ArrayList<>(broadcasts);
        broadcasts.clear();
        return out;
    }

    private Shard shardOf(final String c, final String d)
    {
        return shards[ShardRouter.shardFor(ShardRouter.docHash(c, d), shards.length)];
    }

    /**
     * Subscribe the watching edge to a document.
     *
     * @return the snapshot reply.
     */
    Reply watch(final String c, final String d)
    {
        final long request = requestIds++;
        subscribe.wrapAndApplyHeader(buffer, 0, header).sessionId(900).requestId(request)
            .docHash(ShardRouter.docHash(c, d)).fromVersion(-1).edgeId(WATCH_EDGE).mode(SubscribeMode.SUBSCRIBE)
            .collection(c).docId(d).principal("");
        offer(shardOf(c, d), MessageHeaderEncoder.ENCODED_LENGTH + subscribe.encodedLength(),
            SubscribeEncoder.TEMPLATE_ID);
        return await(request);
    }

    /**
     * Submit an op and wait for its ack or reject.
     *
     * @return the reply.
     */
    Reply submit(final String c, final String d, final long base, final String source, final String principal,
        final long seq, final OpKind kind, final TextOp op, final String createData)
    {
        final long request = requestIds++;
        submit.wrapAndApplyHeader(buffer, 0, header)
            .sessionId(1).requestId(request).docHash(ShardRouter.docHash(c, d)).baseVersion(base).seq(seq)
            .edgeId(SUBMIT_EDGE).opKind(kind);
        final SubmitOpEncoder.ComponentsEncoder components = submit.componentsCount(op == null ? 0 : op.size());
        if (op != null)
        {
            for (int i = 0; i < op.size(); i++)
            {
                final ComponentKind k = op.kind(i) == TextOp.SKIP ? ComponentKind.RETAIN :
                    op.kind(i) == TextOp.INSERT ? ComponentKind.INSERT : ComponentKind.DELETE;
                components.next().kind(k).length(op.length(i));
                final int n = op.hasText(i) ? Utf8.encode(op.textBuffer(), op.textStart(i), op.textLength(i), text,
                    0) : 0;
                components.putText(text, 0, n);
            }
        }
        submit.collection(c).docId(d).source(source).principal(principal)
            .createType(kind == OpKind.CREATE ? "text-unicode" : "").createData(createData == null ? "" : createData);
        offer(shardOf(c, d), MessageHeaderEncoder.ENCODED_LENGTH + submit.encodedLength(), SubmitOpEncoder.TEMPLATE_ID);
        return await(request);
    }

    private void offer(final Shard shard, final int length, final int templateId)
    {
        final long deadline = System.currentTimeMillis() + TIMEOUT_MS;
        while (!shard.offer(buffer, 0, length, templateId, System.nanoTime()))
        {
            if (System.currentTimeMillis() > deadline)
            {
                throw new IllegalStateException("ring full for " + TIMEOUT_MS + " ms");
            }
            Thread.onSpinWait();
        }
    }

    private synchronized Reply await(final long request)
    {
        final long deadline = System.currentTimeMillis() + TIMEOUT_MS;
        while (!replies.containsKey(request))
        {
            final long left = deadline - System.currentTimeMillis();
            if (left <= 0)
            {
                throw new IllegalStateException("no reply to request " + request + " in " + TIMEOUT_MS + " ms");
            }
            try
            {
                wait(left);
            }
            catch (final InterruptedException ex)
            {
                Thread.currentThread().interrupt();
                throw new IllegalStateException(ex);
            }
        }
        return replies.remove(request);
    }

    @Override
    public void close()
    {
        for (final Shard shard : shards)
        {
            shard.close();
        }
    }
}
