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
    private final AtomicCounter docsLoaded;
    private final AtomicCounter docLoads;
    private final AtomicCounter docUnloads;
    private final AtomicCounter docUnloadSnapshotsInline;
    private final AtomicCounter docUnloadsDeferred;
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
        docsLoaded = factory.apply("docs-loaded");
        docLoads = factory.apply("doc-loads");
        docUnloads = factory.apply("doc-unloads");
        docUnloadSnapshotsInline = factory.apply("doc-unload-snapshots-inline");
        docUnloadsDeferred = factory.apply("doc-unloads-deferred");
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
     * A document was loaded into memory (from a snapshot and the journal, or new).
     *
     * @param loaded documents in memory now.
     */
    void docLoaded(final int loaded)
    {
        docLoads.incrementOrdered();
        docsLoaded.setOrdered(loaded);
    }

    /**
     * Documents were installed in memory other than by a load (recovery).
     *
     * @param loaded documents in memory now.
     */
    void docsInMemory(final int loaded)
    {
        docsLoaded.setOrdered(loaded);
    }

    /**
     * A document was unloaded.
     *
     * @param loaded         documents in memory now.
     * @param inlineSnapshot its snapshot was written on the shard thread (the background writer was full).
     */
    void docUnloaded(final int loaded, final boolean inlineSnapshot)
    {
        docUnloads.incrementOrdered();
        if (inlineSnapshot)
        {
            docUnloadSnapshotsInline.incrementOrdered();
        }
        docsLoaded.setOrdered(loaded);
    }

    /** Eviction stopped because the background snapshot writer was full; the store stays over its bounds a while. */
    void docUnloadDeferred()
    {
        docUnloadsDeferred.incrementOrdered();
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

    /** @return documents in memory. */
    public long docsLoaded()
    {
        return docsLoaded.get();
    }

    /** @return documents loaded into memory since start (each load after an unload counts again). */
    public long docLoads()
    {
        return docLoads.get();
    }

    /** @return documents unloaded since start. */
    public long docUnloads()
    {
        return docUnloads.get();
    }

    /** @return unloads whose snapshot the shard thread wrote itself because the background writer was full. */
    public long docUnloadSnapshotsInline()
    {
        return docUnloadSnapshotsInline.get();
    }

    /** @return times eviction stopped because the background snapshot writer was full. */
    public long docUnloadsDeferred()
    {
        return docUnloadsDeferred.get();
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
