package io.quire.engine.shard;

import org.junit.jupiter.api.Test;

import java.util.ArrayDeque;
import java.util.HashSet;
import java.util.Random;
import java.util.Set;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The ring of recent ops: growth, recycling only what the journal has passed, trimming, lookups across the wrap. */
class HistoryTest
{
    private static HistoryEntry append(final History history, final long version, final long journaled,
        final long ringSequence)
    {
        final HistoryEntry entry = history.append(version, journaled);
        entry.version = version;
        entry.ringSequence = ringSequence;
        return entry;
    }

    private static void assertHolds(final History history, final long first, final long end)
    {
        assertThat(history.firstVersion()).isEqualTo(first);
        assertThat(history.endVersion()).isEqualTo(end);
        assertThat(history.size()).isEqualTo((int)(end - first));
        for (long v = first; v < end; v++)
        {
            assertThat(history.contains(v)).isTrue();
            assertThat(history.get(v).version()).as("entry at %d", v).isEqualTo(v);
        }
        assertThat(history.contains(first - 1)).isFalse();
        assertThat(history.contains(end)).isFalse();
        assertThat(history.oldest().version()).isEqualTo(first);
    }

    @Test
    void growsFromAnyInitialCapacityKeepingOrder()
    {
        for (final int initial : new int[] {0, 1, 3, 5, 16, 17})
        {
            final History history = new History(initial, 100);
            for (long v = 7; v < 7 + 100; v++)
            {
                append(history, v, -1, v);
            }
            assertHolds(history, 7, 107);
        }
    }

    @Test
    void recyclesTheOldestOnlyOnceTheJournalHasPassedIt()
    {
        final History history = new History(4, 5);
        for (long v = 0; v < 5; v++)
        {
            append(history, v, -1, 100 + v);
        }
        // Nothing journaled yet: the history grows beyond its bound rather than drop an op the journal lacks.
        append(history, 5, 99, 105);
        append(history, 6, 99, 106);
        assertHolds(history, 0, 7);
        // The journal passed ring sequence 100 (version 0): exactly that one is recycled.
        final HistoryEntry oldest = history.oldest();
        final HistoryEntry recycled = append(history, 7, 100, 107);
        assertThat(recycled).isSameAs(oldest);
        assertHolds(history, 1, 8);
        // Trim drops the surplus the journal has passed, never below the bound.
        history.trim(103);
        assertHolds(history, 3, 8);
        history.trim(Long.MAX_VALUE);
        assertHolds(history, 3, 8);
        append(history, 8, Long.MAX_VALUE, 108);
        assertHolds(history, 4, 9);
    }

    @Test
    void aVersionOtherThanTheNextIsRefused()
    {
        final History history = new History(4, 5);
        append(history, 10, -1, 0);
        assertThatThrownBy(() -> history.append(12, -1)).isInstanceOf(IllegalStateException.class);
    }

    @Test
    void clearedHistoryStartsAnywhereAndReusesItsEntries()
    {
        final History history = new History(2, 3);
        final Set<HistoryEntry> seen = new HashSet<>();
        for (long v = 0; v < 4; v++)
        {
            seen.add(append(history, v, -1, v));
        }
        history.clear();
        assertThat(history.size()).isZero();
        for (long v = 50; v < 54; v++)
        {
            assertThat(seen).contains(append(history, v, -1, v));
        }
        assertHolds(history, 50, 54);
    }

    @Test
    void matchesAModelUnderRandomJournalProgress()
    {
        final Random random = new Random(42);
        for (int round = 0; round < 50; round++)
        {
            final int maxOps = 1 + random.nextInt(40);
            final History history = new History(random.nextInt(20), maxOps);
            // The model: (version, ring sequence) of every op held, oldest first.
            final ArrayDeque<long[]> model = new ArrayDeque<>();
            long journaled = -1;
            long sequence = 0;
            final long start = random.nextInt(1000);
            for (long v = start; v < start + 500; v++)
            {
                sequence += 1 + random.nextInt(3);
                if (random.nextInt(4) == 0)
                {
                    journaled = sequence - random.nextInt(60);
                }
                if (model.size() >= maxOps && model.peekFirst()[1] <= journaled)
                {
                    model.pollFirst();
                }
                append(history, v, journaled, sequence);
                model.addLast(new long[] {v, sequence});
                if (random.nextInt(10) == 0)
                {
                    while (model.size() > maxOps && model.peekFirst()[1] <= journaled)
                    {
                        model.pollFirst();
                    }
                    history.trim(journaled);
                }
                assertHolds(history, model.peekFirst()[0], v + 1);
            }
        }
    }
}
