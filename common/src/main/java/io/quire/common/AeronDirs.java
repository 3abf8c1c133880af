package io.quire.common;

import io.aeron.CommonContext;
import org.agrona.IoUtil;

import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Where Quire's embedded media drivers keep their directories by default, and the clean-up of the ones left behind:
 * a driver deletes its directory when it shuts down, but a process killed with SIGKILL (or by the OOM killer) cannot,
 * and each start names a new one after its process id, so without this every crash would leave tens of MB in
 * {@code /dev/shm}, which is memory, for good. A directory is deleted only if its name is one of ours, the process
 * id in it is not a live process and its driver's heartbeat ({@link CommonContext#isDriverActive}) is older than
 * 10 s. Cold path.
 */
public final class AeronDirs
{
    /** A driver whose heartbeat is younger than this is taken as running, whatever its process id says. */
    private static final long DRIVER_TIMEOUT_MS = 10_000;

    /** quire-engine-NODE-PID, quire-edge-EDGE-PID, quire-server-PID-NANOS: the process id is group 1 or 2. */
    private static final Pattern OURS = Pattern.compile("quire-(?:(?:engine|edge)-\\d+-(\\d+)|server-(\\d+)-\\d+)");

    private AeronDirs()
    {
    }

    /** @return {@code /dev/shm} where it exists (a tmpfs: the driver's files are memory), else {@code java.io.tmpdir}. */
    public static Path defaultParent()
    {
        final Path shm = Path.of("/dev/shm");
        return Files.isDirectory(shm) ? shm : Path.of(System.getProperty("java.io.tmpdir"));
    }

    /**
     * Delete the directories under {@code parent} that a Quire media driver of a process that no longer runs left
     * there (named as this class's defaults name them, with a process id that is not alive). Anything else, and
     * the directories of live processes, is left alone. Never throws.
     *
     * @param parent where to look (usually {@link #defaultParent()}).
     * @return one line per directory deleted ("deleted ...") or not ("could not ..."), for the caller to log.
     */
    public static List<String> deleteStale(final Path parent)
    {
        final List<String> report = new ArrayList<>();
        final long self = ProcessHandle.current().pid();
        try (DirectoryStream<Path> entries = Files.newDirectoryStream(parent))
        {
            for (final Path entry : entries)
            {
                final Matcher m = OURS.matcher(entry.getFileName().toString());
                if (!m.matches() || !Files.isDirectory(entry))
                {
                    continue;
                }
                final String digits = m.group(1) != null ? m.group(1) : m.group(2);
                final long pid;
                try
                {
                    pid = Long.parseLong(digits);
                }
                catch (final NumberFormatException ex)
                {
                    continue;
                }
                if (pid == self || ProcessHandle.of(pid).isPresent())
                {
                    continue;
                }
                try
                {
                    // A process id this process cannot see may belong to another PID namespace sharing /dev/shm:
                    // a driver that still heartbeats is left alone.
                    if (CommonContext.isDriverActive(entry.toFile(), DRIVER_TIMEOUT_MS, message -> { }))
                    {
                        continue;
                    }
                    IoUtil.delete(entry.toFile(), false);
                    report.add("deleted " + entry + ", left by process " + pid + ", which is gone");
                }
                catch (final Exception ex)
                {
                    report.add("could not delete " + entry + ", left by process " + pid + ": " + ex);
                }
            }
        }
        catch (final IOException | RuntimeException ex)
        {
            report.add("could not list " + parent + ": " + ex);
        }
        return report;
    }

    /**
     * {@link #deleteStale} in the directory that holds {@code aeronDir} (a driver about to start there), each line
     * handed to {@code log}.
     *
     * @param aeronDir the starting driver's directory.
     * @param log      receives one line per directory deleted or not.
     */
    public static void deleteStaleBeside(final String aeronDir, final Consumer<String> log)
    {
        final Path parent = Path.of(aeronDir).toAbsolutePath().getParent();
        if (parent != null)
        {
            deleteStale(parent).forEach(line -> log.accept("media driver directories: " + line));
        }
    }
}
