package io.quire.engine;

import io.quire.common.ConfigException;
import io.quire.engine.ingress.IngressAgent;
import io.quire.engine.ring.ShardRing;
import net.openhft.affinity.Affinity;
import net.openhft.affinity.impl.LinuxHelper;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.BitSet;
import java.util.Locale;

/**
 * A set of CPUs that threads are pinned to ({@code affinity.engine}, {@code affinity.background}): the dedicated-host
 * opt-in that gives the write path's threads CPUs nothing else of the JVM runs on. Written as a Linux CPU list
 * ({@code 1}, {@code 0,2}, {@code 2-3}); empty means no pinning, the default. Pinning goes through OpenHFT's affinity
 * library ({@code sched_setaffinity} by JNA; it comes with Chronicle Queue), so it works on Linux only, and the
 * options are refused elsewhere.
 * <p>
 * Cold path: parsed once when the options are concluded, applied once per thread when it starts.
 */
public final class CpuSet
{
    private static final Logger LOG = LoggerFactory.getLogger(CpuSet.class);
    private static final Path ONLINE = Path.of("/sys/devices/system/cpu/online");
    private static final Path TASKS = Path.of("/proc/self/task");

    /** No pinning. */
    public static final CpuSet NONE = new CpuSet(new BitSet());

    private final BitSet cpus;

    private CpuSet(final BitSet cpus)
    {
        this.cpus = cpus;
    }

    /**
     * @param option the option's name, for the error.
     * @param list   a CPU list such as {@code 1}, {@code 0,2} or {@code 2-3}; blank or {@code none} for none.
     * @return the set.
     * @throws ConfigException if the list is malformed.
     */
    public static CpuSet parse(final String option, final String list)
    {
        final String trimmed = list == null ? "" : list.trim().toLowerCase(Locale.ROOT);
        if (trimmed.isEmpty() || trimmed.equals("none"))
        {
            return NONE;
        }
        final BitSet cpus = new BitSet();
        for (final String part : trimmed.split(","))
        {
            final String[] range = part.trim().split("-", -1);
            try
            {
                final int from = Integer.parseInt(range[0].trim());
                final int to = range.length == 2 ? Integer.parseInt(range[1].trim()) : from;
                if (range.length > 2 || from < 0 || to < from || to > 4095)
                {
                    throw new NumberFormatException();
                }
                cpus.set(from, to + 1);
            }
            catch (final NumberFormatException ex)
            {
                throw new ConfigException(option + " must be a CPU list such as 1, 0,2 or 2-3 (CPUs 0-4095), got '" +
                    list + "'");
            }
        }
        return new CpuSet(cpus);
    }

    /** @return the CPUs the kernel has online ({@code /sys/devices/system/cpu/online}), else 0..n-1. */
    public static CpuSet online()
    {
        try
        {
            return parse(ONLINE.toString(), new String(Files.readAllBytes(ONLINE), StandardCharsets.US_ASCII));
        }
        catch (final IOException | ConfigException ex)
        {
            final BitSet all = new BitSet();
            all.set(0, Runtime.getRuntime().availableProcessors());
            return new CpuSet(all);
        }
    }

    /** @return true if this set pins nothing. */
    public boolean isEmpty()
    {
        return cpus.isEmpty();
    }

    /**
     * @param other another set.
     * @return true if every CPU of {@code other} is in this set.
     */
    public boolean containsAll(final CpuSet other)
    {
        final BitSet rest = (BitSet)other.cpus.clone();
        rest.andNot(cpus);
        return rest.isEmpty();
    }

    /**
     * Check that this set can be applied here: CPUs that are online, on a system where threads can be pinned.
     *
     * @param option the option's name, for the error.
     * @throws ConfigException if it cannot.
     */
    public void check(final String option)
    {
        if (isEmpty())
        {
            return;
        }
        final CpuSet online = online();
        if (!online.containsAll(this))
        {
            throw new ConfigException(option + " = " + this + " names CPUs that are not online here (online: " +
                online + ")");
        }
        if (!System.getProperty("os.name", "").toLowerCase(Locale.ROOT).startsWith("linux") ||
            !Affinity.isJNAAvailable())
        {
            throw new ConfigException(option + " pins threads with sched_setaffinity, which needs Linux and JNA; " +
                "leave it empty here");
        }
    }

    /**
     * Pin the calling thread to this set (no-op if empty). A failure is logged, never thrown: the thread works as
     * well unpinned.
     *
     * @param option the option that asked for it, for the log.
     */
    public void pinCurrentThread(final String option)
    {
        if (isEmpty())
        {
            return;
        }
        final String name = Thread.currentThread().getName();
        try
        {
            Affinity.setAffinity((BitSet)cpus.clone());
            LOG.info("thread {} pinned to CPUs {} ({})", name, this, option);
        }
        catch (final RuntimeException | LinkageError ex)
        {
            LOG.warn("thread {} could not be pinned to CPUs {} ({}); it runs unpinned", name, this, option, ex);
        }
    }

    /**
     * Pin every thread this JVM runs now (the JVM's own: GC, JIT, the main thread; and any already started) to this
     * set (no-op if empty), except the write-path threads of nodes already running in this JVM ({@code
     * quire-engine}, {@code quire-ingress}, {@code quire-shard-*}), which keep their own. Threads started later
     * inherit the affinity of the thread that starts them, so calling this from the thread that goes on to start the
     * node's threads covers those too.
     *
     * @param option the option that asked for it, for the log.
     * @return threads pinned.
     */
    public int pinEveryThread(final String option)
    {
        if (isEmpty())
        {
            return 0;
        }
        int pinned = 0;
        int failed = 0;
        try (DirectoryStream<Path> tasks = Files.newDirectoryStream(TASKS))
        {
            for (final Path task : tasks)
            {
                try
                {
                    if (isWritePath(Files.readString(task.resolve("comm")).trim()))
                    {
                        continue;
                    }
                    final int tid = Integer.parseInt(task.getFileName().toString());
                    LinuxHelper.sched_setaffinity(tid, (BitSet)cpus.clone());
                    pinned++;
                }
                catch (final IOException | RuntimeException | LinkageError ex)
                {
                    failed++; // the thread has exited since the listing, or may not be moved
                }
            }
        }
        catch (final IOException ex)
        {
            LOG.warn("could not list this JVM's threads to pin them to CPUs {} ({})", this, option, ex);
            return 0;
        }
        LOG.info("{} threads of this JVM pinned to CPUs {} ({}){}", pinned, this, option,
            failed > 0 ? "; " + failed + " could not be" : "");
        return pinned;
    }

    /**
     * @param comm a thread's kernel name (Java's thread name, cut to 15 characters).
     * @return true for the threads {@code affinity.engine} pins: the single mode's engine thread, the ingress, the
     *         rings' stage threads.
     */
    static boolean isWritePath(final String comm)
    {
        return comm.equals(EngineAgent.THREAD_NAME) || comm.equals(IngressAgent.THREAD_NAME) ||
            comm.startsWith(ShardRing.THREAD_NAME_PREFIX);
    }

    @Override
    public boolean equals(final Object o)
    {
        return o instanceof CpuSet && ((CpuSet)o).cpus.equals(cpus);
    }

    @Override
    public int hashCode()
    {
        return cpus.hashCode();
    }

    /** @return the set as a CPU list ({@code 0,2-3}), or {@code none}. */
    @Override
    public String toString()
    {
        if (cpus.isEmpty())
        {
            return "none";
        }
        final StringBuilder sb = new StringBuilder();
        for (int from = cpus.nextSetBit(0); from >= 0; )
        {
            final int to = cpus.nextClearBit(from) - 1;
            if (sb.length() > 0)
            {
                sb.append(',');
            }
            sb.append(from);
            if (to > from)
            {
                sb.append('-').append(to);
            }
            from = cpus.nextSetBit(to + 1);
        }
        return sb.toString();
    }
}
