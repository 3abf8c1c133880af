package io.quire.perf.jitter;

import io.quire.engine.EngineContext;
import io.quire.perf.Hgrm;
import io.quire.perf.engine.HiccupMeter;
import org.HdrHistogram.Histogram;
import org.agrona.SystemUtil;
import org.agrona.concurrent.SystemNanoClock;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.TimeUnit;

/**
 * {@code scripts/quire bench-jitter}: how much of the time this machine takes its CPUs away from a running thread,
 * with no Quire code running (sysjitter's and jHiccup's ideas). Latency targets in microseconds are only measurable
 * where these stalls are rare, so this is the figure to read a benchmark's tail against, and to check a host with
 * before benchmarking on it.
 * <p>
 * Two probes, one after the other, nothing else running in the process:
 * <ul>
 *   <li><b>stalls</b>: N threads that only read the clock in a loop (one per CPU at most); a gap between two reads
 *   above {@code --threshold} is a stall (an interrupt, another thread, or on a virtual machine the hypervisor not
 *   running the vCPU). Run with 1 thread, then with one per CPU, by default: on an oversubscribed virtual machine the
 *   second is much worse than the first (the host runs out of cores when the guest uses all of its own).</li>
 *   <li><b>wake</b>: one thread that parks for {@code --park} again and again and records how late it runs again:
 *   what any parked thread (an idle engine, a client waiting for an ack) sees when it is woken.</li>
 * </ul>
 * One line per probe, histograms under {@code --out}.
 */
@Command(
    name = "bench-jitter",
    mixinStandardHelpOptions = true,
    version = "quire bench-jitter 0.1.0",
    sortOptions = false,
    description = {
        "Measures how often and for how long this machine stops a running thread, with nothing else running in the " +
            "process: the floor under any latency figure measured here.",
        "",
        "Prints one line per probe:",
        "  STALLS threads=<n> seconds=<s> per_s_over_100us=<x> per_s_over_1ms=<x> lost_pct=<x> p99_us=<n> max_us=<n>",
        "  WAKE park_us=<n> seconds=<s> p50_us=<n> p99_us=<n> p999_us=<n> max_us=<n>",
        "(a STALLS line's p99 and max are of the stalls themselves: gaps longer than --threshold between two clock " +
            "reads of a spinning thread; lost_pct is the share of its time spent in them; a WAKE line's figures are " +
            "how late a parked thread ran again) and writes the histograms (us) as .hgrm files under --out."
    },
    exitCodeListHeading = "%nExit codes:%n",
    exitCodeList = {
        "0:measured",
        "2:bad usage"
    })
public final class BenchJitterCommand implements Callable<Integer>
{
    private static final long WARMUP_NS = TimeUnit.MILLISECONDS.toNanos(50);
    private static final int WARMUP_RUNS = 20;

    @Spec
    private CommandSpec spec;

    @Option(names = "--threads", paramLabel = "LIST", defaultValue = "1,all", split = ",",
        description = "Spinning thread counts to run, one after the other; 'all' is one per CPU " +
            "(default: ${DEFAULT-VALUE}).")
    private List<String> threads;

    @Option(names = "--duration", paramLabel = "S", defaultValue = "10",
        description = "Seconds per probe (default: ${DEFAULT-VALUE}).")
    private double durationSeconds;

    @Option(names = "--threshold", paramLabel = "DURATION", defaultValue = "10us",
        description = "A gap between two clock reads longer than this is a stall (default: ${DEFAULT-VALUE}).")
    private String threshold;

    @Option(names = "--park", paramLabel = "DURATION", defaultValue = "500us",
        description = "The wake probe's park interval; 0 skips the probe (default: ${DEFAULT-VALUE}).")
    private String park;

    @Option(names = "--out", paramLabel = "DIR", defaultValue = "bench-results",
        description = "Where the .hgrm files go (default: ${DEFAULT-VALUE}).")
    private Path out;

    /**
     * Entry point.
     *
     * @param args command line.
     */
    public static void main(final String[] args)
    {
        System.exit(new CommandLine(new BenchJitterCommand()).execute(args));
    }

    @Override
    public Integer call() throws Exception
    {
        final PrintWriter stdout = spec.commandLine().getOut();
        final int cpus = Runtime.getRuntime().availableProcessors();
        final List<Integer> counts = new ArrayList<>();
        final long thresholdNs;
        final long parkNs;
        try
        {
            for (final String t : threads)
            {
                counts.add(threadCount(t.trim(), cpus));
            }
            thresholdNs = SystemUtil.parseDuration("--threshold", threshold);
            parkNs = SystemUtil.parseDuration("--park", park);
        }
        catch (final NumberFormatException ex)
        {
            throw new CommandLine.ParameterException(spec.commandLine(), ex.getMessage());
        }
        if (!(durationSeconds > 0) || thresholdNs < 1 || parkNs < 0)
        {
            throw new CommandLine.ParameterException(spec.commandLine(),
                "--duration and --threshold must be positive, --park must not be negative");
        }
        final long durationNs = (long)(durationSeconds * 1e9);
        Files.createDirectories(out);

        warmUp(thresholdNs);
        for (final int n : counts)
        {
            final StallProbe[] probes = runStalls(n, thresholdNs, durationNs);
            final Histogram gaps = new Histogram(StallProbe.HIGHEST_NS, 3);
            long stalled = 0;
            long measured = 0;
            for (final StallProbe probe : probes)
            {
                gaps.add(probe.gaps());
                stalled += probe.stalledNs();
                measured += probe.measuredNs();
            }
            final double threadSeconds = measured / 1e9;
            stdout.printf(Locale.ROOT, "STALLS threads=%d seconds=%.1f per_s_over_100us=%.2f per_s_over_1ms=%.2f " +
                "lost_pct=%.2f p99_us=%d max_us=%d%n", n, durationNs / 1e9,
                over(gaps, TimeUnit.MICROSECONDS.toNanos(100)) / threadSeconds,
                over(gaps, TimeUnit.MILLISECONDS.toNanos(1)) / threadSeconds,
                measured > 0 ? 100.0 * stalled / measured : 0.0,
                us(gaps.getValueAtPercentile(99)), us(gaps.getMaxValue()));
            stdout.flush();
            Hgrm.write(gaps, out.resolve("bench-jitter-stalls-" + n + "-threads.hgrm"), Hgrm.MICROS);
        }
        if (parkNs > 0)
        {
            final Histogram late;
            try (HiccupMeter meter = new HiccupMeter(parkNs, EngineContext.TIMER_SLACK_DEFAULT_NS))
            {
                TimeUnit.NANOSECONDS.sleep(Math.min(durationNs, TimeUnit.SECONDS.toNanos(1)));
                meter.reset();
                TimeUnit.NANOSECONDS.sleep(durationNs);
                late = meter.take();
            }
            stdout.printf(Locale.ROOT, "WAKE park_us=%d seconds=%.1f p50_us=%d p99_us=%d p999_us=%d max_us=%d%n",
                us(parkNs), durationNs / 1e9, us(late.getValueAtPercentile(50)), us(late.getValueAtPercentile(99)),
                us(late.getValueAtPercentile(99.9)), us(late.getMaxValue()));
            stdout.flush();
            Hgrm.write(late, out.resolve("bench-jitter-wake.hgrm"), Hgrm.MICROS);
        }
        return 0;
    }

    private int threadCount(final String value, final int cpus)
    {
        final int n = value.equalsIgnoreCase("all") ? cpus : Integer.parseInt(value);
        if (n < 1 || n > cpus)
        {
            // More spinning threads than CPUs would measure the scheduler sharing them, not the machine.
            throw new CommandLine.ParameterException(spec.commandLine(),
                "--threads: each count must be 1.." + cpus + " (the CPUs) or 'all', got " + value);
        }
        return n;
    }

    /** Run the probe's loop often enough that the JIT has compiled it before anything is measured. */
    private static void warmUp(final long thresholdNs)
    {
        final StallProbe probe = new StallProbe(SystemNanoClock.INSTANCE, thresholdNs);
        for (int i = 0; i < WARMUP_RUNS; i++)
        {
            probe.run(WARMUP_NS);
        }
    }

    private static StallProbe[] runStalls(final int n, final long thresholdNs, final long durationNs)
        throws InterruptedException
    {
        final StallProbe[] probes = new StallProbe[n];
        final Thread[] workers = new Thread[n];
        final CyclicBarrier start = new CyclicBarrier(n);
        for (int i = 0; i < n; i++)
        {
            final StallProbe probe = new StallProbe(SystemNanoClock.INSTANCE, thresholdNs);
            probes[i] = probe;
            workers[i] = new Thread(() ->
            {
                try
                {
                    start.await();
                }
                catch (final Exception ex)
                {
                    return;
                }
                probe.run(durationNs);
            }, "quire-jitter-" + i);
            workers[i].start();
        }
        for (final Thread worker : workers)
        {
            worker.join();
        }
        return probes;
    }

    private static long over(final Histogram h, final long ns)
    {
        return h.getTotalCount() - h.getCountBetweenValues(0, ns);
    }

    private static long us(final long ns)
    {
        return Math.round(ns / 1000.0);
    }
}
