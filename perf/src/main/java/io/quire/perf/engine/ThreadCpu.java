package io.quire.perf.engine;

import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.StringJoiner;

/**
 * CPU time of every thread of this process by thread name, from Linux's {@code /proc/self/task/<tid>/stat} (user plus
 * system time, in clock ticks of 10 ms): the JVM's own threads too (JIT compilers, GC), which the JMX thread bean does
 * not list. Two snapshots around a measured period say where its CPU went, per op: which is the engine's own cost and
 * which the harness's. Threads are keyed by their kernel name (15 characters at most); threads of one name are
 * summed. Elsewhere than Linux a snapshot is empty.
 * <p>
 * A snapshot also holds what the scheduler did to each thread ({@code schedstat}: ns spent runnable but waiting for
 * a CPU; {@code status}: switches forced on it) and how much time the hypervisor took from the machine's CPUs
 * ({@code /proc/stat}'s steal): the two ways a thread that has work can still be off its CPU, told apart.
 */
final class ThreadCpu
{
    /** Linux's USER_HZ: {@code /proc} times are in 1/100 s on every architecture the JVM runs on. */
    private static final long NANOS_PER_TICK = 10_000_000L;
    private static final Path TASKS = Path.of("/proc/self/task");
    private static final Path STAT = Path.of("/proc/stat");

    private final Map<Long, Long> ticksByTid = new HashMap<>();
    private final Map<Long, String> nameByTid = new HashMap<>();
    private final Map<Long, Long> waitNsByTid = new HashMap<>();
    private final Map<Long, Long> preemptionsByTid = new HashMap<>();
    /** All CPUs' ticks and their steal ticks ({@code /proc/stat}'s first line); -1 if unreadable. */
    private long machineTicks = -1;
    private long stealTicks = -1;

    private ThreadCpu()
    {
    }

    /** @return the CPU time of every live thread of the process now. */
    static ThreadCpu snapshot()
    {
        final ThreadCpu snapshot = new ThreadCpu();
        if (!Files.isDirectory(TASKS))
        {
            return snapshot;
        }
        try (DirectoryStream<Path> tasks = Files.newDirectoryStream(TASKS))
        {
            for (final Path task : tasks)
            {
                snapshot.read(task);
            }
        }
        catch (final IOException ex)
        {
            // The process's task list is always readable by itself; if not, report nothing rather than fail a run.
            snapshot.ticksByTid.clear();
        }
        snapshot.readSteal();
        return snapshot;
    }

    private void readSteal()
    {
        try
        {
            // "cpu  user nice system idle iowait irq softirq steal guest guest_nice", in ticks, all CPUs summed.
            final String first = Files.readAllLines(STAT).get(0);
            final String[] fields = first.trim().split("\\s+");
            if (!"cpu".equals(fields[0]) || fields.length < 9)
            {
                return;
            }
            long total = 0;
            for (int i = 1; i <= 8; i++)
            {
                total += Long.parseLong(fields[i]);
            }
            machineTicks = total;
            stealTicks = Long.parseLong(fields[8]);
        }
        catch (final IOException | RuntimeException ex)
        {
            // Not Linux, or an unexpected line: no steal figure.
        }
    }

    private void read(final Path task)
    {
        try
        {
            final String stat = Files.readString(task.resolve("stat"));
            // "tid (name) state ppid ...": the name may hold spaces and parentheses, so split at the last ')'.
            final int open = stat.indexOf('(');
            final int close = stat.lastIndexOf(')');
            if (open < 0 || close < open)
            {
                return;
            }
            final String[] fields = stat.substring(close + 2).split(" ");
            // After the name: state(0) ppid pgrp session tty_nr tpgid flags minflt cminflt majflt cmajflt utime(11)
            // stime(12).
            final long ticks = Long.parseLong(fields[11]) + Long.parseLong(fields[12]);
            final long tid = Long.parseLong(stat.substring(0, open).trim());
            ticksByTid.put(tid, ticks);
            nameByTid.put(tid, stat.substring(open + 1, close));
            readScheduler(task, tid);
        }
        catch (final NoSuchFileException ex)
        {
            // The thread ended between the listing and the read.
        }
        catch (final IOException | RuntimeException ex)
        {
            // An unreadable or unexpected line: leave the thread out.
        }
    }

    private void readScheduler(final Path task, final long tid) throws IOException
    {
        try
        {
            // schedstat: "ns on a CPU, ns runnable but waiting on a run queue, timeslices" (CONFIG_SCHED_INFO).
            final String[] sched = Files.readString(task.resolve("schedstat")).trim().split(" ");
            waitNsByTid.put(tid, Long.parseLong(sched[1]));
        }
        catch (final NoSuchFileException ex)
        {
            // A kernel without scheduler statistics.
        }
        for (final String line : Files.readAllLines(task.resolve("status")))
        {
            if (line.startsWith("nonvoluntary_ctxt_switches:"))
            {
                preemptionsByTid.put(tid, Long.parseLong(line.substring(line.indexOf(':') + 1).trim()));
            }
        }
    }

    /**
     * CPU time spent since an earlier snapshot, by thread name (threads that started since count from zero; threads
     * that ended since are missing from both).
     *
     * @param earlier the snapshot at the start of the period.
     * @return ns of CPU by name, largest first.
     */
    List<Map.Entry<String, Long>> since(final ThreadCpu earlier)
    {
        return byName(ticksByTid, earlier.ticksByTid, NANOS_PER_TICK);
    }

    /**
     * Time spent runnable but not running since an earlier snapshot, by thread name: the thread had work (or was
     * spinning) and the scheduler gave its CPU to another thread.
     *
     * @param earlier the snapshot at the start of the period.
     * @return ns waiting on a run queue by name, largest first (empty without scheduler statistics).
     */
    List<Map.Entry<String, Long>> runQueueWaitSince(final ThreadCpu earlier)
    {
        return byName(waitNsByTid, earlier.waitNsByTid, 1);
    }

    private List<Map.Entry<String, Long>> byName(
        final Map<Long, Long> now, final Map<Long, Long> before, final long scale)
    {
        final Map<String, Long> byName = new HashMap<>();
        for (final Map.Entry<Long, Long> e : now.entrySet())
        {
            final long delta = e.getValue() - before.getOrDefault(e.getKey(), 0L);
            if (delta > 0)
            {
                byName.merge(nameByTid.get(e.getKey()), delta * scale, Long::sum);
            }
        }
        final List<Map.Entry<String, Long>> sorted = new ArrayList<>(byName.entrySet());
        sorted.sort(Map.Entry.<String, Long>comparingByValue().reversed());
        return sorted;
    }

    /**
     * One line: for the threads that waited longest on a run queue over the period, the share of the period they
     * spent runnable but off a CPU and the switches forced on them per second; then the share of all CPUs' time the
     * hypervisor took (steal).
     *
     * @param earlier  the snapshot at the start of the period.
     * @param periodNs the period's length.
     * @param top      at most this many threads.
     * @return e.g. {@code quire-engine=4.1%/5120 java=2.0%/800 steal=0.0%}, or empty if nothing was measured.
     */
    String runQueue(final ThreadCpu earlier, final long periodNs, final int top)
    {
        if (periodNs <= 0)
        {
            return "";
        }
        final Map<String, Long> preemptions = new HashMap<>();
        for (final Map.Entry<String, Long> e : byName(preemptionsByTid, earlier.preemptionsByTid, 1))
        {
            preemptions.put(e.getKey(), e.getValue());
        }
        final StringJoiner line = new StringJoiner(" ");
        final List<Map.Entry<String, Long>> waits = runQueueWaitSince(earlier);
        for (int i = 0; i < Math.min(top, waits.size()); i++)
        {
            final Map.Entry<String, Long> e = waits.get(i);
            line.add(e.getKey().replace(' ', '_') + "=" +
                String.format(Locale.ROOT, "%.1f%%/%d", 100.0 * e.getValue() / periodNs,
                Math.round(preemptions.getOrDefault(e.getKey(), 0L) * 1e9 / periodNs)));
        }
        if (machineTicks > earlier.machineTicks && earlier.machineTicks >= 0)
        {
            line.add("steal=" + String.format(Locale.ROOT, "%.1f%%",
                100.0 * (stealTicks - earlier.stealTicks) / (machineTicks - earlier.machineTicks)));
        }
        return line.toString();
    }

    /**
     * One line: each thread's CPU per op in µs over the period, largest first, those under 1% of the total summed
     * as {@code other}.
     *
     * @param earlier the snapshot at the start of the period.
     * @param ops     ops in the period.
     * @return e.g. {@code quire-engine=1.95 main=0.55 other=0.10 total=2.60}, or empty if nothing was measured.
     */
    String perOp(final ThreadCpu earlier, final long ops)
    {
        final List<Map.Entry<String, Long>> spent = since(earlier);
        long total = 0;
        for (final Map.Entry<String, Long> e : spent)
        {
            total += e.getValue();
        }
        if (total == 0 || ops <= 0)
        {
            return "";
        }
        final StringJoiner line = new StringJoiner(" ");
        long other = 0;
        for (final Map.Entry<String, Long> e : spent)
        {
            if (e.getValue() * 100 < total)
            {
                other += e.getValue();
            }
            else
            {
                line.add(e.getKey().replace(' ', '_') + "=" + micros(e.getValue(), ops));
            }
        }
        if (other > 0)
        {
            line.add("other=" + micros(other, ops));
        }
        line.add("total=" + micros(total, ops));
        return line.toString();
    }

    private static String micros(final long nanos, final long ops)
    {
        return String.format(Locale.ROOT, "%.2f", nanos / 1000.0 / ops);
    }
}
