package io.quire.perf.engine;

import io.aeron.Aeron;
import io.quire.perf.Hgrm;

import io.quire.codec.protocol.RejectReason;
import io.quire.codec.protocol.RequestKind;
import io.quire.common.ConfigException;
import io.quire.common.IdleStrategies;
import io.quire.common.Settings;
import io.quire.common.TimerSlack;
import io.quire.common.WakeableIdleStrategy;
import io.quire.engine.EngineContext;
import io.quire.engine.EngineNode;
import io.quire.engine.client.DocRef;
import io.quire.engine.client.EngineClient;
import io.quire.engine.ot.Rope;
import io.quire.engine.ot.TextOp;
import io.quire.engine.ot.TextUnicode;
import io.quire.engine.trace.Trace;
import io.quire.engine.trace.TraceReader;
import org.HdrHistogram.Histogram;
import org.agrona.concurrent.IdleStrategy;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import java.util.stream.Stream;

/**
 * {@code scripts/quire bench-engine}: an engine node in this process (embedded driver, IPC ingress and replies,
 * journal under {@code --data}) driven by one client thread that replays an editing trace into many documents.
 * <p>
 * Every document replays the trace from its start; its ops are sent in order with exact base versions (the one
 * submitting thread knows each document's version: op k of a document commits at version k + 1), spread round-robin
 * over the documents and over several sources per document. Closed loop by default (as fast as acks allow, at most
 * {@code --window} ops outstanding), or open loop at {@code --rate} ops/s with latency measured from each op's
 * planned send time, so a stall shows up in every op it delays (no coordinated omission).
 */
@Command(
    name = "bench-engine",
    mixinStandardHelpOptions = true,
    version = "quire bench-engine 0.1.0",
    sortOptions = false,
    description = {
        "Benchmarks an in-process engine node over Aeron IPC with an editing trace spread over many documents.",
        "",
        "Prints exactly one line at the end:",
        "  RESULT ops_per_s=<n> p50_us=<n> p99_us=<n> p999_us=<n> max_us=<n>",
        "(client-side submit-to-ack latency over the measured period), writes the latency histogram as an .hgrm " +
            "file, logs the engine's own commit and journal batch-commit percentiles, and checks every document's " +
            "text against the trace (exit 1 if one differs)."
    },
    exitCodeListHeading = "%nExit codes:%n",
    exitCodeList = {
        "0:benchmark ran and every document matched",
        "1:a document differed, an op was rejected, or acks stopped coming",
        "2:bad usage or configuration"
    })
public final class BenchEngineCommand implements Callable<Integer>
{
    private static final Logger LOG = LoggerFactory.getLogger(BenchEngineCommand.class);
    private static final int EDGE_ID = 1000;
    /** How often the client loop does its periodic work (warm-up recorder flips, measurement start, reports). */
    private static final long TICK_NS = TimeUnit.MILLISECONDS.toNanos(100);
    private static final int REPLY_STREAM = 2001;
    private static final long MAX_LATENCY_NS = TimeUnit.SECONDS.toNanos(60);
    private static final int SEND_RING = 1 << 20;
    private static final long MAX_PACING_PARK_NS = TimeUnit.MILLISECONDS.toNanos(1);
    private static final long HICCUP_INTERVAL_NS = TimeUnit.MICROSECONDS.toNanos(500);

    @Spec
    private CommandSpec spec;

    @Option(names = "--trace", required = true, paramLabel = "FILE", description = "Editing trace (*.json.gz).")
    private Path traceFile;

    @Option(names = "--data", required = true, paramLabel = "DIR",
        description = "Data directory for the journal and snapshots (must be empty or absent unless --clean).")
    private Path data;

    @Option(names = "--clean", description = "Delete the data directory's contents first. For comparisons prefer " +
        "a new --data directory per run: for minutes after a mass delete ext4 allocates new inodes slowly, and the " +
        "snapshot threads' CPU per op doubles or triples.")
    private boolean clean;

    @Option(names = "--shards", paramLabel = "N", defaultValue = "2", description = "Shards (default: ${DEFAULT-VALUE}).")
    private int shards;

    @Option(names = "--sync", paramLabel = "POLICY", defaultValue = "write",
        description = "Journal durability: write or sync (default: ${DEFAULT-VALUE}).")
    private String durability;

    @Option(names = "--docs", paramLabel = "N", defaultValue = "64", description = "Documents (default: ${DEFAULT-VALUE}).")
    private int docs;

    @Option(names = "--sources", paramLabel = "N", defaultValue = "4",
        description = "Sources (src, session) per document (default: ${DEFAULT-VALUE}).")
    private int sources;

    @Option(names = "--window", paramLabel = "N", defaultValue = "2048",
        description = "Most ops outstanding (closed loop; also the open loop's cap); keep it below a shard's ring.size " +
            "(4096 by default) or ops are refused as OVERLOADED (default: ${DEFAULT-VALUE}).")
    private int window;

    @Option(names = "--rate", paramLabel = "OPS", defaultValue = "0",
        description = "Open loop at this many ops/s; 0 = closed loop, maximum throughput (default).")
    private long rate;

    @Option(names = "--send-interval", paramLabel = "DURATION", defaultValue = "0",
        description = "Open loop: the client sends the ops that are due at most this often (e.g. 50us: in bursts " +
            "every 50 µs instead of one op every 10 µs at 100k ops/s), so that it costs a fraction of a core; each " +
            "op's latency still counts from its own planned send time, so the wait is included (default: " +
            "${DEFAULT-VALUE}, every op at its time).")
    private String sendInterval;

    @Option(names = "--warmup", paramLabel = "S", defaultValue = "5", description = "Warm-up seconds (default: ${DEFAULT-VALUE}).")
    private double warmupSeconds;

    @Option(names = "--duration", paramLabel = "S", defaultValue = "10",
        description = "Measured seconds (default: ${DEFAULT-VALUE}).")
    private double durationSeconds;

    @Option(names = "--max-ops", paramLabel = "N", defaultValue = "0",
        description = "Stop after this many ops in total (0: no limit).")
    private long maxOps;

    @Option(names = "--hgrm", paramLabel = "FILE",
        description = "Histogram output (default: bench-results/bench-engine-<sync>-<max|rate>.hgrm).")
    private Path hgrm;

    @Option(names = "--threading", paramLabel = "MODE", defaultValue = "single",
        description = "Engine threading: single, shared or dedicated (default: ${DEFAULT-VALUE}, the engine's).")
    private String threading;

    @Option(names = "--client-idle", paramLabel = "NAME",
        description = "Client thread idle strategy when it has nothing to do (default: " + IdleStrategies.WOKEN +
            " with --wake, else backoff).")
    private String clientIdle;

    @Option(names = "--wake", negatable = true, defaultValue = "false", fallbackValue = "true",
        description = "Wire the client and the engine as the all-in-one server wires its edge and engine: each wakes " +
            "the other's parked thread when it hands it messages over IPC, and both park for whole milliseconds " +
            "when idle (engine idle-strategy " + IdleStrategies.WOKEN + " unless set with --set). Off: both poll " +
            "with their idle strategies' backoff, as separate processes must (default: ${DEFAULT-VALUE}).")
    private boolean wake;

    @Option(names = "--set", paramLabel = "OPTION=VALUE", description = "Any engine option (journal.* for the journal).")
    private List<String> sets = new ArrayList<>();

    @Option(names = "--report-interval", paramLabel = "S", defaultValue = "0",
        description = "Also log the latency of every S seconds of the run (0: only the whole run).")
    private double reportSeconds;

    @Option(names = "--floor", description = "Measure the harness alone: instead of the engine node, a stand-in " +
        "on the same driver, channel, idle strategy and thread model that acknowledges every op at once without " +
        "validating, sequencing, journaling or snapshotting it. Its ops/s is the ceiling this machine leaves the " +
        "client and Aeron IPC; the engine's own work has to fit in what it leaves. Documents are not verified.")
    private boolean floor;

    @Option(names = "--reopen", description = "After the run, close the engine, reopen it on the same data and log " +
        "the recovery time, then check the documents again.")
    private boolean reopen;

    private final TextOp op = new TextOp(4, 64);
    private final TextUnicode ot = new TextUnicode();

    // Per-op bookkeeping, indexed by request id modulo SEND_RING.
    private final long[] sendTimes = new long[SEND_RING];
    private final long[] sendIds = new long[SEND_RING];
    private final Histogram latency = new Histogram(MAX_LATENCY_NS, 3);
    // byWindow[0] is latency (ops sent in the measured window), byWindow[1] the others, never read.
    private final Histogram[] byWindow = {latency, new Histogram(MAX_LATENCY_NS, 3)};
    private final Histogram interval = new Histogram(MAX_LATENCY_NS, 3);
    private final Histogram whole = new Histogram(MAX_LATENCY_NS, 3);
    // Open loop: how late each op left the client after its planned send time (index as byWindow). Ops that leave
    // late leave together: a client held off its CPU for 2 ms then sends 200 ops at once at 100k ops/s, and the
    // engine takes them in one poll.
    private final Histogram[] sendLateness = {new Histogram(MAX_LATENCY_NS, 3), new Histogram(MAX_LATENCY_NS, 3)};

    private volatile Runnable clientWaker = () -> { };
    private Histogram hiccups;
    private long outstanding;
    private long acked;
    private long measuredAcks;
    private long measureStartNs = Long.MAX_VALUE;
    private long measureEndNs = Long.MAX_VALUE;
    private long cpuStartNs;
    private long cpuEndNs;
    private ThreadCpu threadsStart;
    private ThreadCpu threadsEnd;
    private GcActivity gcStart;
    private GcActivity gcEnd;
    private String failure;

    /**
     * Entry point.
     *
     * @param args command line.
     */
    public static void main(final String[] args)
    {
        System.exit(new CommandLine(new BenchEngineCommand()).execute(args));
    }

    @Override
    public Integer call() throws IOException
    {
        final PrintWriter out = spec.commandLine().getOut();
        if (docs < 1 || sources < 1 || window < 1 || window > SEND_RING / 2 || rate < 0 || warmupSeconds < 0 ||
            durationSeconds <= 0)
        {
            throw new CommandLine.ParameterException(spec.commandLine(),
                "--docs, --sources, --window (<= " + SEND_RING / 2 + ") and --duration must be positive");
        }
        if (floor && (wake || reopen))
        {
            throw new CommandLine.ParameterException(spec.commandLine(),
                "--floor measures the harness alone: it takes neither --wake nor --reopen");
        }
        prepareDataDir();
        final Trace trace = TraceReader.read(traceFile);
        LOG.info("trace {}: {} edits, end content {} chars", trace.name(), trace.edits(), trace.endContent().length());

        final EngineContext ctx;
        try
        {
            ctx = context();
            if (wake)
            {
                ctx.egressWaker(() -> clientWaker.run());
            }
            ctx.conclude();
        }
        catch (final ConfigException ex)
        {
            spec.commandLine().getErr().println("quire bench-engine: " + ex.getMessage());
            return 2;
        }
        ctx.describe().forEach((name, value) -> LOG.info("engine option {} = {}", name, value));

        final Path histogramFile = hgrm != null ? hgrm : Path.of("bench-results",
            "bench-engine-" + durability + "-" + (rate > 0 ? rate + "ops" : "max") + ".hgrm");
        final int[] applied = new int[docs];
        final long timerSlackNs = ctx.timerSlackNs() > 0 ? ctx.timerSlackNs() : EngineContext.TIMER_SLACK_DEFAULT_NS;
        Histogram commit = null;
        Histogram journal = null;
        Histogram batches = null;
        if (floor)
        {
            try (FloorEngine stand = new FloorEngine(ctx);
                HiccupMeter hiccupMeter = new HiccupMeter(HICCUP_INTERVAL_NS, timerSlackNs))
            {
                LOG.info("floor: no engine; the quire-floor thread acknowledges every op as it arrives");
                if (!new Run(Target.of(stand), timerSlackNs, trace, hiccupMeter).execute(applied))
                {
                    spec.commandLine().getErr().println("quire bench-engine: " + failure +
                        (stand.droppedAcks() > 0 ? " (" + stand.droppedAcks() + " acks dropped on back-pressure)" : ""));
                    return 1;
                }
            }
        }
        else
        {
            try (EngineNode node = EngineNode.launch(ctx);
                HiccupMeter hiccupMeter = new HiccupMeter(HICCUP_INTERVAL_NS, timerSlackNs))
            {
                if (!new Run(Target.of(node), timerSlackNs, trace, hiccupMeter).execute(applied))
                {
                    spec.commandLine().getErr().println("quire bench-engine: " + failure);
                    return 1;
                }
                commit = node.metrics().commitLatency();
                journal = node.metrics().journalCommitLatency();
                batches = node.metrics().batchSlots();
                logWriteVolume(node, applied);
                final String mismatch = verify(node, trace, applied);
                if (mismatch != null)
                {
                    spec.commandLine().getErr().println("quire bench-engine: " + mismatch);
                    return 1;
                }
            }
        }

        final double seconds = (measureEndNs - measureStartNs) / 1e9;
        final long opsPerSecond = Math.round(measuredAcks / seconds);
        if (cpuEndNs > cpuStartNs && measuredAcks > 0)
        {
            LOG.info("measured {} ops in {} s: {} ops/s, process CPU {} us per op ({} cores busy on average)",
                measuredAcks, String.format(Locale.ROOT, "%.2f", seconds), opsPerSecond,
                String.format(Locale.ROOT, "%.2f", (cpuEndNs - cpuStartNs) / 1000.0 / measuredAcks),
                String.format(Locale.ROOT, "%.2f", (cpuEndNs - cpuStartNs) / 1e9 / seconds));
        }
        if (threadsStart != null && threadsEnd != null)
        {
            // java: the bench client (main thread); quire-*: the engine; C1/C2, GC: the JVM's own.
            LOG.info("CPU per op by thread over the measured period, us (Linux /proc, 10 ms ticks): {}",
                threadsEnd.perOp(threadsStart, measuredAcks));
            // The ways a thread with work is kept off its CPU: other runnable threads (run-queue wait, forced
            // switches) and the hypervisor (steal). An idle strategy's sched_yield counts as a forced switch, and
            // the time until the thread runs again as run-queue wait, so at low load part of the figure is idling.
            LOG.info("run-queue wait over the measured period (share of the period runnable but not running / " +
                "forced switches per s, yields included; Linux schedstat), and the CPUs' steal: {}",
                threadsEnd.runQueue(threadsStart, measureEndNs - measureStartNs, 6));
        }
        if (gcStart != null && gcEnd != null)
        {
            // A young collection moves the engine's long-lived objects (history entries, ring slots) out of the
            // order the commits touch them, after which the shard threads take more CPU per op (GcActivity): a run
            // with no collection before its measured period measures a heap a long-running engine does not keep.
            LOG.info("garbage collections before the measured period: {}; during it: {}", gcStart.since(null),
                gcEnd.since(gcStart));
        }
        if (commit != null)
        {
            LOG.info("engine commit latency (ingress to ack handed to Aeron) us: p50={} p99={} p99.9={} max={} n={}",
                us(commit, 50), us(commit, 99), us(commit, 99.9), us(commit.getMaxValue()), commit.getTotalCount());
        }
        if (rate > 0)
        {
            final Histogram late = sendLateness[0];
            LOG.info("client send lateness (open loop: each op's send time after its planned time; ops sent late " +
                "arrive together) us: p50={} p99={} p99.9={} max={} n={}", us(late, 50), us(late, 99), us(late, 99.9),
                us(late.getMaxValue()), late.getTotalCount());
        }
        if (hiccups != null)
        {
            LOG.info("machine hiccups over the measured period (a thread parking {} us at a time, how late it woke) " +
                "us: p50={} p99={} p99.9={} max={} n={}", HICCUP_INTERVAL_NS / 1000, us(hiccups, 50),
                us(hiccups, 99), us(hiccups, 99.9), us(hiccups.getMaxValue()), hiccups.getTotalCount());
        }
        if (journal != null)
        {
            LOG.info("engine journal batch commit us: p50={} p99={} p99.9={} max={} batches={}",
                us(journal, 50), us(journal, 99), us(journal, 99.9), us(journal.getMaxValue()), journal.getTotalCount());
            LOG.info("engine ring batches (commands per journal group commit, acked together): p50={} p99={} p99.9={} " +
                "max={} mean={} batches={}", batches.getValueAtPercentile(50), batches.getValueAtPercentile(99),
                batches.getValueAtPercentile(99.9), batches.getMaxValue(),
                String.format(Locale.ROOT, "%.2f", batches.getMean()), batches.getTotalCount());
        }
        Hgrm.write(latency, histogramFile, Hgrm.MICROS);
        LOG.info("histogram (us) written to {}", histogramFile.toAbsolutePath());

        if (reopen)
        {
            final String mismatch = reopenAndVerify(ctx, trace, applied);
            if (mismatch != null)
            {
                spec.commandLine().getErr().println("quire bench-engine: after reopening: " + mismatch);
                return 1;
            }
        }
        out.println(String.format(Locale.ROOT, "RESULT ops_per_s=%d p50_us=%d p99_us=%d p999_us=%d max_us=%d",
            opsPerSecond, us(latency, 50), us(latency, 99), us(latency, 99.9), us(latency.getMaxValue())));
        out.flush();
        return 0;
    }

    /** @return open loop: each measured op's send time after its planned time, ns (empty closed loop). */
    Histogram sendLateness()
    {
        return sendLateness[0];
    }

    private static long processCpuNs()
    {
        final java.lang.management.OperatingSystemMXBean os =
            java.lang.management.ManagementFactory.getOperatingSystemMXBean();
        return os instanceof com.sun.management.OperatingSystemMXBean ?
            ((com.sun.management.OperatingSystemMXBean)os).getProcessCpuTime() : 0;
    }

    private static long us(final Histogram h, final double percentile)
    {
        return us(h.getValueAtPercentile(percentile));
    }

    private static long us(final long nanos)
    {
        return Math.round(nanos / 1000.0);
    }

    private void prepareDataDir() throws IOException
    {
        if (Files.isDirectory(data))
        {
            try (Stream<Path> entries = Files.list(data))
            {
                if (entries.findAny().isPresent())
                {
                    if (!clean)
                    {
                        throw new CommandLine.ParameterException(spec.commandLine(),
                            "--data " + data + " is not empty: use --clean to delete its contents");
                    }
                    try (Stream<Path> walk = Files.walk(data))
                    {
                        for (final Path p : walk.sorted(Comparator.reverseOrder()).toList())
                        {
                            if (!p.equals(data))
                            {
                                Files.delete(p);
                            }
                        }
                    }
                }
            }
        }
        Files.createDirectories(data);
    }

    private EngineContext context()
    {
        final Map<String, String> engine = new HashMap<>();
        final Map<String, String> journal = new HashMap<>();
        for (final Map.Entry<String, String> e : Settings.parsePairs(sets).entrySet())
        {
            if (e.getKey().startsWith("journal."))
            {
                journal.put(e.getKey().substring("journal.".length()), e.getValue());
            }
            else
            {
                engine.put(e.getKey(), e.getValue());
            }
        }
        engine.putIfAbsent("data", data.toString());
        engine.putIfAbsent("shards", Integer.toString(shards));
        engine.putIfAbsent("ingress.channel", "aeron:ipc");
        engine.putIfAbsent("threading", threading);
        if (wake && !"dedicated".equalsIgnoreCase(engine.get("threading")))
        {
            engine.putIfAbsent("idle-strategy", IdleStrategies.WOKEN);
        }
        journal.putIfAbsent("durability", durability);
        final Settings settings = Settings.load("engine", engine, null);
        return new EngineContext().apply(settings).journalSettings(settings.forComponent("journal", journal));
    }

    /**
     * What a run drives: the engine node, or the floor's stand-in.
     *
     * @param aeron          the Aeron client the bench client shares.
     * @param ingressChannel where commands go.
     * @param ingressStream  their stream id.
     * @param ingressWaker   ends the ingress thread's idle park early ({@code --wake}).
     * @param resetLatencies drains the engine's latency recorders (during the warm-up).
     */
    private record Target(
        Aeron aeron, String ingressChannel, int ingressStream, Runnable ingressWaker, Runnable resetLatencies)
    {
        static Target of(final EngineNode node)
        {
            return new Target(node.aeron(), node.ingressChannel(), node.ingressStream(), node.ingressWaker(),
                () -> node.metrics().resetLatencies());
        }

        static Target of(final FloorEngine floor)
        {
            return new Target(floor.aeron(), floor.ingressChannel(), floor.ingressStream(), floor.ingressWaker(),
                () -> { });
        }
    }

    /** One benchmark run against a running node (or the floor). */
    private final class Run implements EngineClient.Listener
    {
        private final Target target;
        private final long timerSlackNs;
        private final Trace trace;
        private final DocRef[] refs = new DocRef[docs];
        private final byte[][][] srcs = new byte[docs][sources][];
        private final long[][] seqs = new long[docs][sources];
        private final int[] next = new int[docs];
        private final char[] chars;
        private int cursor;
        private int exhausted;
        private long sent;
        private int creates;
        private EngineClient client;
        private final HiccupMeter hiccupMeter;

        Run(final Target target, final long timerSlackNs, final Trace trace, final HiccupMeter hiccupMeter)
        {
            this.target = target;
            this.timerSlackNs = timerSlackNs;
            this.hiccupMeter = hiccupMeter;
            this.trace = trace;
            this.chars = trace.insertChars();
            for (int d = 0; d < docs; d++)
            {
                refs[d] = new DocRef("bench", "doc-" + d);
                for (int s = 0; s < sources; s++)
                {
                    srcs[d][s] = ("bench-" + d + "-" + s).getBytes(StandardCharsets.UTF_8);
                }
            }
        }

        private long session(final int d, final int s)
        {
            return (long)d * sources + s + 1;
        }

        boolean execute(final int[] applied)
        {
            final IdleStrategy idle = IdleStrategies.parse(
                clientIdle != null ? clientIdle : wake ? IdleStrategies.WOKEN : "backoff");
            final WakeableIdleStrategy wakeable = idle instanceof WakeableIdleStrategy ?
                (WakeableIdleStrategy)idle : null;
            final Runnable engineWaker = wake ? target.ingressWaker() : () -> { };
            if (wake)
            {
                clientWaker = IdleStrategies.waker(idle);
            }
            if (!TimerSlack.setForCurrentThread(timerSlackNs))
            {
                LOG.info("client timer slack left at the system's");
            }
            client = EngineClient.connectTool(target.aeron(), target.ingressChannel(), target.ingressStream(), EDGE_ID,
                "aeron:ipc", REPLY_STREAM, this);
            try
            {
                if (!await("the engine", () -> client.isEngineUp(), 10))
                {
                    return false;
                }
                for (int d = 0; d < docs; d++)
                {
                    while (client.submitCreate(session(d, 0), refs[d], -1, srcs[d][0], ++seqs[d][0],
                        trace.startContent()) < 0)
                    {
                        client.poll(256);
                    }
                }
                engineWaker.run();
                if (!await("create acks", () -> creates == docs, 30))
                {
                    return false;
                }
                LOG.info("{} documents created; {} {} for {} s after {} s of warm-up", docs,
                    rate > 0 ? "open loop at" : "closed loop, window", rate > 0 ? rate + " ops/s" : window,
                    durationSeconds, warmupSeconds);

                final long runCpuStartNs = processCpuNs();
                final ThreadCpu runThreadsStart = ThreadCpu.snapshot();
                final GcActivity runGcStart = GcActivity.snapshot();
                final long start = System.nanoTime();
                final long warmEnd = start + (long)(warmupSeconds * 1e9);
                final long end = warmEnd + (long)(durationSeconds * 1e9);
                final double period = rate > 0 ? 1e9 / rate : 0;
                final long sendIntervalNs = org.agrona.SystemUtil.parseDuration("--send-interval", sendInterval);
                long nextSendNs = start;
                long planned = 0;
                final Housekeeping housekeeping = new Housekeeping(start, warmEnd);
                long nextTick = start;
                while (failure == null)
                {
                    final long now = System.nanoTime();
                    if (now - nextTick >= 0)
                    {
                        // Taken every 100 ms from the start, so the JIT compiles this branch like any other (see
                        // Housekeeping): the warm-up's end changes nothing in the loop's code.
                        nextTick = housekeeping.tick(now);
                    }
                    if (now - end >= 0 || exhausted == docs || (maxOps > 0 && sent >= maxOps))
                    {
                        measureEndNs = Math.min(now, end);
                        cpuEndNs = processCpuNs();
                        threadsEnd = ThreadCpu.snapshot();
                        gcEnd = GcActivity.snapshot();
                        hiccups = hiccupMeter.take();
                        break;
                    }
                    int work = client.poll(256);
                    final long sentBefore = sent;
                    if (rate == 0)
                    {
                        while (outstanding < window && exhausted < docs && (maxOps == 0 || sent < maxOps))
                        {
                            if (!sendNext(System.nanoTime()))
                            {
                                break;
                            }
                            work++;
                        }
                        if (sent != sentBefore)
                        {
                            engineWaker.run();
                        }
                    }
                    else
                    {
                        long due = start + (long)(planned * period);
                        long sendNs = System.nanoTime();
                        while (now - nextSendNs >= 0 && due - sendNs <= 0 && outstanding < window &&
                            exhausted < docs)
                        {
                            if (!sendNext(due))
                            {
                                break;
                            }
                            sendLateness[outside(due)].recordValue(Math.min(MAX_LATENCY_NS, sendNs - due));
                            sendNs = System.nanoTime();
                            planned++;
                            due = start + (long)(planned * period);
                            work++;
                        }
                        if (sent != sentBefore)
                        {
                            engineWaker.run();
                            nextSendNs = now + sendIntervalNs;
                        }
                        if (work == 0 && outstanding < window)
                        {
                            // Sleep until the next op is due (acks that arrive meanwhile wait at most that long to
                            // be timed): the open loop then costs CPU per op, not a core.
                            final long wait = Math.max(due, nextSendNs) - System.nanoTime();
                            if (wait > 0)
                            {
                                // Woken early by the engine when replies arrive (--wake), so acks are timed on
                                // arrival even at low rates.
                                if (wakeable != null)
                                {
                                    wakeable.parkAtMost(Math.min(wait, MAX_PACING_PARK_NS));
                                }
                                else
                                {
                                    LockSupport.parkNanos(Math.min(wait, MAX_PACING_PARK_NS));
                                }
                            }
                            idle.reset();
                            continue;
                        }
                    }
                    if (work == 0)
                    {
                        idle.idle();
                    }
                    else
                    {
                        idle.reset();
                    }
                }
                if (failure != null)
                {
                    return false;
                }
                final boolean endedInWarmup = measureStartNs == Long.MAX_VALUE;
                LOG.info("sent {} ops; draining {} outstanding", sent, outstanding);
                if (!await("the outstanding acks", () -> outstanding == 0, 60))
                {
                    return false;
                }
                if (endedInWarmup)
                {
                    // Too few ops for the warm-up (--max-ops, or a short trace): report the whole run instead of
                    // nothing, and say so.
                    LOG.warn("the run ended during the warm-up: the figures cover all {} ops, warm-up included", acked);
                    measureStartNs = start;
                    measureEndNs = System.nanoTime();
                    cpuStartNs = runCpuStartNs;
                    cpuEndNs = processCpuNs();
                    threadsStart = runThreadsStart;
                    threadsEnd = ThreadCpu.snapshot();
                    gcStart = runGcStart;
                    gcEnd = GcActivity.snapshot();
                    measuredAcks = acked;
                    latency.add(whole);
                }
                System.arraycopy(next, 0, applied, 0, docs);
                return true;
            }
            finally
            {
                client.close();
            }
        }

        /**
         * The client loop's periodic work, every {@link #TICK_NS} from the start of the run: during the warm-up it
         * drains the engine's latency recorders and the hiccup meter each time (what a metrics scrape does), so
         * that the recorders' writers (the engine's threads) have run through both phases of HdrHistogram's
         * writer-reader phaser before the measurement starts; the one reset at the warm-up's end would otherwise be
         * the first flip, and deoptimise the engine's compiled batch loop (where the recording is inlined) in the
         * first milliseconds measured. At the warm-up's end it starts the measurement; it logs the per-interval
         * reports. Not inlined into the loop (it is large and called rarely), so its own branches cannot
         * deoptimise the loop.
         */
        private final class Housekeeping
        {
            private final long start;
            private final long warmEnd;
            private final long reportNs = (long)(reportSeconds * 1e9);
            private long nextReport;
            private boolean measuring;

            Housekeeping(final long start, final long warmEnd)
            {
                this.start = start;
                this.warmEnd = warmEnd;
                nextReport = reportNs > 0 ? start + reportNs : Long.MAX_VALUE;
            }

            /** @return when to call again. */
            long tick(final long now)
            {
                if (!measuring)
                {
                    target.resetLatencies().run();
                    hiccupMeter.reset();
                    if (now - warmEnd >= 0)
                    {
                        measuring = true;
                        measureStartNs = warmEnd;
                        latency.reset();
                        cpuStartNs = processCpuNs();
                        threadsStart = ThreadCpu.snapshot();
                        gcStart = GcActivity.snapshot();
                    }
                }
                if (now - nextReport >= 0)
                {
                    nextReport += reportNs;
                    LOG.info("{} s: {} acks, latency us p50={} p99={} max={}, outstanding {}",
                        String.format(Locale.ROOT, "%.1f", (now - start) / 1e9), interval.getTotalCount(),
                        us(interval, 50), us(interval, 99), us(interval.getMaxValue()), outstanding);
                    interval.reset();
                }
                final long next = now + TICK_NS;
                // Land on the warm-up's end exactly: the measurement starts there, not up to a tick later.
                return !measuring && next - warmEnd > 0 ? warmEnd : next;
            }
        }

        private boolean sendNext(final long sendTime)
        {
            int d = cursor;
            int tries = 0;
            while (next[d] >= trace.edits())
            {
                d = (d + 1) % docs;
                if (++tries > docs)
                {
                    return false;
                }
            }
            final int k = next[d];
            op.clear().skip(trace.position(k)).delete(trace.deleteCount(k))
                .insert(chars, trace.insertStart(k), trace.insertLength(k)).trim();
            final int s = k % sources;
            final long requestId = client.submitEdit(session(d, s), refs[d], k + 1, srcs[d][s], seqs[d][s] + 1, op);
            if (requestId < 0)
            {
                return false;
            }
            seqs[d][s]++;
            if (++next[d] == trace.edits())
            {
                exhausted++;
            }
            cursor = (d + 1) % docs;
            final int slot = (int)(requestId & (SEND_RING - 1));
            if (sendIds[slot] != 0)
            {
                failure = "more than " + SEND_RING + " requests outstanding";
            }
            sendIds[slot] = requestId;
            sendTimes[slot] = sendTime;
            outstanding++;
            sent++;
            return true;
        }

        @Override
        public void onAck(final long sessionId, final long requestId, final long docHash, final long version,
            final long seq)
        {
            if (creates < docs)
            {
                creates++;
                return;
            }
            final int slot = (int)(requestId & (SEND_RING - 1));
            if (sendIds[slot] != requestId)
            {
                failure = "ack for unknown request " + requestId;
                return;
            }
            sendIds[slot] = 0;
            final long now = System.nanoTime();
            final long sentAt = sendTimes[slot];
            outstanding--;
            acked++;
            final long nanos = Math.min(MAX_LATENCY_NS, Math.max(0, now - sentAt));
            // No branch on the measured window here: a branch never taken in the warm-up is compiled as a trap, and
            // the first measured ack would then deoptimise this path (and the client loop it is inlined into) just
            // as the measurement starts. Ops sent outside the window go to a histogram nobody reads.
            byWindow[outside(sentAt)].recordValue(nanos);
            interval.recordValue(nanos);
            whole.recordValue(nanos);
            measuredAcks += 1 - outside(now);
        }

        /** @return 0 if {@code time} is in [measureStartNs, measureEndNs), else 1 (without a branch). */
        private int outside(final long time)
        {
            return (int)(((time - measureStartNs) >>> 63) | ((measureEndNs - 1 - time) >>> 63));
        }

        @Override
        public void onReject(final long sessionId, final long requestId, final long docHash, final long seq,
            final RejectReason reason, final long currentVersion, final String message)
        {
            failure = "op rejected (session " + sessionId + ", seq " + seq + "): " + reason + ": " + message;
        }

        private boolean await(final String what, final java.util.function.BooleanSupplier done, final int seconds)
        {
            final long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
            final IdleStrategy idle = IdleStrategies.parse("backoff");
            while (!done.getAsBoolean())
            {
                if (failure != null)
                {
                    return false;
                }
                if (System.nanoTime() - deadline > 0)
                {
                    failure = "timed out after " + seconds + " s waiting for " + what;
                    return false;
                }
                idle.idle(client.poll(256));
            }
            return failure == null;
        }
    }

    /** What the run (warm-up included) wrote: journal and periodic snapshot bytes, per op and in total. */
    private static void logWriteVolume(final EngineNode node, final int[] applied)
    {
        long ops = 0;
        for (final int a : applied)
        {
            ops += a;
        }
        long journalBytes = 0;
        long snapshotFiles = 0;
        long snapshotBytes = 0;
        for (int s = node.context().shardBegin(); s < node.context().shardEnd(); s++)
        {
            journalBytes += node.shard(s).journalBytes();
            snapshotFiles += node.shard(s).snapshotFiles();
            snapshotBytes += node.shard(s).snapshotBytes();
        }
        final double perOp = Math.max(1, ops);
        LOG.info("written over the whole run (warm-up included), {} ops: journal {} MB ({} bytes per op), periodic " +
            "snapshots {} files, {} MB ({} bytes per op)", ops, journalBytes >> 20,
            String.format(Locale.ROOT, "%.1f", journalBytes / perOp), snapshotFiles, snapshotBytes >> 20,
            String.format(Locale.ROOT, "%.1f", snapshotBytes / perOp));
    }

    /** Fetch every document and compare it with the trace replayed as far as that document got. */
    private String verify(final EngineNode node, final Trace trace, final int[] applied)
    {
        final Map<Integer, String> expected = expectedTexts(trace, applied);
        final Map<Long, String> texts = new HashMap<>();
        final Map<Long, Long> versions = new HashMap<>();
        final EngineClient.Listener listener = new EngineClient.Listener()
        {
            @Override
            public void onSnapshot(final long sessionId, final long requestId, final long docHash, final long version,
                final String docType, final String text, final RequestKind kind)
            {
                texts.put(sessionId, text);
                versions.put(sessionId, version);
            }
        };
        try (EngineClient client = EngineClient.connectTool(node.aeron(), node.ingressChannel(), node.ingressStream(),
            EDGE_ID + 1, "aeron:ipc", REPLY_STREAM + 1, listener))
        {
            final IdleStrategy idle = IdleStrategies.parse("backoff");
            final long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
            while (!client.isEngineUp())
            {
                if (System.nanoTime() - deadline > 0)
                {
                    return "the engine did not answer the verifying client";
                }
                idle.idle(client.poll(64));
            }
            int requested = 0;
            while (texts.size() < docs)
            {
                if (System.nanoTime() - deadline > 0)
                {
                    return "only " + texts.size() + " of " + docs + " snapshots arrived in 60 s";
                }
                if (requested < docs && client.subscribe(requested + 1, new DocRef("bench", "doc-" + requested), -1,
                    false) > 0)
                {
                    requested++;
                }
                idle.idle(client.poll(64));
            }
        }
        long total = 0;
        for (int d = 0; d < docs; d++)
        {
            final String text = texts.get((long)d + 1);
            final long version = versions.get((long)d + 1);
            if (version != applied[d] + 1L)
            {
                return "doc-" + d + " is at version " + version + ", expected " + (applied[d] + 1);
            }
            if (!text.equals(expected.get(applied[d])))
            {
                return "doc-" + d + " differs from the trace after " + applied[d] + " edits (" + text.length() +
                    " chars, expected " + expected.get(applied[d]).length() + ")";
            }
            total += applied[d];
        }
        LOG.info("verified {} documents: {} edits applied in total, every text equals the trace's", docs, total);
        return null;
    }

    private Map<Integer, String> expectedTexts(final Trace trace, final int[] applied)
    {
        final TreeMap<Integer, String> expected = new TreeMap<>();
        for (final int k : applied)
        {
            expected.put(k, null);
        }
        final Rope doc = new Rope(trace.startContent());
        final char[] chars = trace.insertChars();
        int done = 0;
        for (final Map.Entry<Integer, String> e : expected.entrySet())
        {
            for (; done < e.getKey(); done++)
            {
                op.clear().skip(trace.position(done)).delete(trace.deleteCount(done))
                    .insert(chars, trace.insertStart(done), trace.insertLength(done)).trim();
                ot.apply(op, doc);
            }
            e.setValue(doc.toString());
        }
        if (done == trace.edits() && !doc.toString().equals(trace.endContent()))
        {
            throw new IllegalStateException("the trace replayed locally does not produce its endContent");
        }
        return expected;
    }

    private String reopenAndVerify(final EngineContext used, final Trace trace, final int[] applied)
    {
        final EngineContext ctx = context();
        final long start = System.nanoTime();
        try (EngineNode node = EngineNode.launch(ctx))
        {
            final long millis = (System.nanoTime() - start) / 1_000_000;
            long records = 0;
            long appliedRecords = 0;
            for (int s = ctx.shardBegin(); s < ctx.shardEnd(); s++)
            {
                records += node.shard(s).recovery().records();
                appliedRecords += node.shard(s).recovery().applied();
            }
            LOG.info("reopened in {} ms (driver, {} shards): {} journal records read, {} applied on top of snapshots",
                millis, ctx.shardEnd() - ctx.shardBegin(), records, appliedRecords);
            return verify(node, trace, applied);
        }
    }
}
