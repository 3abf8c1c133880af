package io.quire.common;

import org.junit.jupiter.api.Test;

import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.quicktheories.QuickTheory.qt;
import static org.quicktheories.generators.SourceDSL.integers;
import static org.quicktheories.generators.SourceDSL.longs;

class SettingsPropertyTest
{
    @Test
    void sizesWithUnitSuffixesScaleByPowersOf1024()
    {
        qt().forAll(integers().between(0, 1 << 20), integers().between(0, 3)).checkAssert((n, unit) ->
        {
            final String suffix = new String[]{"", "k", "m", "g"}[unit];
            final long expected = (long)n << (10 * unit);
            assertThat(Settings.defaults("t", Map.of("size", n + suffix)).getSize("size", -1)).isEqualTo(expected);
        });
    }

    @Test
    void integersRoundTripWhateverTheirSign()
    {
        qt().forAll(longs().all()).checkAssert(v ->
            assertThat(Settings.defaults("t", Map.of("n", Long.toString(v))).getLong("n", 0)).isEqualTo(v));
    }
}
