package io.quire.perf.engine;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/** What bench-engine says about the collections before and during its measured period. */
class GcActivityTest
{
    @Test
    void countsTheCollectionsBetweenTwoSnapshotsByCollector()
    {
        final GcActivity before = GcActivity.snapshot();
        assertThat(GcActivity.snapshot().since(before)).isEqualTo("0 collections, 0 ms");

        System.gc();
        final GcActivity after = GcActivity.snapshot();

        final String since = after.since(before);
        final String perCollector = ".+ [1-9]\\d*, \\d+ ms";
        assertThat(since)
            .matches("[1-9]\\d* collections?, \\d+ ms \\(" + perCollector + "(, " + perCollector + ")*\\)");
        assertThat(count(after.since(null))).as("since the JVM started").isGreaterThanOrEqualTo(count(since));
    }

    private static long count(final String since)
    {
        return Long.parseLong(since.substring(0, since.indexOf(' ')));
    }
}
