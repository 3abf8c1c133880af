package io.quire.common;

import org.agrona.concurrent.BusySpinIdleStrategy;
import org.agrona.concurrent.IdleStrategy;
import org.agrona.concurrent.NoOpIdleStrategy;
import org.agrona.concurrent.SleepingMillisIdleStrategy;
import org.agrona.concurrent.YieldingIdleStrategy;

import java.util.concurrent.TimeUnit;

/**
 * Idle strategies by name, for agents' duty cycles. The default everywhere is {@code backoff}: spin briefly, then
 * yield, then park from 1 µs up to 1 ms, so an idle node costs next to no CPU on a shared 2-core box. Spinning
 * ({@code busy-spin}, {@code no-op}) is an opt-in for dedicated hosts with cores to burn. A backoff can be tuned as
 * {@code backoff:SPINS:YIELDS:MIN_PARK:MAX_PARK}, e.g. {@code backoff:10:5:1us:1ms}. The backoff family
 * ({@code backoff}, {@code backoff:...}, {@code sleeping}) is a {@link WakeableIdleStrategy}: a producer in the same
 * JVM can end a park early ({@link #waker(IdleStrategy)}).
 */
public final class IdleStrategies
{
    /**
     * For an agent that a producer in the same JVM wakes for every message it hands it ({@link #waker}): spin
     * briefly, then park for the full 1 ms at once instead of climbing from 1 µs (each short park is a wake-up that
     * costs CPU after every message).
     */
    public static final String WOKEN = "backoff:10:0:1ms:1ms";

    /** The names accepted by {@link #parse(String)}. */
    public static final String NAMES = "backoff, sleeping, sleeping-ms, yielding, busy-spin, no-op";

    private IdleStrategies()
    {
    }

    /**
     * @param name one of {@link #NAMES}.
     * @return a new idle strategy (each agent needs its own instance).
     */
    public static IdleStrategy parse(final String name)
    {
        final String trimmed = name.trim().toLowerCase(java.util.Locale.ROOT);
        if (trimmed.startsWith("backoff:"))
        {
            return backoff(name, trimmed.substring("backoff:".length()).split(":"));
        }
        switch (trimmed)
        {
            case "backoff":
                return new WakeableIdleStrategy(
                    10, 20, TimeUnit.MICROSECONDS.toNanos(1), TimeUnit.MILLISECONDS.toNanos(1));
            case "sleeping":
                return new WakeableIdleStrategy(0, 0, TimeUnit.MICROSECONDS.toNanos(50), TimeUnit.MILLISECONDS.toNanos(1));
            case "sleeping-ms":
                return new SleepingMillisIdleStrategy(1);
            case "yielding":
                return new YieldingIdleStrategy();
            case "busy-spin":
                return new BusySpinIdleStrategy();
            case "no-op":
                return new NoOpIdleStrategy();
            default:
                throw new ConfigException("unknown idle strategy '" + name + "': expected one of " + NAMES +
                    " or backoff:SPINS:YIELDS:MIN_PARK:MAX_PARK");
        }
    }

    /**
     * @param strategy an agent's idle strategy.
     * @return what ends its park early (a producer calls it after handing the agent work), or a no-op for strategies
     *         that never park for long (spinning, yielding) or cannot be woken ({@code sleeping-ms}).
     */
    public static Runnable waker(final IdleStrategy strategy)
    {
        if (strategy instanceof WakeableIdleStrategy)
        {
            return ((WakeableIdleStrategy)strategy)::wake;
        }
        return () -> { };
    }

    private static IdleStrategy backoff(final String name, final String[] parts)
    {
        if (parts.length != 4)
        {
            throw new ConfigException("idle strategy '" + name + "' must be backoff:SPINS:YIELDS:MIN_PARK:MAX_PARK");
        }
        try
        {
            final long spins = Long.parseLong(parts[0]);
            final long yields = Long.parseLong(parts[1]);
            final long minPark = org.agrona.SystemUtil.parseDuration("min park", parts[2]);
            final long maxPark = org.agrona.SystemUtil.parseDuration("max park", parts[3]);
            if (spins < 0 || yields < 0 || minPark < 1 || maxPark < minPark)
            {
                throw new ConfigException("idle strategy '" + name + "': counts must not be negative and " +
                    "0 < MIN_PARK <= MAX_PARK");
            }
            return new WakeableIdleStrategy(spins, yields, minPark, maxPark);
        }
        catch (final NumberFormatException ex)
        {
            throw new ConfigException("idle strategy '" + name + "' must be backoff:SPINS:YIELDS:MIN_PARK:MAX_PARK " +
                "with durations such as 1us or 1ms");
        }
    }
}
