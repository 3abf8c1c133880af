package io.quire.perf.jmh;

import io.quire.codec.CodecConstants;
import io.quire.codec.Utf8;
import io.quire.codec.protocol.MessageHeaderEncoder;
import io.quire.codec.protocol.OpKind;
import io.quire.codec.protocol.SubmitOpEncoder;
import io.quire.common.Settings;
import io.quire.engine.EngineContext;
import io.quire.engine.Shard;
import io.quire.engine.client.DocRef;
import io.quire.engine.client.EngineClient;
import io.quire.engine.ot.Rope;
import io.quire.engine.ot.TextOp;
import io.quire.engine.ot.TextUnicode;
import io.quire.engine.shard.Document;
import io.quire.engine.trace.Trace;
import io.quire.engine.trace.TraceReader;
import io.quire.test.RepoPaths;
import org.agrona.ExpandableArrayBuffer;
import org.agrona.IoUtil;
import org.agrona.concurrent.OffsetEpochNanoClock;
import org.agrona.concurrent.UnsafeBuffer;
import org.agrona.concurrent.status.CountersManager;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * One shard's three stages on the calling thread, without Aeron: the engine's own CPU cost per committed op. Each op
 * of the automerge-paper trace (from edit 60,000 on, so the documents are ~20k characters and grow) is encoded as the
 * {@code SubmitOp} an edge would send, copied into the ring, sequenced (validate, transform, apply, checksum, journal
 * record, ack), journaled into Chronicle (group commit every 64 ops) and its ack handed to a sink that drops it.
 * {@code encodeOnly} measures the SubmitOp encoding alone, to subtract.
 * <p>
 * Run: {@code java -jar perf/target/benchmarks.jar ShardPipelineBenchmark -f 1 [-prof gc]} (its 64 documents hold
 * about 12 M ops of the trace, so 8 one-second iterations would not run out even at 1.5 M ops/s: a sizing bound, not
 * a measured rate).
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
public class ShardPipelineBenchmark extends ForkWithQuireFlags
{
    private static final int BATCH = 64;
    private static final int FIRST_EDIT = 60_000;
    private static final int SOURCES = 4;
    private static final byte[] EMPTY = new byte[0];
    private static final ThreadMXBean THREADS = ManagementFactory.getThreadMXBean();

    /** Documents the ops are spread over, round robin. */
    @Param({"64"})
    public int docs;

    /** Snapshot interval (0: none), to see what periodic snapshots cost the shard thread. */
    @Param({"1000"})
    public int snapshotInterval;

    /** Slots per ring: the slots an op's data passes through cycle over the whole ring, so its size is what stays in cache. */
    @Param({"4096"})
    public int ringSize;

    /** Recent ops kept in memory per document ({@code history.max-ops}): what the commit's history entry cycles over. */
    @Param({"1000"})
    public int historyOps;

    /**
     * Documents kept in memory ({@code memory.max-docs}; 0: the engine's default). Below {@code docs}, the round
     * robin makes every op load a document and unload another: what unloading and loading cost the shard thread.
     */
    @Param({"0"})
    public int maxDocs;

    /**
     * The heap the measured ops meet. {@code allocated}: the documents, their history and the ring as they were
     * allocated, in the order the ops touched them (what a process sees until its first young collection).
     * {@code scavenged}: the same after young collections have copied them (set-up fills every document's history,
     * then allocates short-lived garbage until three young collections have run), which is what a long-running
     * engine sees: its allocation, a few bytes per op, still fills the young generation every few minutes.
     */
    @Param({"allocated"})
    public String heap;

    private Trace trace;
    private char[] chars;
    private Path dir;
    private Shard shard;
    private DocRef[] refs;
    private byte[][][] srcs;
    private int[] next;
    private int cursor;
    private long requestId;
    private final TextOp op = new TextOp(4, 64);
    private final ExpandableArrayBuffer buffer = new ExpandableArrayBuffer(4096);
    private final ExpandableArrayBuffer text = new ExpandableArrayBuffer(4096);
    private final MessageHeaderEncoder header = new MessageHeaderEncoder();
    private final SubmitOpEncoder submit = new SubmitOpEncoder();
    private long sent;
    private long iterationOps;
    private long threadCpuStart;
    private long processCpuStart;

    /** Loads the trace, opens a shard in a temp dir and creates the documents at edit 60,000. */
    @Setup(Level.Trial)
    public void open() throws IOException
    {
        trace = TraceReader.read(RepoPaths.trace("automerge-paper.json.gz"));
        chars = trace.insertChars();
        dir = Files.createTempDirectory("quire-shard-bench");
        final Map<String, String> options = new HashMap<>();
        options.put("data", dir.toString());
        options.put("shards", "1");
        options.put("threading", "single");
        options.put("snapshot.interval-ops", Integer.toString(snapshotInterval));
        options.put("ring.size", Integer.toString(ringSize));
        options.put("history.max-ops", Integer.toString(historyOps));
        if (maxDocs > 0)
        {
            options.put("memory.max-docs", Integer.toString(maxDocs));
        }
        final EngineContext ctx = new EngineContext().apply(Settings.defaults("engine", options)).conclude();
        final CountersManager counters = new CountersManager(
            new UnsafeBuffer(new byte[1 << 20]), new UnsafeBuffer(new byte[1 << 18]));
        shard = Shard.open(ctx.shardSettings(0), (edgeId, b, offset, length) -> true, counters::newCounter,
            () -> 1L, new OffsetEpochNanoClock());
        shard.start();

        final Rope start = new Rope(trace.startContent());
        final TextUnicode ot = new TextUnicode();
        for (int k = 0; k < FIRST_EDIT; k++)
        {
            traceOp(k);
            ot.apply(op, start);
        }
        final String startText = start.toString();
        refs = new DocRef[docs];
        srcs = new byte[docs][SOURCES][];
        next = new int[docs];
        for (int d = 0; d < docs; d++)
        {
            refs[d] = new DocRef("bench", "doc-" + d);
            for (int s = 0; s < SOURCES; s++)
            {
                srcs[d][s] = ("bench-" + d + "-" + s).getBytes(StandardCharsets.UTF_8);
            }
            final int length = encode(d, 0, CodecConstants.NULL_VERSION, 1, OpKind.CREATE, null, startText);
            offer(length);
            next[d] = FIRST_EDIT;
        }
        drain();
        if ("scavenged".equals(heap))
        {
            // Every document's history full first, so the collections copy what the measured ops recycle.
            for (long i = 0, n = (long)docs * historyOps; i < n; i++)
            {
                offer(nextEdit(false));
                if ((i & (BATCH - 1)) == BATCH - 1)
                {
                    drain();
                }
            }
            drain();
            System.out.printf("heap scavenged: %d young collections%n", HeapChurn.youngCollections(3));
        }
        else if (!"allocated".equals(heap))
        {
            throw new IllegalArgumentException("heap must be allocated or scavenged: " + heap);
        }
    }

    /** Notes the CPU times at the start of an iteration. */
    @Setup(Level.Iteration)
    public void startIteration()
    {
        iterationOps = sent;
        threadCpuStart = THREADS.getCurrentThreadCpuTime();
        processCpuStart = processCpuNs();
    }

    /**
     * Prints the CPU time per op of this thread and of the process (this thread plus the snapshot writer, JIT and
     * GC): unlike the wall time JMH reports, it hardly changes when other processes share the cores.
     */
    @TearDown(Level.Iteration)
    public void endIteration()
    {
        final long ops = sent - iterationOps;
        if (ops > 0)
        {
            System.out.printf(" [cpu ns/op: thread %.0f, process %.0f]", (double)(THREADS.getCurrentThreadCpuTime() -
                threadCpuStart) / ops, (double)(processCpuNs() - processCpuStart) / ops);
        }
    }

    private static long processCpuNs()
    {
        final java.lang.management.OperatingSystemMXBean os = ManagementFactory.getOperatingSystemMXBean();
        return os instanceof com.sun.management.OperatingSystemMXBean ?
            ((com.sun.management.OperatingSystemMXBean)os).getProcessCpuTime() : 0;
    }

    /** Closes the shard and deletes its files. */
    @TearDown(Level.Trial)
    public void close()
    {
        shard.close();
        IoUtil.delete(dir.toFile(), false);
    }

    /** @return sends, to keep the work alive. */
    @Benchmark
    @OperationsPerInvocation(BATCH)
    public long pipeline()
    {
        for (int i = 0; i < BATCH; i++)
        {
            offer(nextEdit(false));
        }
        drain();
        return sent;
    }

    /**
     * What unloading a document that changed since its last snapshot costs the shard thread (this thread, in the
     * {@code single} mode the set-up chose): its snapshot handed to the background writer, or written here when the
     * writer's jobs are all in flight. Each call unloads the document the op before it edited; that op, and the load
     * it needs once the round robin comes back to an unloaded document, are not measured. Run with {@code -bm sample}
     * for the distribution, and {@code -p snapshotInterval=0} so that no periodic snapshot competes for the writer.
     *
     * @param dirty the document to unload.
     * @return unloads so far.
     */
    @Benchmark
    public long unload(final DirtyDocument dirty)
    {
        shard.documents().unload(dirty.doc);
        return shard.documents().unloads();
    }

    /**
     * What loading a document back costs the shard thread, which does nothing else meanwhile: its newest snapshot
     * read, checked against the journal and built into a rope (the snapshot was written a round robin lap earlier, when
     * the document was last edited and unloaded, not measured). Run with {@code -bm sample} and
     * {@code -p snapshotInterval=0}.
     *
     * @param unloaded the document to load.
     * @return loads so far.
     */
    @Benchmark
    public long load(final UnloadedDocument unloaded)
    {
        shard.documents().load(unloaded.doc);
        return shard.documents().loads();
    }

    /** The document {@link #load} loads: unloaded (after an edit) one round robin lap before. */
    @State(Scope.Benchmark)
    public static class UnloadedDocument
    {
        Document doc;

        /**
         * Take the next document of the round robin, unloading it first on the first lap.
         *
         * @param bench the shard.
         */
        @Setup(Level.Invocation)
        public void next(final ShardPipelineBenchmark bench)
        {
            doc = bench.document(bench.cursor);
            if (doc.loaded())
            {
                bench.shard.documents().unload(doc);
            }
        }

        /**
         * Edit the document just loaded and unload it, so that its snapshot is written while the round robin goes
         * through the other documents.
         *
         * @param bench the shard.
         */
        @TearDown(Level.Invocation)
        public void editAndUnload(final ShardPipelineBenchmark bench)
        {
            bench.offer(bench.nextEdit(false));
            bench.drain();
            bench.shard.documents().unload(doc);
        }
    }

    /** The document {@link #unload} unloads: edited before each call (not measured). */
    @State(Scope.Benchmark)
    public static class DirtyDocument
    {
        Document doc;

        /**
         * Edit the next document of the round robin (loading it first if it was unloaded).
         *
         * @param bench the shard.
         */
        @Setup(Level.Invocation)
        public void edit(final ShardPipelineBenchmark bench)
        {
            final int d = bench.cursor;
            bench.offer(bench.nextEdit(false));
            bench.drain();
            doc = bench.document(d);
        }
    }

    private Document document(final int d)
    {
        return shard.documents().find(refs[d].hash(), refs[d].collectionBytes(), refs[d].docIdBytes());
    }

    /** @return encoded bytes; the share of {@link #pipeline()} that is the edge's encoding, not the engine. */
    @Benchmark
    @OperationsPerInvocation(BATCH)
    public long encodeOnly()
    {
        long bytes = 0;
        for (int i = 0; i < BATCH; i++)
        {
            bytes += nextEdit(true);
        }
        return bytes;
    }

    private int nextEdit(final boolean wrap)
    {
        final int d = cursor;
        cursor = (cursor + 1) % docs;
        if (next[d] >= trace.edits())
        {
            if (!wrap)
            {
                throw new IllegalStateException("the trace is used up: run fewer or shorter iterations");
            }
            next[d] = FIRST_EDIT;
        }
        final int k = next[d]++;
        traceOp(k);
        final long version = k - FIRST_EDIT + 1;
        return encode(d, k % SOURCES, version, k + 2, OpKind.EDIT, op, null);
    }

    private void traceOp(final int k)
    {
        op.clear().skip(trace.position(k)).delete(trace.deleteCount(k))
            .insert(chars, trace.insertStart(k), trace.insertLength(k)).trim();
    }

    private int encode(
        final int d, final int s, final long baseVersion, final long seq, final OpKind kind, final TextOp textOp,
        final String createData)
    {
        final SubmitOpEncoder e = submit.wrapAndApplyHeader(buffer, 0, header)
            .sessionId(d * SOURCES + s + 1).requestId(++requestId).docHash(refs[d].hash()).baseVersion(baseVersion)
            .seq(seq).edgeId(1).opKind(kind);
        EngineClient.putComponents(e, textOp, text);
        e.putCollection(refs[d].collectionBytes(), 0, refs[d].collectionBytes().length)
            .putDocId(refs[d].docIdBytes(), 0, refs[d].docIdBytes().length)
            .putSource(srcs[d][s], 0, srcs[d][s].length)
            .putPrincipal(EMPTY, 0, 0);
        if (kind == OpKind.CREATE)
        {
            e.createType(CodecConstants.TEXT_UNICODE_URI);
            final int bytes = Utf8.encode(createData, text, 0);
            e.putCreateData(text, 0, bytes);
        }
        else
        {
            e.putCreateType(EMPTY, 0, 0).putCreateData(EMPTY, 0, 0);
        }
        return MessageHeaderEncoder.ENCODED_LENGTH + e.encodedLength();
    }

    private void offer(final int length)
    {
        while (!shard.offer(buffer, 0, length, SubmitOpEncoder.TEMPLATE_ID, System.nanoTime()))
        {
            shard.poll();
        }
        sent++;
    }

    private void drain()
    {
        while (shard.poll() > 0)
        {
            Thread.onSpinWait();
        }
    }
}
