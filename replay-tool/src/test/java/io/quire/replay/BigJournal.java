package io.quire.replay;

import io.quire.codec.ShardRouter;
import io.quire.codec.Utf8;
import io.quire.codec.protocol.ComponentKind;
import io.quire.codec.protocol.MessageHeaderDecoder;
import io.quire.codec.protocol.MessageHeaderEncoder;
import io.quire.codec.protocol.OpAckDecoder;
import io.quire.codec.protocol.OpKind;
import io.quire.codec.protocol.SubmitOpEncoder;
import io.quire.engine.Shard;
import io.quire.engine.ShardSettings;
import io.quire.engine.ring.ThreadingMode;
import io.quire.engine.shard.SequencerConfig;
import io.quire.journal.JournalContext;
import io.quire.journal.snapshot.SnapshotContext;
import org.agrona.ExpandableArrayBuffer;
import org.agrona.concurrent.SystemEpochNanoClock;
import org.agrona.concurrent.UnsafeBuffer;
import org.agrona.concurrent.status.CountersManager;

import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.Random;
import java.util.concurrent.atomic.AtomicLongArray;

/**
 * Writes a large journal through the real engine path, for the replay tool's benchmark: one {@link Shard} (journal
 * with default options, a snapshot of each document every 1000 ops), many documents each with one op in flight, so
 * the ring batches and group-commits as under load. Documents grow to about 10,000 code points and stay there.
 * <pre>
 *   java @config/jvm.options -cp &lt;test classpath&gt; io.quire.replay.BigJournal DATA_DIR RECORDS [DOCS]
 * </pre>
 */
public final class BigJournal
{
    private static final int SNAPSHOT_INTERVAL = 1000;
    private static final int MAX_LENGTH = 10_000;

    private BigJournal()
    {
    }

    /**
     * @param args data directory, records, documents (default 200).
     */
    public static void main(final String[] args)
    {
        final Path data = Path.of(args[0]);
        final long records = Long.parseLong(args[1]);
        final int docs = args.length > 2 ? Integer.parseInt(args[2]) : 200;
        final AtomicLongArray acked = new AtomicLongArray(docs);
        for (int i = 0; i < docs; i++)
        {
            acked.set(i, -2);
        }
        final CountersManager counters = new CountersManager(
            new UnsafeBuffer(ByteBuffer.allocateDirect(1 << 20)), new UnsafeBuffer(ByteBuffer.allocateDirect(1 << 18)));
        final Path dir = data.resolve("shard-0");
        final ShardSettings settings = new ShardSettings(
            new SequencerConfig(0, 100L << 20, SNAPSHOT_INTERVAL, 100_000, 4096),
            new JournalContext().dir(dir.resolve("journal")),
            new SnapshotContext().dir(dir.resolve("snapshots")),
            4096, ThreadingMode.SHARED, "backoff", 256, 1L << 30, 100_000, 50, false);
        final OpAckDecoder ack = new OpAckDecoder();
        final MessageHeaderDecoder header = new MessageHeaderDecoder();
        final Shard shard = Shard.open(settings, (edge, buffer, offset, length) ->
        {
            header.wrap(buffer, offset);
            if (header.templateId() == OpAckDecoder.TEMPLATE_ID)
            {
                ack.wrap(buffer, offset + MessageHeaderDecoder.ENCODED_LENGTH, header.blockLength(), header.version());
                acked.set((int)ack.sessionId(), ack.version());
            }
            else
            {
                System.err.println("unexpected reply template " + header.templateId());
            }
            return true;
        }, counters::newCounter, () -> 1L, new SystemEpochNanoClock());
        shard.start();

        final String[] ids = new String[docs];
        final long[] version = new long[docs];
        final int[] length = new int[docs];
        final int[] pendingDelta = new int[docs];
        final boolean[] inFlight = new boolean[docs];
        final String[] sources = {"src-alice", "src-bob", "src-carol", "src-dave"};
        final String[] principals = {"alice", "bob", "carol", ""};
        final long[] seq = new long[sources.length];
        final Random random = new Random(1);
        final Sender sender = new Sender(shard);
        final long start = System.nanoTime();
        long sent = 0;
        long lastReport = start;
        for (int d = 0; d < docs; d++)
        {
            ids[d] = "doc-" + d;
            version[d] = -1;
        }
        while (sent < records || anyInFlight(inFlight))
        {
            boolean progress = false;
            for (int d = 0; d < docs; d++)
            {
                if (inFlight[d])
                {
                    final long v = acked.get(d);
                    if (v == version[d])
                    {
                        inFlight[d] = false;
                        version[d] = v + 1;
                        length[d] += pendingDelta[d];
                        progress = true;
                    }
                    else
                    {
                        continue;
                    }
                }
                if (sent >= records)
                {
                    continue;
                }
                final int a = random.nextInt(sources.length);
                if (version[d] < 0)
                {
                    version[d] = 0;
                    pendingDelta[d] = 0;
                    sender.send(d, "big", ids[d], -1, sources[a], principals[a], ++seq[a], OpKind.CREATE, 0, 0, "");
                }
                else
                {
                    final boolean delete = length[d] > 0 && (length[d] > MAX_LENGTH || random.nextInt(5) == 0);
                    if (delete)
                    {
                        final int pos = random.nextInt(length[d]);
                        final int n = Math.min(length[d] - pos, 1 + random.nextInt(3));
                        pendingDelta[d] = -n;
                        sender.send(d, "big", ids[d], version[d], sources[a], principals[a], ++seq[a], OpKind.EDIT,
                            pos, n, null);
                    }
                    else
                    {
                        final String text = random.nextInt(8) == 0 ? "\n" : random.nextInt(20) == 0 ? "😀" :
                            String.valueOf((char)('a' + random.nextInt(26)));
                        pendingDelta[d] = 1;
                        sender.send(d, "big", ids[d], version[d], sources[a], principals[a], ++seq[a], OpKind.EDIT,
                            random.nextInt(length[d] + 1), 0, text);
                    }
                }
                inFlight[d] = true;
                sent++;
                progress = true;
            }
            if (!progress)
            {
                Thread.onSpinWait();
            }
            final long now = System.nanoTime();
            if (now - lastReport > 5_000_000_000L)
            {
                lastReport = now;
                System.err.printf("%,d ops sent, %.0f ops/s%n", sent, sent * 1e9 / (now - start));
            }
        }
        final long nanos = System.nanoTime() - start;
        shard.close();
        System.out.printf("wrote %,d ops to %s in %.1f s (%.0f ops/s)%n", sent, data, nanos / 1e9, sent * 1e9 / nanos);
    }

    private static boolean anyInFlight(final boolean[] inFlight)
    {
        for (final boolean b : inFlight)
        {
            if (b)
            {
                return true;
            }
        }
        return false;
    }

    /** Encodes SubmitOps into the ring (the producer thread only). */
    private static final class Sender
    {
        private final Shard shard;
        private final ExpandableArrayBuffer buffer = new ExpandableArrayBuffer(512);
        private final ExpandableArrayBuffer text = new ExpandableArrayBuffer(64);
        private final MessageHeaderEncoder header = new MessageHeaderEncoder();
        private final SubmitOpEncoder submit = new SubmitOpEncoder();
        private long requestId;

        Sender(final Shard shard)
        {
            this.shard = shard;
        }

        /** An op {@code [pos, insert]} or {@code [pos, {d: deleteCount}]}; a create when kind is CREATE. */
        void send(final int session, final String c, final String d, final long base, final String source,
            final String principal, final long seq, final OpKind kind, final int pos, final int deleteCount,
            final String insert)
        {
            submit.wrapAndApplyHeader(buffer, 0, header).sessionId(session).requestId(++requestId)
                .docHash(ShardRouter.docHash(c, d)).baseVersion(base).seq(seq).edgeId(1).opKind(kind);
            final int count = kind != OpKind.EDIT ? 0 : pos > 0 ? 2 : 1;
            final SubmitOpEncoder.ComponentsEncoder components = submit.componentsCount(count);
            if (kind == OpKind.EDIT)
            {
                if (pos > 0)
                {
                    components.next().kind(ComponentKind.RETAIN).length(pos).putText(text, 0, 0);
                }
                if (deleteCount > 0)
                {
                    components.next().kind(ComponentKind.DELETE).length(deleteCount).putText(text, 0, 0);
                }
                else
                {
                    final int n = Utf8.encode(insert.toCharArray(), 0, insert.length(), text, 0);
                    components.next().kind(ComponentKind.INSERT).length(insert.codePointCount(0, insert.length()))
                        .putText(text, 0, n);
                }
            }
            submit.collection(c).docId(d).source(source).principal(principal)
                .createType(kind == OpKind.CREATE ? "text-unicode" : "").createData(insert == null ? "" : insert);
            final int length = MessageHeaderEncoder.ENCODED_LENGTH + submit.encodedLength();
            while (!shard.offer(buffer, 0, length, SubmitOpEncoder.TEMPLATE_ID, System.nanoTime()))
            {
                Thread.onSpinWait();
            }
        }
    }
}
