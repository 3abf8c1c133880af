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
 */
final class ThreadCpu
{
    /** Linux's USER_HZ: {@code /proc} times are in 1/100 s on every architecture the JVM runs on. */
    private static final long NANOS_PER_TICK = 10_000_000L;
    private static final Path TASKS = Path.of("/proc/self/task");

    private final Map<Long, Long> ticksByTid = new HashMap<>();
    private final Map<Long, String> nameByTid = new HashMap<>();

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
        return snapshot;
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

    /**
     * CPU time spent since an earlier snapshot, by thread name (threads that started since count from zero; threads
     * that ended since are missing from both).
     *
     * @param earlier the snapshot at the start of the period.
     * @return ns of CPU by name, largest first.
     */
    List<Map.Entry<String, Long>> since(final ThreadCpu earlier)
    {
        final Map<String, Long> byName = new HashMap<>();
        for (final Map.Entry<Long, Long> e : ticksByTid.entrySet())
        {
            final long before = earlier.ticksByTid.getOrDefault(e.getKey(), 0L);
            final long ticks = e.getValue() - before;
            if (ticks > 0)
            {
                byName.merge(nameByTid.get(e.getKey()), ticks * NANOS_PER_TICK, Long::sum);
            }
        }
        final List<Map.Entry<String, Long>> sorted = new ArrayList<>(byName.entrySet());
        sorted.sort(Map.Entry.<String, Long>comparingByValue().reversed());
        return sorted;
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
