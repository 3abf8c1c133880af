package io.quire.perf.ws;

import io.quire.perf.Hgrm;

import io.quire.replay.LatencyPlot;
import org.HdrHistogram.Histogram;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Reports of WebSocket load runs: one {@code .hgrm} per system, scenario and measure (HdrHistogram's percentile
 * distribution, values in milliseconds), a summary table (ops/s and p50/p90/p99/p99.9/max of ack latency, p50/p99 of
 * visibility latency), the ratios between two systems on the same scenario, a percentile plot per measure with one
 * curve per system and scenario, and per scenario measured on several systems, a plot of their ack latencies.
 */
public final class LatencyReport
{
    private static final double NS_PER_MS = 1e6;

    private LatencyReport()
    {
    }

    /**
     * @param r a result.
     * @return its file-name stem, e.g. {@code quire-closed-200x1}.
     */
    public static String stem(final LoadResult r)
    {
        return (r.system() + "-" + r.scenario()).replaceAll("[^A-Za-z0-9.-]+", "-");
    }

    /**
     * Write the {@code .hgrm} files, {@code summary.txt} and the plots {@code ack-latency.png} and
     * {@code visible-latency.png} (the latter only if some scenario had several clients per document).
     *
     * @param results the results, in run order.
     * @param header  lines written above the table (machine, load).
     * @param out     the directory (created).
     * @return the summary text.
     * @throws IOException if a file cannot be written.
     */
    public static String write(final List<LoadResult> results, final String header, final Path out)
        throws IOException
    {
        Files.createDirectories(out);
        final Map<String, Histogram> ack = new LinkedHashMap<>();
        final Map<String, Histogram> visible = new LinkedHashMap<>();
        for (final LoadResult r : results)
        {
            Hgrm.write(r.ack(), out.resolve(stem(r) + "-ack.hgrm"), Hgrm.MILLIS);
            ack.put(r.system() + " " + r.scenario(), r.ack());
            if (r.visible().getTotalCount() > 0)
            {
                Hgrm.write(r.visible(), out.resolve(stem(r) + "-visible.hgrm"), Hgrm.MILLIS);
                visible.put(r.system() + " " + r.scenario(), r.visible());
            }
        }
        if (!ack.isEmpty())
        {
            LatencyPlot.write(ack, "submit → ack latency by percentile", out.resolve("ack-latency.png"));
        }
        final Map<String, Map<String, Histogram>> byScenario = new LinkedHashMap<>();
        for (final LoadResult r : results)
        {
            byScenario.computeIfAbsent(r.scenario().toString(), k -> new LinkedHashMap<>()).put(r.system(), r.ack());
        }
        for (final Map.Entry<String, Map<String, Histogram>> e : byScenario.entrySet())
        {
            if (e.getValue().size() > 1)
            {
                LatencyPlot.write(e.getValue(), e.getKey() + ": submit → ack latency by percentile",
                    out.resolve("ack-latency-" + e.getKey().replaceAll("[^A-Za-z0-9.-]+", "-") + ".png"));
            }
        }
        if (!visible.isEmpty())
        {
            LatencyPlot.write(visible, "submit → visible at another client, by percentile",
                out.resolve("visible-latency.png"));
        }
        final String summary = header + table(results);
        Files.writeString(out.resolve("summary.txt"), summary, StandardCharsets.UTF_8);
        return summary;
    }

    /**
     * @param results the results.
     * @return the table: one row per result, then one ratio row per scenario measured on quire and sharedb.
     */
    public static String table(final List<LoadResult> results)
    {
        final StringBuilder b = new StringBuilder();
        b.append(String.format(Locale.ROOT, "%-8s %-16s %10s | %-45s | %-17s | %-17s | %s%n", "system", "scenario",
            "ops/s", "ack ms: p50 p90 p99 p99.9 max", "visible ms: p50 p99", "CPU us/op srv gen", "converged"));
        for (final LoadResult r : results)
        {
            final Histogram a = r.ack();
            final Histogram v = r.visible();
            b.append(String.format(Locale.ROOT, "%-8s %-16s %10.0f | %8s %8s %8s %8s %8s | %8s %8s | %8s %8s | %s%s%n",
                r.system(), r.scenario(), r.opsPerSecond(),
                ms(a, 50), ms(a, 90), ms(a, 99), ms(a, 99.9), max(a), ms(v, 50), ms(v, 99),
                cpu(r.serverCpuUs()), cpu(r.clientCpuUs()),
                r.converged() ? "yes" : "NO", r.gaps() > 0 ? " (" + r.gaps() + " gaps)" : ""));
        }
        for (final LoadResult q : results)
        {
            for (final LoadResult s : results)
            {
                if (q.system().equals("quire") && s.system().equals("sharedb") && q.scenario().equals(s.scenario()))
                {
                    b.append(String.format(Locale.ROOT,
                        "ratio    %-16s %9.1fx | p50 %.1fx lower, p99 %.1fx lower (sharedb / quire)%n",
                        q.scenario(), q.opsPerSecond() / Math.max(1e-9, s.opsPerSecond()),
                        ratio(s.ack(), q.ack(), 50), ratio(s.ack(), q.ack(), 99)));
                }
            }
        }
        return b.toString();
    }

    private static String cpu(final double us)
    {
        return Double.isNaN(us) ? "-" : String.format(Locale.ROOT, "%.1f", us);
    }

    private static double ratio(final Histogram num, final Histogram den, final double p)
    {
        return num.getValueAtPercentile(p) / (double)Math.max(1, den.getValueAtPercentile(p));
    }

    private static String ms(final Histogram h, final double p)
    {
        return h.getTotalCount() == 0 ? "-" : String.format(Locale.ROOT, "%.2f", h.getValueAtPercentile(p) / NS_PER_MS);
    }

    private static String max(final Histogram h)
    {
        return h.getTotalCount() == 0 ? "-" : String.format(Locale.ROOT, "%.2f", h.getMaxValue() / NS_PER_MS);
    }
}
