package io.quire.common;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The Linux timer slack of the calling thread: how late the kernel may fire its timed sleeps so that wake-ups can be
 * grouped. The default, 50 µs, turns every {@code parkNanos(1_000)} of a backoff idle strategy into a ~60 µs sleep,
 * which is most of the latency of a lightly loaded engine whose threads park between messages. Lowering it for the
 * few threads that carry messages keeps their parks short without spinning.
 * <p>
 * Set through {@code /proc/<tid>/timerslack_ns} (Linux 4.6+; a thread may change its own), so no native code is
 * needed. New threads inherit the slack of the thread that starts them.
 */
public final class TimerSlack
{
    private static final Path THREAD_SELF = Path.of("/proc/thread-self");

    private TimerSlack()
    {
    }

    /**
     * Set the calling thread's timer slack.
     *
     * @param nanos the slack in ns, at least 1 (0 would mean "the thread's default").
     * @return true if it was set; false where the system does not offer it (not Linux, older kernel, no permission).
     */
    public static boolean setForCurrentThread(final long nanos)
    {
        if (nanos < 1)
        {
            throw new IllegalArgumentException("timer slack must be at least 1 ns, got " + nanos);
        }
        try
        {
            Files.write(file(), Long.toString(nanos).getBytes(StandardCharsets.US_ASCII));
            return true;
        }
        catch (final IOException | RuntimeException ex)
        {
            return false;
        }
    }

    /**
     * @return the calling thread's timer slack in ns, or -1 where the system does not say.
     */
    public static long currentThread()
    {
        try
        {
            return Long.parseLong(new String(Files.readAllBytes(file()), StandardCharsets.US_ASCII).trim());
        }
        catch (final IOException | RuntimeException ex)
        {
            return -1;
        }
    }

    private static Path file() throws IOException
    {
        // /proc/thread-self links to /proc/<pid>/task/<tid>; the per-thread file lives at /proc/<tid>.
        final String tid = THREAD_SELF.toRealPath().getFileName().toString();
        return Path.of("/proc", tid, "timerslack_ns");
    }
}
