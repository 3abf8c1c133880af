package io.quire.engine.ring;

import com.lmax.disruptor.BlockingWaitStrategy;
import com.lmax.disruptor.BusySpinWaitStrategy;
import com.lmax.disruptor.LiteBlockingWaitStrategy;
import com.lmax.disruptor.PhasedBackoffWaitStrategy;
import com.lmax.disruptor.SleepingWaitStrategy;
import com.lmax.disruptor.WaitStrategy;
import com.lmax.disruptor.YieldingWaitStrategy;
import io.quire.common.ConfigException;

import java.util.Locale;
import java.util.concurrent.TimeUnit;

/**
 * Disruptor wait strategies by name. The default, {@code backoff}, spins for a few microseconds, yields briefly,
 * then blocks: low latency under load and no CPU when idle. {@code busy-spin} and {@code yielding} burn a core per
 * ring thread and are for dedicated hosts.
 */
public final class WaitStrategies
{
    /** Accepted names. */
    public static final String NAMES = "backoff, blocking, sleeping, yielding, busy-spin";

    private WaitStrategies()
    {
    }

    /**
     * @param name one of {@link #NAMES}.
     * @return a new wait strategy.
     */
    public static WaitStrategy parse(final String name)
    {
        switch (name.trim().toLowerCase(Locale.ROOT))
        {
            case "backoff":
                return new PhasedBackoffWaitStrategy(10, 50, TimeUnit.MICROSECONDS, new LiteBlockingWaitStrategy());
            case "blocking":
                return new BlockingWaitStrategy();
            case "sleeping":
                return new SleepingWaitStrategy();
            case "yielding":
                return new YieldingWaitStrategy();
            case "busy-spin":
                return new BusySpinWaitStrategy();
            default:
                throw new ConfigException("unknown wait strategy '" + name + "': expected one of " + NAMES);
        }
    }
}
