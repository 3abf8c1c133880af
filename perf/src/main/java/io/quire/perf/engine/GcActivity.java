package io.quire.perf.engine;

import java.lang.management.GarbageCollectorMXBean;
import java.lang.management.ManagementFactory;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.StringJoiner;

/**
 * The collections the JVM has run so far, by collector ({@code G1 Young Generation}, {@code PS Scavenge}, ...): count
 * and accumulated time. {@code bench-engine} reports them before and during the measured period because the engine's
 * cost per op depends on them: a young collection copies the documents' history entries and ring slots out of the
 * order the commits touch them, and the shard threads then spend about a quarter more CPU per op than on the heap as
 * allocated (see {@code ShardPipelineBenchmark}'s {@code heap} parameter). A long-running engine collects every few
 * minutes, so the moved heap is its steady state; a run without any collection measures a heap it will not keep.
 */
final class GcActivity
{
    private final Map<String, long[]> byCollector = new LinkedHashMap<>();

    private GcActivity()
    {
    }

    /** @return the collections of every collector of this JVM so far. */
    static GcActivity snapshot()
    {
        final GcActivity snapshot = new GcActivity();
        for (final GarbageCollectorMXBean gc : ManagementFactory.getGarbageCollectorMXBeans())
        {
            // -1 when a collector does not say; counted as none.
            snapshot.byCollector.put(gc.getName(),
                new long[] {Math.max(0, gc.getCollectionCount()), Math.max(0, gc.getCollectionTime())});
        }
        return snapshot;
    }

    /**
     * @param earlier a snapshot taken before this one, or null for the JVM's start.
     * @return e.g. {@code 2 collections, 31 ms (G1 Young Generation 2, 31 ms)}, collectors with none left out.
     */
    String since(final GcActivity earlier)
    {
        long count = 0;
        long millis = 0;
        final StringJoiner parts = new StringJoiner(", ", " (", ")").setEmptyValue("");
        for (final Map.Entry<String, long[]> entry : byCollector.entrySet())
        {
            final long[] before = earlier == null ? null : earlier.byCollector.get(entry.getKey());
            final long n = entry.getValue()[0] - (before == null ? 0 : before[0]);
            final long ms = entry.getValue()[1] - (before == null ? 0 : before[1]);
            if (n > 0)
            {
                parts.add(entry.getKey() + " " + n + ", " + ms + " ms");
                count += n;
                millis += ms;
            }
        }
        return count + (count == 1 ? " collection, " : " collections, ") + millis + " ms" + parts;
    }
}
