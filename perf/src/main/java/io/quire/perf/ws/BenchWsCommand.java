package io.quire.perf.ws;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.quire.engine.trace.Trace;
import io.quire.engine.trace.TraceReader;
import io.quire.test.NodeTools;
import io.quire.test.RepoPaths;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;

/**
 * {@code scripts/quire bench-ws}: the same WebSocket load against Quire's all-in-one server and, with
 * {@code --vs-sharedb}, against the reference ShareDB server (npm sharedb, in-memory), each started fresh for every
 * scenario as a child process on 127.0.0.1 and stopped afterwards, even on failure. Scenarios alternate between the
 * systems so that other load on the machine falls on both alike. Prints one table with both rows and their ratios,
 * Quire's latency breakdown from its own recorders, and writes {@code .hgrm} files, {@code summary.txt} and the
 * percentile plots under {@code --out}. Exits 1 if any run failed or any client did not converge.
 */
@Command(name = "quire bench-ws", mixinStandardHelpOptions = true, sortOptions = false,
    description = {
        "Benchmark Quire's WebSocket edge (and, with --vs-sharedb, a reference ShareDB server) with a Java",
        "load generator speaking ShareDB's protocol with the sharedb client's OT state machine.",
        "Scenarios: closed:DOCSxCLIENTS (max throughput), open:DOCSxCLIENTS@RATE (RATE edits/s per client at",
        "planned times; latency from the planned time), trace:DOCSxCLIENTS@RATE (one client per document types",
        "the trace, the others watch)."})
public final class BenchWsCommand implements Callable<Integer>
{
    /** Scenarios run when none is given: the two shapes at full speed, then at a load ShareDB sustains. */
    public static final List<String> DEFAULT_SCENARIOS = List.of(
        "closed:200x1", "closed:1x20", "open:200x1@5", "open:1x20@20", "trace:4x3@10");

    @Option(names = "--vs-sharedb", description = "also run every scenario against the reference ShareDB server")
    private boolean vsSharedb;

    @Option(names = "--floor", description = "also run the scenarios with one client per document against " +
        "node/floor-server.js (the protocol and nothing else: what the load generator, the kernel and a trivial " +
        "server cost on this machine; no server can do better here)")
    private boolean floor;

    @Option(names = "--scenario", split = ",", description = "scenarios, repeatable or comma-separated " +
        "(default: closed:200x1, closed:1x20, open:200x1@5, open:1x20@20, trace:4x3@10)")
    private List<String> scenarios = new ArrayList<>();

    @Option(names = "--warmup", description = "seconds of unmeasured load first (default ${DEFAULT-VALUE})")
    private double warmup = 3;

    @Option(names = "--duration", description = "measured seconds per scenario (default ${DEFAULT-VALUE})")
    private double duration = 10;

    @Option(names = "--trace", description = "trace typed in trace mode (default ../shared/traces/automerge-paper)")
    private Path trace;

    @Option(names = "--real-client", description = "also run node/loadgen.js (the real sharedb client, " +
        "closed loop) for the closed scenarios against each system")
    private boolean realClient;

    @Option(names = "--quire-set", description = "engine.OPTION=VALUE or edge.OPTION=VALUE for Quire's server " +
        "(repeatable), e.g. edge.idle-strategy=sleeping")
    private List<String> quireSettings = new ArrayList<>();

    @Option(names = "--url", description = "drive this running server (ws://...) instead of starting any")
    private String url;

    @Option(names = "--time-limit", description = "seconds the whole benchmark may take; runs that would not " +
        "fit are skipped and reported as failures (default ${DEFAULT-VALUE})")
    private long timeLimit = 480;

    @Option(names = "--out", description = "report directory (default ${DEFAULT-VALUE})")
    private Path out = RepoPaths.root().resolve("perf/target/bench-ws");

    /** {@inheritDoc} */
    public Integer call() throws Exception
    {
        final List<Scenario> list = new ArrayList<>();
        for (final String s : scenarios.isEmpty() ? DEFAULT_SCENARIOS : scenarios)
        {
            list.add(Scenario.parse(s));
        }
        Files.createDirectories(out);
        Trace typed = null;
        if (list.stream().anyMatch(s -> s.mode() == Scenario.Mode.TRACE))
        {
            typed = TraceReader.read(trace != null ? trace : RepoPaths.trace("automerge-paper.json.gz"));
        }
        final List<String> systems = new ArrayList<>(url != null ? List.of("target") :
            vsSharedb ? List.of("quire", "sharedb") : List.of("quire"));
        if (floor && url == null)
        {
            systems.add("floor");
        }
        final String header = String.format(Locale.ROOT,
            "bench-ws %s: %d cores (%s), java %s, warm-up %.0f s, measured %.0f s per run, load average %s at start%s%n",
            Instant.now(), Runtime.getRuntime().availableProcessors(), System.getProperty("os.arch"),
            System.getProperty("java.version"), warmup, duration, loadAverage(),
            quireSettings.isEmpty() ? "" : "; quire " + String.join(" ", quireSettings));
        System.out.print(header);
        final List<LoadResult> results = new ArrayList<>();
        final StringBuilder breakdown = new StringBuilder();
        final StringBuilder stages = new StringBuilder();
        final StringBuilder loads = new StringBuilder();
        int failures = 0;
        final long startNs = System.nanoTime();
        for (final Scenario scenario : list)
        {
            for (final String system : systems)
            {
                if (system.equals("floor") && scenario.clientsPerDoc() != 1)
                {
                    continue; // the floor server does not transform: one writer per document only
                }
                if (!fits(startNs, 1))
                {
                    failures++;
                    System.out.println("SKIPPED " + system + " " + scenario + ": it would not finish within " +
                        "--time-limit " + timeLimit + " s");
                    continue;
                }
                final String before = loadAverage();
                try
                {
                    final LoadResult r = runOne(system, scenario, typed, breakdown, stages);
                    results.add(r);
                    loads.append(String.format(Locale.ROOT, "%-8s %-16s load average %s -> %s%n", system, scenario,
                        before, loadAverage()));
                    System.out.print(LatencyReport.table(List.of(r)).lines().skip(1)
                        .reduce("", (a, b) -> a + b + "\n"));
                    if (!r.converged())
                    {
                        failures++;
                        System.out.println("NOT CONVERGED: " + r.note());
                    }
                }
                catch (final Exception ex)
                {
                    failures++;
                    System.out.println("FAILED " + system + " " + scenario + ": " + ex);
                    ex.printStackTrace(System.out);
                }
            }
        }
        final StringBuilder report = new StringBuilder(header).append('\n').append(loads).append('\n');
        final String summary = LatencyReport.write(results, "", out);
        report.append(summary);
        if (breakdown.length() > 0)
        {
            report.append('\n').append("Quire's latency by stage (ms; server-side recorders since the server " +
                "started, warm-up included; edge = Summary over the last 60 s)\n")
                .append(String.format(Locale.ROOT, "%-16s | %-19s | %-19s | %-19s | %-19s%n", "scenario",
                    "client ack p50/p99", "edge recv->ack sent", "engine in->ack out", "journal batch commit"))
                .append(breakdown);
        }
        if (stages.length() > 0)
        {
            report.append('\n').append("Quire's latency by stage (the edge's GET /latency over the measured interval: " +
                "the stamps each ack carries from the engine; to_engine/from_engine compare one host's clock)\n")
                .append(stages);
        }
        if (realClient)
        {
            report.append('\n').append(realClientRuns(list, systems, startNs));
        }
        Files.writeString(out.resolve("summary.txt"), report.toString(), StandardCharsets.UTF_8);
        System.out.println();
        System.out.print(report);
        System.out.println("reports in " + out.toAbsolutePath() + " (summary.txt, *.hgrm, ack-latency*.png" +
            (results.stream().anyMatch(r -> r.visible().getTotalCount() > 0) ? ", visible-latency.png" : "") + ")");
        if (failures > 0)
        {
            System.out.println("bench-ws: " + failures + " run(s) failed or did not converge");
            return 1;
        }
        return 0;
    }

    private LoadResult runOne(final String system, final Scenario scenario, final Trace typed,
        final StringBuilder breakdown, final StringBuilder stages) throws Exception
    {
        if (url != null)
        {
            return new WsLoadGenerator(system, url, scenario, warmup, duration, typed).run();
        }
        final String stem = (system + "-" + scenario).replaceAll("[^A-Za-z0-9.-]+", "-");
        final Path data = Files.createTempDirectory("quire-bench-ws-");
        try (ServerProcess server = system.equals("quire") ?
            Servers.quire(data, out.resolve(stem + "-server.log"), quireSettings) :
            system.equals("floor") ? Servers.floor(out.resolve(stem + "-server.log")) :
            Servers.sharedb(out.resolve(stem + "-server.log")))
        {
            final WsLoadGenerator generator =
                new WsLoadGenerator(system, server.wsUrl(), scenario, warmup, duration, typed).serverPid(server.pid());
            final AtomicReference<QuireStages> atStart = new AtomicReference<>();
            if (system.equals("quire"))
            {
                generator.onMeasureStart(() ->
                {
                    try
                    {
                        atStart.set(QuireStages.fetch(server.httpUrl()));
                    }
                    catch (final IOException ex)
                    {
                        throw new UncheckedIOException(ex);
                    }
                    catch (final InterruptedException ex)
                    {
                        Thread.currentThread().interrupt();
                    }
                });
            }
            final LoadResult r = generator.run();
            if (system.equals("quire"))
            {
                final QuireStages end = QuireStages.fetch(server.httpUrl());
                final QuireStages start = atStart.get();
                stages.append((start != null ? end.since(start) : end)
                    .table(scenario + (start != null ? " (measured interval)" : " (warm-up included)") +
                        String.format(Locale.ROOT, ", %,.0f acked ops/s", r.opsPerSecond()), r.ack()))
                    .append('\n');
                final Map<String, Double> m = Servers.quireMetrics(server.httpUrl());
                breakdown.append(String.format(Locale.ROOT, "%-16s | %8.2f %9.2f  | %8.2f %9.2f  | %8.2f %9.2f  | " +
                    "%8.3f %9.3f%n", scenario,
                    r.ack().getValueAtPercentile(50) / 1e6, r.ack().getValueAtPercentile(99) / 1e6,
                    ms(m, "quire_edge_ack_latency_seconds{quantile=\"0.5\"}"),
                    ms(m, "quire_edge_ack_latency_seconds{quantile=\"0.99\"}"),
                    ms(m, "quire_engine_commit_latency_seconds{quantile=\"0.5\"}"),
                    ms(m, "quire_engine_commit_latency_seconds{quantile=\"0.99\"}"),
                    ms(m, "quire_engine_journal_commit_seconds{quantile=\"0.5\"}"),
                    ms(m, "quire_engine_journal_commit_seconds{quantile=\"0.99\"}")));
            }
            return r;
        }
        finally
        {
            deleteTree(data);
        }
    }

    /** @return true if {@code runs} more runs (load, plus a margin for start-up and the checks) fit the limit. */
    private boolean fits(final long startNs, final int runs)
    {
        final double elapsed = (System.nanoTime() - startNs) / 1e9;
        return elapsed + runs * (warmup + duration + 20) <= timeLimit;
    }

    private static double ms(final Map<String, Double> m, final String key)
    {
        final Double v = m.get(key);
        return v == null ? Double.NaN : v * 1000;
    }

    /** The real sharedb client (node/loadgen.js) for the closed scenarios, against fresh servers. */
    private String realClientRuns(final List<Scenario> list, final List<String> systems, final long startNs)
        throws Exception
    {
        final StringBuilder b = new StringBuilder("real sharedb client (node/loadgen.js, closed loop, one node " +
            "process for all clients)\n");
        b.append(String.format(Locale.ROOT, "%-8s %-16s %10s | %-31s | %s%n", "system", "scenario", "ops/s",
            "ack ms: p50 p90 p99 max", "load average"));
        final ObjectMapper json = new ObjectMapper();
        for (final Scenario s : list)
        {
            if (s.mode() != Scenario.Mode.CLOSED)
            {
                continue;
            }
            for (final String system : systems)
            {
                if (system.equals("floor"))
                {
                    continue;
                }
                if (!fits(startNs, 1))
                {
                    b.append(String.format(Locale.ROOT, "%-8s %-16s SKIPPED: --time-limit %d s%n", system, s,
                        timeLimit));
                    continue;
                }
                final Path data = Files.createTempDirectory("quire-bench-ws-");
                final String stem = ("node-" + system + "-" + s).replaceAll("[^A-Za-z0-9.-]+", "-");
                try (ServerProcess server = url != null ? null : system.equals("quire") ?
                    Servers.quire(data, out.resolve(stem + "-server.log"), quireSettings) :
                    Servers.sharedb(out.resolve(stem + "-server.log")))
                {
                    final String target = server == null ? url : server.wsUrl();
                    final String output = runNode(target, s);
                    final String last = output.strip().lines().reduce((x, y) -> y).orElse("");
                    final JsonNode r = json.readTree(last);
                    b.append(String.format(Locale.ROOT, "%-8s %-16s %10d | %7.2f %7.2f %7.2f %7.2f | %s%n",
                        system, s, r.path("opsPerSec").asLong(), r.path("p50Ms").asDouble(),
                        r.path("p90Ms").asDouble(), r.path("p99Ms").asDouble(), r.path("maxMs").asDouble(),
                        loadAverage()));
                }
                catch (final Exception ex)
                {
                    b.append(String.format(Locale.ROOT, "%-8s %-16s FAILED: %s%n", system, s, ex.getMessage()));
                }
                finally
                {
                    deleteTree(data);
                }
            }
        }
        return b.toString();
    }

    private String runNode(final String target, final Scenario s) throws Exception
    {
        final Process p = NodeTools.node("loadgen.js", target, Integer.toString(s.docs()),
            Integer.toString(s.clientsPerDoc()), Long.toString(Math.round(duration)), Long.toString(Math.round(warmup)))
            .redirectErrorStream(true).start();
        final ByteArrayOutputStream output = new ByteArrayOutputStream();
        final Thread pump = new Thread(() ->
        {
            try (InputStream in = p.getInputStream())
            {
                in.transferTo(output);
            }
            catch (final IOException ignored)
            {
                // the process died; its exit code tells
            }
        });
        pump.start();
        if (!p.waitFor((long)(warmup + duration) + 90, TimeUnit.SECONDS))
        {
            p.destroyForcibly();
            throw new IOException("node loadgen.js did not finish");
        }
        pump.join(5000);
        final String text = output.toString(StandardCharsets.UTF_8);
        if (p.exitValue() != 0)
        {
            throw new IOException("node loadgen.js exited " + p.exitValue() + ": " + text);
        }
        return text;
    }

    /** @return the 1, 5 and 15 minute load averages, as {@code uptime} shows them. */
    static String loadAverage()
    {
        try
        {
            final String[] f = Files.readString(Path.of("/proc/loadavg")).split(" ");
            return f[0] + " " + f[1] + " " + f[2];
        }
        catch (final IOException ex)
        {
            return "unknown";
        }
    }

    private static void deleteTree(final Path dir) throws IOException
    {
        if (!Files.exists(dir))
        {
            return;
        }
        try (var paths = Files.walk(dir))
        {
            for (final Path p : paths.sorted(java.util.Comparator.reverseOrder()).toList())
            {
                Files.deleteIfExists(p);
            }
        }
    }

    /**
     * @param args command line.
     */
    public static void main(final String[] args)
    {
        System.exit(new CommandLine(new BenchWsCommand()).execute(args));
    }
}
