package io.quire.perf.jitter;

import org.agrona.concurrent.NanoClock;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * The probe's loop against a clock that returns a scripted sequence of readings: only gaps above the threshold are
 * stalls, their lengths and total are what was scripted, and the loop stops at its duration.
 */
class StallProbeTest
{
    /** Readings 1 µs apart, with the gaps given inserted at the positions given. */
    private static final class ScriptedClock implements NanoClock
    {
        private final long[] gapAt;
        private final long[] gapNs;
        private long now;
        private int reads;

        ScriptedClock(final long[] gapAt, final long[] gapNs)
        {
            this.gapAt = gapAt;
            this.gapNs = gapNs;
        }

        @Override
        public long nanoTime()
        {
            long step = 1_000;
            for (int i = 0; i < gapAt.length; i++)
            {
                if (gapAt[i] == reads)
                {
                    step = gapNs[i];
                }
            }
            reads++;
            now += step;
            return now;
        }
    }

    @Test
    void recordsOnlyGapsAboveTheThresholdAndStopsAtItsDuration()
    {
        final ScriptedClock clock = new ScriptedClock(new long[] {10, 20, 30}, new long[] {9_000, 250_000, 3_000_000});
        final StallProbe probe = new StallProbe(clock, 10_000);

        probe.run(5_000_000);

        assertThat(probe.gaps().getTotalCount()).isEqualTo(2);
        assertThat(probe.gaps().getMaxValue()).isBetween(2_997_000L, 3_003_000L);
        assertThat(probe.gaps().getMinNonZeroValue()).isBetween(249_000L, 251_000L);
        assertThat(probe.stalledNs()).isEqualTo(3_250_000);
        assertThat(probe.measuredNs()).isBetween(5_000_000L, 5_001_000L);

        probe.reset();
        assertThat(probe.gaps().getTotalCount()).isZero();
        assertThat(probe.stalledNs()).isZero();
    }

    @Test
    void aStallLongerThanTheHistogramHoldsIsRecordedAtItsMaximum()
    {
        final StallProbe probe = new StallProbe(new ScriptedClock(new long[] {3}, new long[] {StallProbe.HIGHEST_NS * 2}),
            10_000);

        probe.run(1_000_000);

        assertThat(probe.gaps().getTotalCount()).isEqualTo(1);
        assertThat(probe.gaps().getMaxValue()).isGreaterThanOrEqualTo(StallProbe.HIGHEST_NS);
        assertThat(probe.stalledNs()).isEqualTo(StallProbe.HIGHEST_NS * 2);
    }

    @Test
    void refusesAThresholdBelowOneNanosecond()
    {
        assertThatThrownBy(() -> new StallProbe(System::nanoTime, 0)).isInstanceOf(IllegalArgumentException.class);
    }
}
