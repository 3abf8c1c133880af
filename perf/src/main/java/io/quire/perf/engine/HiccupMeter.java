package io.quire.perf.engine;

import io.quire.common.TimerSlack;
import org.HdrHistogram.Histogram;
import org.HdrHistogram.Recorder;

import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;

/**
 * The machine's own scheduling delays during a benchmark, measured beside it (jHiccup's idea): a thread that parks
 * for a fixed interval again and again and records how much later than asked it runs again. That is the wait any
 * parked thread of the benchmark (the engine's, the client's) can see on this machine at that moment, whatever the
 * engine does, so a latency tail can be read against it.
 */
public final class HiccupMeter implements AutoCloseable
{
    private static final long HIGHEST_NS = TimeUnit.SECONDS.toNanos(10);

    private final Recorder recorder = new Recorder(HIGHEST_NS, 3);
    private final long intervalNs;
    private final Thread thread;
    private volatile boolean running = true;

    /**
     * @param intervalNs  how long each park asks for.
     * @param timerSlackNs the timer slack the benchmark's own threads run with (0: leave the system's).
     */
    public HiccupMeter(final long intervalNs, final long timerSlackNs)
    {
        this.intervalNs = intervalNs;
        this.thread = new Thread(() -> run(timerSlackNs), "quire-hiccup");
        thread.setDaemon(true);
        thread.start();
    }

    private void run(final long timerSlackNs)
    {
        if (timerSlackNs > 0)
        {
            TimerSlack.setForCurrentThread(timerSlackNs);
        }
        while (running)
        {
            final long start = System.nanoTime();
            LockSupport.parkNanos(intervalNs);
            final long late = System.nanoTime() - start - intervalNs;
            recorder.recordValue(Math.min(HIGHEST_NS, Math.max(0, late)));
        }
    }

    /** Forget what was recorded so far (the warm-up). */
    public void reset()
    {
        recorder.getIntervalHistogram();
    }

    /** @return the delays recorded since the last {@link #reset()} or call, ns. */
    public Histogram take()
    {
        return recorder.getIntervalHistogram();
    }

    @Override
    public void close()
    {
        running = false;
        LockSupport.unpark(thread);
    }
}
