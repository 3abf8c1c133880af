package io.quire.engine.shard;

import io.quire.codec.protocol.RejectReason;
import org.agrona.concurrent.status.AtomicCounter;

import java.util.function.Function;

/**
 * The counters a shard's sequencer keeps. Single writer (the shard thread) with ordered writes, so any thread
 * (metrics, AeronStat) can read them without locks.
 */
public final class ShardCounters
{
    private final AtomicCounter opsIn;
    private final AtomicCounter committed;
    private final AtomicCounter duplicates;
    private final AtomicCounter reads;
    private final AtomicCounter presence;
    private final AtomicCounter ignored;
    private final AtomicCounter internalErrors;
    private final AtomicCounter[] rejects;

    /**
     * @param factory makes a counter from a label (e.g. an Aeron counter, visible to AeronStat).
     */
    public ShardCounters(final Function<String, AtomicCounter> factory)
    {
        opsIn = factory.apply("ops-in");
        committed = factory.apply("ops-committed");
        duplicates = factory.apply("ops-duplicate");
        reads = factory.apply("reads");
        presence = factory.apply("presence");
        ignored = factory.apply("ignored");
        internalErrors = factory.apply("internal-errors");
        final RejectReason[] reasons = RejectReason.values();
        rejects = new AtomicCounter[reasons.length];
        for (final RejectReason reason : reasons)
        {
            if (reason != RejectReason.NULL_VAL)
            {
                rejects[reason.ordinal()] = factory.apply("rejects-" + reason.name().toLowerCase(java.util.Locale.ROOT));
            }
        }
    }

    void opIn()
    {
        opsIn.incrementOrdered();
    }

    void committed()
    {
        committed.incrementOrdered();
    }

    void duplicate()
    {
        duplicates.incrementOrdered();
    }

    void read()
    {
        reads.incrementOrdered();
    }

    void presence()
    {
        presence.incrementOrdered();
    }

    void ignored()
    {
        ignored.incrementOrdered();
    }

    void internalError()
    {
        internalErrors.incrementOrdered();
    }

    /**
     * Count a reject (also used by the ingress for rejects it makes itself, e.g. a full ring).
     *
     * @param reason the reason.
     */
    public void rejected(final RejectReason reason)
    {
        final AtomicCounter counter = rejects[reason.ordinal()];
        if (counter != null)
        {
            counter.incrementOrdered();
        }
    }

    /** @return ops received. */
    public long opsIn()
    {
        return opsIn.get();
    }

    /** @return ops committed. */
    public long committedCount()
    {
        return committed.get();
    }

    /** @return duplicate submissions recognised. */
    public long duplicates()
    {
        return duplicates.get();
    }

    /** @return internal errors. */
    public long internalErrors()
    {
        return internalErrors.get();
    }

    /**
     * @param reason a reason.
     * @return rejects with that reason.
     */
    public long rejects(final RejectReason reason)
    {
        final AtomicCounter counter = rejects[reason.ordinal()];
        return counter == null ? 0 : counter.get();
    }
}
