package io.quire.engine.ot;

import org.junit.jupiter.api.Test;

import java.util.Arrays;
import java.util.Random;

import static org.assertj.core.api.Assertions.assertThat;
import static org.quicktheories.QuickTheory.qt;
import static org.quicktheories.generators.SourceDSL.integers;
import static org.quicktheories.generators.SourceDSL.longs;

class ChunkHashTest
{
    @Test
    void hashMatchesHorner()
    {
        qt().withExamples(300)
            .forAll(longs().all(), integers().between(0, 9000), integers().between(0, 7))
            .checkAssert(ChunkHashTest::hashMatchesHorner);
    }

    private static void hashMatchesHorner(final long seed, final int length, final int offset)
    {
        final Random random = new Random(seed);
        final char[] chars = new char[offset + length];
        for (int i = 0; i < chars.length; i++)
        {
            chars[i] = (char)(random.nextBoolean() ? random.nextInt(128) : random.nextInt(0x10000));
        }
        assertThat(ChunkHash.hash(chars, offset, length))
            .isEqualTo(TextChecksum.update(TextChecksum.EMPTY, chars, offset, length));
    }

    @Test
    void largestCodeUnitsAtLargestRunDoNotOverflow()
    {
        final char[] chars = new char[ChunkHash.MAX_RUN];
        Arrays.fill(chars, '\uFFFF');
        assertThat(ChunkHash.hash(chars, 0, chars.length))
            .isEqualTo(TextChecksum.update(TextChecksum.EMPTY, chars, 0, chars.length));
    }

    @Test
    void invPowIsTheInverseOfPow()
    {
        for (int n = 0; n <= ChunkHash.MAX_RUN; n++)
        {
            assertThat(TextChecksum.mulMod(ChunkHash.pow(n), ChunkHash.invPow(n))).as("n=%d", n).isEqualTo(1L);
        }
    }

    @Test
    void powMatches()
    {
        qt().withExamples(200)
            .forAll(integers().between(0, 10_000))
            .checkAssert(n -> assertThat(ChunkHash.pow(n)).isEqualTo(TextChecksum.pow(n)));
    }
}
