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

        assertThat(after.collectionsSince(before)).isPositive();
        assertThat(after.since(before))
            .matches("\\d+ collections?, \\d+ ms \\(.+ \\d+, \\d+ ms(, .+ \\d+, \\d+ ms)*\\)");
        assertThat(after.since(null)).startsWith(after.collections() + " collection");
    }
}
