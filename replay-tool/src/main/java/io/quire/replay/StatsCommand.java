package io.quire.replay;

import io.quire.engine.ot.TextOp;
import io.quire.engine.shard.HistoryEntry;
import io.quire.journal.JournalReader;
import org.HdrHistogram.Histogram;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

import java.io.IOException;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.Callable;

/**
 * {@code replay stats DATA_DIR [--out DIR]}: throughput, activity by document and author, op sizes and
 * ingress-to-sequencing latency, from the records alone.
 */
@Command(
    name = "stats",
    mixinStandardHelpOptions = true,
    description = {
        "Statistics of the committed ops of all selected shards: ops/s over time (per-second and per-minute " +
            "buckets), counts per document and per author (principal, else source), op size distribution " +
            "(components, inserted and deleted code points), and latency from ingress to sequencing (each " +
            "record's ingressNs). Prints a text summary; with --out DIR also writes summary.txt, " +
            "ops-per-second.csv, ops-per-minute.csv, documents.csv, authors.csv, latency.hgrm (HdrHistogram " +
            "percentile distribution, µs) and latency.png (percentile plot, log-scaled percentile axis)."
    },
    exitCodeListHeading = "%nExit codes:%n",
    exitCodeList = {
        "0:done",
        "1:damaged records met while reading (run verify)",
        "2:bad usage",
        "3:no such data directory, shard or journal"
    })
public final class StatsCommand implements Callable<Integer>
{
    private static final long MAX_LATENCY_NS = 3_600_000_000_000L;

    @Spec
    private CommandSpec spec;

    @Mixin
    private ShardOptions shards;

    @Option(names = "--out", paramLabel = "DIR", description = "Also write the files listed above into DIR.")
    private Path outDir;

    @Option(names = "--top", paramLabel = "N", defaultValue = "10",
        description = "Documents and authors listed in the summary (default ${DEFAULT-VALUE}).")
    private int top;

    private final TreeMap<Long, long[]> perSecond = new TreeMap<>();
    private final TreeMap<Long, long[]> perMinute = new TreeMap<>();
    private final Map<String, long[]> perDoc = new HashMap<>();
    private final Map<String, long[]> perAuthor = new HashMap<>();
    private final Histogram components = new Histogram(3);
    private final Histogram inserted = new Histogram(3);
    private final Histogram deleted = new Histogram(3);
    private final Histogram latency = new Histogram(MAX_LATENCY_NS, 3);
    private long records;
    private long ops;
    private long latencyUnknown;
    private long problems;
    private long firstTime = Long.MAX_VALUE;
    private long lastTime = Long.MIN_VALUE;

    @Override
    public Integer call() throws IOException
    {
        final RecordView view = new RecordView();
        final List<ShardData> selected = shards.shards();
        for (final ShardData shard : selected)
        {
            try (JournalReader reader = shard.openReader().problemHandler(p -> problems++))
            {
                while (reader.poll((lsn, buffer, offset, length, index, position) ->
                {
                    records++;
                    try
                    {
                        view.decode(lsn, buffer, offset, length, index, position);
                    }
                    catch (final RuntimeException ex)
                    {
                        problems++;
                        return;
                    }
                    if (view.type() == RecordView.Type.OP)
                    {
                        add(view);
                    }
                }, 256) > 0)
                {
                    // Read to the current end.
                }
            }
        }
        final String summary = summary(selected);
        final PrintWriter out = spec.commandLine().getOut();
        out.print(summary);
        if (outDir != null)
        {
            writeFiles(summary);
            out.println("files: " + outDir.resolve("summary.txt") +
                ", latency.hgrm, latency.png, ops-per-second.csv, " +
                "ops-per-minute.csv, documents.csv, authors.csv");
        }
        out.flush();
        return problems == 0 ? ExitCodes.OK : ExitCodes.PROBLEMS;
    }

    private void add(final RecordView r)
    {
        ops++;
        final long t = r.timestampNs();
        firstTime = Math.min(firstTime, t);
        lastTime = Math.max(lastTime, t);
        perSecond.computeIfAbsent(Math.floorDiv(t, 1_000_000_000L), k -> new long[1])[0]++;
        perMinute.computeIfAbsent(Math.floorDiv(t, 60_000_000_000L), k -> new long[1])[0]++;
        perDoc.computeIfAbsent(r.doc(), k -> new long[1])[0]++;
        perAuthor.computeIfAbsent(r.author(), k -> new long[1])[0]++;
        if (r.kind() == HistoryEntry.EDIT)
        {
            final TextOp op = r.op();
            components.recordValue(op.size());
            inserted.recordValue(r.insertedCodePoints());
            deleted.recordValue(r.deletedCodePoints());
        }
        if (r.ingressNs() >= 0)
        {
            latency.recordValue(Math.min(r.ingressNs(), MAX_LATENCY_NS));
        }
        else
        {
            latencyUnknown++;
        }
    }

    private String summary(final List<ShardData> selected)
    {
        final StringWriter text = new StringWriter();
        final PrintWriter out = new PrintWriter(text);
        out.printf(Locale.ROOT, "stats: %,d records, %,d ops, shards %s%n", records, ops,
            String.join(", ", selected.stream().map(s -> String.valueOf(s.id())).toList()));
        if (ops == 0)
        {
            out.flush();
            return text.toString();
        }
        final double seconds = Math.max(1e-9, (lastTime - firstTime) / 1e9);
        out.printf(Locale.ROOT, "time: %s .. %s (%.3f s)%n", Times.iso(firstTime), Times.iso(lastTime), seconds);
        final Map.Entry<Long, long[]> peakSecond = peak(perSecond);
        final Map.Entry<Long, long[]> peakMinute = peak(perMinute);
        out.printf(Locale.ROOT, "ops/s: mean %.1f over the span; busiest second %,d ops at %s; busiest minute %,d " +
            "ops at %s (%d one-second buckets with ops, %d one-minute buckets)%n", ops / seconds,
            peakSecond.getValue()[0], Times.iso(peakSecond.getKey() * 1_000_000_000L), peakMinute.getValue()[0],
            Times.iso(peakMinute.getKey() * 60_000_000_000L), perSecond.size(), perMinute.size());
        out.printf(Locale.ROOT, "documents: %,d; top %d by ops:%n", perDoc.size(), Math.min(top, perDoc.size()));
        for (final Map.Entry<String, long[]> e : topOf(perDoc))
        {
            out.printf(Locale.ROOT, "  %-40s %,12d%n", e.getKey(), e.getValue()[0]);
        }
        out.printf(Locale.ROOT, "authors (principal, else source): %,d; top %d by ops:%n", perAuthor.size(),
            Math.min(top, perAuthor.size()));
        for (final Map.Entry<String, long[]> e : topOf(perAuthor))
        {
            out.printf(Locale.ROOT, "  %-40s %,12d%n", e.getKey().isEmpty() ? "(anonymous)" : e.getKey(),
                e.getValue()[0]);
        }
        out.println("op size (edits: " + components.getTotalCount() + "):");
        distribution(out, "components", components, 1);
        distribution(out, "inserted code points", inserted, 1);
        distribution(out, "deleted code points", deleted, 1);
        out.println("latency ingress -> sequencing (µs; " + latency.getTotalCount() + " records" +
            (latencyUnknown > 0 ? ", " + latencyUnknown + " without ingressNs" : "") + "):");
        distribution(out, "latency", latency, 1000);
        if (problems > 0)
        {
            out.println("damaged records passed over: " + problems + " (run verify)");
        }
        out.flush();
        return text.toString();
    }

    private static void distribution(final PrintWriter out, final String name, final Histogram h, final double unit)
    {
        if (h.getTotalCount() == 0)
        {
            out.printf(Locale.ROOT, "  %-22s none%n", name);
            return;
        }
        out.printf(Locale.ROOT, "  %-22s mean %.2f  p50 %.2f  p90 %.2f  p99 %.2f  p99.9 %.2f  max %.2f%n", name,
            h.getMean() / unit, h.getValueAtPercentile(50) / unit, h.getValueAtPercentile(90) / unit,
            h.getValueAtPercentile(99) / unit, h.getValueAtPercentile(99.9) / unit, h.getMaxValue() / unit);
    }

    private static Map.Entry<Long, long[]> peak(final TreeMap<Long, long[]> buckets)
    {
        Map.Entry<Long, long[]> best = null;
        for (final Map.Entry<Long, long[]> e : buckets.entrySet())
        {
            if (best == null || e.getValue()[0] > best.getValue()[0])
            {
                best = e;
            }
        }
        return best;
    }

    private List<Map.Entry<String, long[]>> topOf(final Map<String, long[]> counts)
    {
        final List<Map.Entry<String, long[]>> list = new ArrayList<>(counts.entrySet());
        list.sort((a, b) -> a.getValue()[0] != b.getValue()[0] ? Long.compare(b.getValue()[0], a.getValue()[0]) :
            a.getKey().compareTo(b.getKey()));
        return list.subList(0, Math.min(top, list.size()));
    }

    private void writeFiles(final String summary) throws IOException
    {
        Files.createDirectories(outDir);
        Files.writeString(outDir.resolve("summary.txt"), summary, StandardCharsets.UTF_8);
        writeBuckets(outDir.resolve("ops-per-second.csv"), perSecond, 1_000_000_000L);
        writeBuckets(outDir.resolve("ops-per-minute.csv"), perMinute, 60_000_000_000L);
        writeCounts(outDir.resolve("documents.csv"), "document", perDoc);
        writeCounts(outDir.resolve("authors.csv"), "author", perAuthor);
        try (PrintStream hgrm = new PrintStream(Files.newOutputStream(outDir.resolve("latency.hgrm")), false,
            StandardCharsets.UTF_8))
        {
            latency.outputPercentileDistribution(hgrm, 1000.0);
        }
        LatencyPlot.write(latency, "Quire: ingress to sequencing latency (" + latency.getTotalCount() + " ops)",
            outDir.resolve("latency.png"));
    }

    private static void writeBuckets(final Path file, final TreeMap<Long, long[]> buckets, final long width)
        throws IOException
    {
        final StringBuilder csv = new StringBuilder("time,ops\n");
        for (final Map.Entry<Long, long[]> e : buckets.entrySet())
        {
            csv.append(Times.iso(e.getKey() * width)).append(',').append(e.getValue()[0]).append('\n');
        }
        Files.writeString(file, csv, StandardCharsets.UTF_8);
    }

    private static void writeCounts(final Path file, final String name, final Map<String, long[]> counts)
        throws IOException
    {
        final List<Map.Entry<String, long[]>> list = new ArrayList<>(counts.entrySet());
        list.sort((a, b) -> Long.compare(b.getValue()[0], a.getValue()[0]));
        final StringBuilder csv = new StringBuilder(name).append(",ops\n");
        for (final Map.Entry<String, long[]> e : list)
        {
            csv.append(csvField(e.getKey())).append(',').append(e.getValue()[0]).append('\n');
        }
        Files.writeString(file, csv, StandardCharsets.UTF_8);
    }

    private static String csvField(final String s)
    {
        return s.contains(",") || s.contains("\"") || s.contains("\n") ? '"' + s.replace("\"", "\"\"") + '"' : s;
    }
}
