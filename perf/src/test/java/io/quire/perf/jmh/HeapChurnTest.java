package io.quire.perf.jmh;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/** ShardPipelineBenchmark's heap=scavenged set-up: it returns only once the young collector has run. */
class HeapChurnTest
{
    @Test
    void returnsAfterTheYoungCollectionsAsked()
    {
        assertThat(HeapChurn.youngCollections(2)).isGreaterThanOrEqualTo(2);
    }
}
