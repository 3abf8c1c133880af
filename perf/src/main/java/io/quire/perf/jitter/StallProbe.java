package io.quire.perf.jitter;

import org.HdrHistogram.Histogram;
import org.agrona.concurrent.NanoClock;

import java.util.concurrent.TimeUnit;

/**
 * One thread's view of the machine's stalls (the idea of sysjitter): it does nothing but read the clock in a loop, so
 * any gap between two consecutive reads longer than a threshold is time the thread was not running, taken by the
 * kernel (interrupts, other threads) or, on a virtual machine, by the hypervisor (the vCPU was not scheduled). Every
 * such gap is recorded; shorter ones are the loop itself.
 * <p>
 * Single writer: each probe is run by one thread, and read only after that thread has finished.
 */
final class StallProbe
{
    /** Longest gap the histogram holds (longer ones are recorded as this). */
    static final long HIGHEST_NS = TimeUnit.SECONDS.toNanos(10);

    private final NanoClock clock;
    private final long thresholdNs;
    private final Histogram gaps = new Histogram(HIGHEST_NS, 3);
    private long stalledNs;
    private long measuredNs;

    /**
     * @param clock       the clock read in the loop (the system's monotonic one outside tests).
     * @param thresholdNs a gap longer than this is a stall.
     */
    StallProbe(final NanoClock clock, final long thresholdNs)
    {
        if (thresholdNs < 1)
        {
            throw new IllegalArgumentException("threshold must be at least 1 ns, got " + thresholdNs);
        }
        this.clock = clock;
        this.thresholdNs = thresholdNs;
    }

    /**
     * Read the clock in a loop until {@code durationNs} have passed, recording every gap above the threshold.
     *
     * @param durationNs how long to run.
     */
    void run(final long durationNs)
    {
        final long start = clock.nanoTime();
        final long end = start + durationNs;
        long previous = start;
        long stalled = 0;
        while (true)
        {
            final long now = clock.nanoTime();
            final long gap = now - previous;
            previous = now;
            if (gap > thresholdNs)
            {
                gaps.recordValue(Math.min(gap, HIGHEST_NS));
                stalled += gap;
            }
            if (now - end >= 0)
            {
                measuredNs += now - start;
                break;
            }
        }
        stalledNs += stalled;
    }

    /** @return the stalls recorded (ns). */
    Histogram gaps()
    {
        return gaps;
    }

    /** @return time spent in stalls (ns). */
    long stalledNs()
    {
        return stalledNs;
    }

    /** @return time the probe ran (ns). */
    long measuredNs()
    {
        return measuredNs;
    }

    /** Forget what was recorded (after a warm-up run). */
    void reset()
    {
        gaps.reset();
        stalledNs = 0;
        measuredNs = 0;
    }
}
