package io.quire.perf.jmh;

import java.lang.management.GarbageCollectorMXBean;
import java.lang.management.ManagementFactory;

/**
 * Provokes young collections, so a benchmark can measure state as a long-running process holds it: moved by the
 * collector out of the order it was allocated in. A full collection ({@code System.gc()}) would not do: G1's and the
 * parallel collector's full collections slide objects together in address order, keeping that order.
 */
final class HeapChurn
{
    private static final int CHUNK = 16 * 1024;
    private static final long MAX_BYTES = 64L << 30;

    private HeapChurn()
    {
    }

    /**
     * Allocates short-lived chunks until the young collector has run {@code count} more times.
     *
     * @param count young collections to wait for.
     * @return the young collections that ran.
     * @throws IllegalStateException if no young collector is known or none ran after 64 GiB of garbage.
     */
    static long youngCollections(final int count)
    {
        final GarbageCollectorMXBean young = youngCollector();
        final long before = young.getCollectionCount();
        long allocated = 0;
        while (young.getCollectionCount() - before < count)
        {
            if (allocated > MAX_BYTES)
            {
                throw new IllegalStateException("no young collection after " + allocated + " bytes of garbage");
            }
            // The chunk's length read back, so the allocation cannot be optimised away.
            allocated += new byte[CHUNK].length;
        }
        return young.getCollectionCount() - before;
    }

    private static GarbageCollectorMXBean youngCollector()
    {
        for (final GarbageCollectorMXBean gc : ManagementFactory.getGarbageCollectorMXBeans())
        {
            final String name = gc.getName();
            // G1 Young Generation, PS Scavenge (parallel), Copy (serial), ZGC Minor (generational ZGC).
            if (name.contains("Young") || name.equals("PS Scavenge") || name.equals("Copy") || name.contains("Minor"))
            {
                return gc;
            }
        }
        throw new IllegalStateException("no young collector among " +
            ManagementFactory.getGarbageCollectorMXBeans().stream().map(GarbageCollectorMXBean::getName).toList());
    }
}
