package io.quire.engine.ot;

import io.quire.engine.trace.Trace;
import io.quire.engine.trace.TraceReader;
import io.quire.test.RepoPaths;
import org.junit.jupiter.api.Test;

import java.io.IOException;

import static org.assertj.core.api.Assertions.assertThat;

class RopeTest
{
    @Test
    void emptyRopeHasNoChunksAndTheEmptyChecksum()
    {
        final Rope rope = new Rope();
        final int[] calls = {0};
        rope.forEachChunk((chars, offset, length) -> calls[0]++);
        assertThat(calls[0]).isZero();
        assertThat(rope.checksum()).isEqualTo(TextChecksum.EMPTY);
        assertThat(rope.toString()).isEmpty();
        assertThat(rope.length()).isZero();
        assertThat(rope.utf16Length()).isZero();
    }

    @Test
    void clearEmptiesABigRopeAndItCanBeReused()
    {
        final Rope rope = new Rope(RopePropertyTest.text(7, 50_000));
        rope.checksum();
        rope.clear();
        assertThat(rope.length()).isZero();
        assertThat(rope.checksum()).isEqualTo(TextChecksum.EMPTY);
        rope.insert(0, "a😀b");
        rope.delete(1, 1);
        assertThat(rope.toString()).isEqualTo("ab");
        assertThat(rope.checksum()).isEqualTo(TextChecksum.of("ab"));
        rope.checkInvariants();
    }

    @Test
    void smallRopeStaysSmall()
    {
        final Rope rope = new Rope("hello");
        rope.insert(5, ", world");
        assertThat(rope.estimatedBytes()).isLessThan(400);
    }

    @Test
    void footprintOfAnEditedDocument() throws IOException
    {
        // Text built by single-character edits: leaves between half and fully used, most carrying prefix checksums.
        final Trace trace = TraceReader.read(RepoPaths.trace("automerge-paper.json.gz"));
        final Rope rope = new Rope();
        for (int i = 0; i < trace.edits(); i++)
        {
            rope.delete(trace.position(i), trace.deleteCount(i));
            rope.insert(trace.position(i), trace.insertChars(), trace.insertStart(i), trace.insertLength(i));
        }
        final double perUnit = (double)rope.estimatedBytes() / rope.utf16Length();
        assertThat(perUnit).isBetween(2.0, 4.5);
    }

    /**
     * Typing: runs of edits at a moving cursor (a branch then refreshes around the one child that changed, from the
     * sides it cached) broken by jumps, big pastes and deletes that split and merge nodes (and so change the
     * children a branch cached its sides for); the checksum after every edit must be the text's.
     */
    @Test
    void checksumFollowsTypingAcrossSplitsMergesAndJumps()
    {
        final int[][] shapes = {{4, 4}, {16, 4}, {64, 5}, {Rope.DEFAULT_LEAF_MAX, Rope.DEFAULT_FANOUT}};
        for (final int[] shape : shapes)
        {
            for (long seed = 1; seed <= 3; seed++)
            {
                final java.util.Random random = new java.util.Random(seed);
                final Rope rope = new Rope(shape[0], shape[1]);
                final StringBuilder model = new StringBuilder();
                final String start = RopePropertyTest.text(seed, 3_000);
                rope.insert(0, start);
                model.append(start);
                int cursor = random.nextInt(rope.length() + 1);
                for (int step = 0; step < 6_000; step++)
                {
                    final int length = rope.length();
                    final int r = random.nextInt(1000);
                    if (r < 5)
                    {
                        cursor = random.nextInt(length + 1);
                    }
                    else if (r < 8)
                    {
                        final String paste = RopePropertyTest.text(seed * 31 + step, random.nextInt(3 * shape[0]));
                        rope.insert(cursor, paste);
                        model.insert(model.offsetByCodePoints(0, cursor), paste);
                    }
                    else if (r < 11 && length > 0)
                    {
                        final int from = random.nextInt(length);
                        final int count = Math.min(length - from, random.nextInt(4 * shape[0]));
                        rope.delete(from, count);
                        final int a = model.offsetByCodePoints(0, from);
                        model.delete(a, model.offsetByCodePoints(a, count));
                        cursor = from;
                    }
                    else if (r < 250 && cursor > 0)
                    {
                        rope.delete(cursor - 1, 1);
                        final int a = model.offsetByCodePoints(0, cursor - 1);
                        model.delete(a, model.offsetByCodePoints(a, 1));
                        cursor--;
                    }
                    else
                    {
                        final String typed = RopePropertyTest.text(seed + step, 1);
                        rope.insert(cursor, typed);
                        model.insert(model.offsetByCodePoints(0, cursor), typed);
                        cursor++;
                    }
                    assertThat(rope.checksum()).as("shape %s seed %d step %d", java.util.Arrays.toString(shape), seed,
                        step).isEqualTo(TextChecksum.of(model));
                    if (step % 500 == 0)
                    {
                        rope.checkInvariants();
                    }
                }
                assertThat(rope.toString()).isEqualTo(model.toString());
                rope.checkInvariants();
            }
        }
    }
}
