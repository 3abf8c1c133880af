package io.quire.common;

import org.agrona.concurrent.IdleStrategy;

import java.util.concurrent.locks.LockSupport;

/**
 * Agrona's backoff (spin, then yield, then park for exponentially longer up to a maximum), except that another thread
 * can cut a park short with {@link #wake()}: a producer in the same JVM that has just handed the agent work (a message
 * on an Aeron IPC publication the agent polls) wakes it instead of leaving the message until the park ends. Without
 * wakes it behaves, and costs, exactly like {@code backoff}: an idle agent still parks up to the maximum.
 * <p>
 * No wake is lost: {@link #wake()} raises a flag before it looks for a parked thread, and the agent looks at the flag
 * after it has published itself as parked and before it parks (both volatile, so at least one of the two sees the
 * other). A wake while the agent runs leaves the flag up and costs the agent one short loop at its next park. While
 * the flag is up a producer pays one volatile read. {@link #wake()} may be called from any thread; the other methods
 * only by the agent's own.
 */
public final class WakeableIdleStrategy implements IdleStrategy
{
    private static final int NOT_IDLE = 0;
    private static final int SPINNING = 1;
    private static final int YIELDING = 2;
    private static final int PARKING = 3;

    private final long maxSpins;
    private final long maxYields;
    private final long minParkNs;
    private final long maxParkNs;
    private int state = NOT_IDLE;
    private long spins;
    private long yields;
    private long parkNs;
    /** The agent's thread while it parks (or is about to), else null: what {@link #wake()} reads. */
    private volatile Thread parked;
    /** Raised by {@link #wake()}, lowered by the agent when it is about to park. */
    private volatile boolean wakeRequested;

    /**
     * @param maxSpins  spins before yielding.
     * @param maxYields yields before parking.
     * @param minParkNs first park.
     * @param maxParkNs longest park.
     */
    public WakeableIdleStrategy(final long maxSpins, final long maxYields, final long minParkNs, final long maxParkNs)
    {
        this.maxSpins = maxSpins;
        this.maxYields = maxYields;
        this.minParkNs = minParkNs;
        this.maxParkNs = maxParkNs;
    }

    /** Any thread: if the agent is parked, unpark it now; if it is about to park, it will not. */
    public void wake()
    {
        if (!wakeRequested)
        {
            wakeRequested = true;
        }
        final Thread thread = parked;
        if (thread != null)
        {
            LockSupport.unpark(thread);
        }
    }

    /** {@inheritDoc} */
    public void idle(final int workCount)
    {
        if (workCount > 0)
        {
            reset();
        }
        else
        {
            idle();
        }
    }

    /** {@inheritDoc} */
    public void idle()
    {
        switch (state)
        {
            case NOT_IDLE:
                state = SPINNING;
                spins++;
                break;
            case SPINNING:
                Thread.onSpinWait();
                if (++spins > maxSpins)
                {
                    state = YIELDING;
                    yields = 0;
                }
                break;
            case YIELDING:
                if (++yields > maxYields)
                {
                    state = PARKING;
                    parkNs = minParkNs;
                }
                else
                {
                    Thread.yield();
                }
                break;
            case PARKING:
            default:
                if (parkAtMost(parkNs))
                {
                    parkNs = Math.min(parkNs << 1, maxParkNs);
                }
                break;
        }
    }

    /**
     * The agent's own thread: park for at most {@code nanos} (e.g. until a paced sender's next send is due), returning
     * early on {@link #wake()}; returns at once if a wake is pending. Leaves the backoff state as it was.
     *
     * @param nanos longest park.
     * @return false if it did not park because a wake was pending.
     */
    public boolean parkAtMost(final long nanos)
    {
        parked = Thread.currentThread();
        if (wakeRequested)
        {
            // Work may have arrived after the agent last looked: go and look again instead of parking.
            wakeRequested = false;
            parked = null;
            return false;
        }
        LockSupport.parkNanos(nanos);
        parked = null;
        wakeRequested = false;
        return true;
    }

    /** {@inheritDoc} */
    public void reset()
    {
        spins = 0;
        yields = 0;
        parkNs = minParkNs;
        state = NOT_IDLE;
    }

    /** {@inheritDoc} */
    public String alias()
    {
        return "wakeable-backoff";
    }

    /** {@inheritDoc} */
    public String toString()
    {
        return "WakeableIdleStrategy{spins=" + maxSpins + ", yields=" + maxYields + ", minParkNs=" + minParkNs +
            ", maxParkNs=" + maxParkNs + '}';
    }
}
