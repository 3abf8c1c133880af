package io.quire.engine.ot;

import org.junit.jupiter.api.Test;
import org.quicktheories.api.Pair;
import org.quicktheories.core.Gen;

import java.util.List;
import java.util.Random;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.quicktheories.QuickTheory.qt;
import static org.quicktheories.generators.Generate.constant;
import static org.quicktheories.generators.Generate.frequency;
import static org.quicktheories.generators.SourceDSL.integers;
import static org.quicktheories.generators.SourceDSL.lists;
import static org.quicktheories.generators.SourceDSL.longs;

/**
 * Random edit sequences against a model (a StringBuilder addressed by code point offsets), checking every observable
 * and the tree invariants after every step. Text mixes ASCII, other BMP and non-BMP code points.
 */
class RopePropertyTest
{
    enum Kind
    {
        INSERT, INSERT_CHARS, DELETE, OUT_OF_RANGE
    }

    /** One step; positions and counts are seeds reduced modulo what the current text allows. */
    record Op(Kind kind, int posSeed, int countSeed, long textSeed, int textLength)
    {
    }

    @Test
    void tinyNodesMatchModel()
    {
        qt().withExamples(300)
            .forAll(ops(integers().between(0, 12), integers().between(0, 6), 20, 100))
            .checkAssert(ops -> run(new Rope(4, 4), "", ops));
    }

    @Test
    void smallNodesMatchModel()
    {
        final Gen<List<Op>> ops = ops(
            frequency(
                Pair.of(6, integers().between(0, 4)),
                Pair.of(3, integers().between(0, 100)),
                Pair.of(1, integers().between(0, 1500))),
            frequency(
                Pair.of(6, integers().between(0, 4)),
                Pair.of(1, integers().between(0, Integer.MAX_VALUE))),
            10, 80);
        qt().withExamples(200)
            .forAll(longs().all(), integers().between(0, 3000), ops)
            .checkAssert((seed, start, edits) -> run(new Rope(300, 5), text(seed, start), edits));
    }

    @Test
    void defaultNodesMatchModel()
    {
        final Gen<List<Op>> ops = ops(
            frequency(
                Pair.of(5, integers().between(0, 4)),
                Pair.of(2, integers().between(0, 500)),
                Pair.of(2, integers().between(0, 6000))),
            frequency(
                Pair.of(5, integers().between(0, 4)),
                Pair.of(2, integers().between(0, Integer.MAX_VALUE))),
            5, 40);
        qt().withExamples(100)
            .forAll(longs().all(), integers().between(2000, 60_000), ops)
            .checkAssert((seed, start, edits) ->
            {
                final String initial = text(seed, start);
                run(new Rope(initial), initial, edits);
            });
    }

    @Test
    void bulkBuiltRopeMatchesText()
    {
        qt().withExamples(100)
            .forAll(longs().all(), frequency(
                Pair.of(2, integers().between(0, 2000)),
                Pair.of(1, integers().between(0, 60_000))))
            .checkAssert((seed, codePoints) ->
            {
                final String text = text(seed, codePoints);
                final Rope rope = new Rope(text);
                rope.checkInvariants();
                check(rope, new StringBuilder(text), new Random(seed));
            });
    }

    private static Gen<List<Op>> ops(
        final Gen<Integer> textLengths, final Gen<Integer> countSeeds, final int minOps, final int maxOps)
    {
        final Gen<Kind> kinds = frequency(
            Pair.of(40, constant(Kind.INSERT)), Pair.of(15, constant(Kind.INSERT_CHARS)),
            Pair.of(37, constant(Kind.DELETE)), Pair.of(8, constant(Kind.OUT_OF_RANGE)));
        final Gen<Op> op = kinds.zip(
            integers().between(0, Integer.MAX_VALUE), countSeeds, longs().all(), textLengths, Op::new);
        return lists().of(op).ofSizeBetween(minOps, maxOps);
    }

    private static void run(final Rope rope, final String initial, final List<Op> ops)
    {
        if (rope.length() == 0)
        {
            rope.insert(0, initial);
        }
        final StringBuilder model = new StringBuilder(initial);
        final Random random = new Random(ops.size());
        for (final Op op : ops)
        {
            final int length = model.codePointCount(0, model.length());
            final int pos = op.posSeed() % (length + 1);
            switch (op.kind())
            {
                case INSERT ->
                {
                    final String s = text(op.textSeed(), op.textLength());
                    rope.insert(pos, s);
                    model.insert(model.offsetByCodePoints(0, pos), s);
                }
                case INSERT_CHARS ->
                {
                    final String s = text(op.textSeed(), op.textLength());
                    final char[] src = ("<<" + s + ">>").toCharArray();
                    rope.insert(pos, src, 2, s.length());
                    model.insert(model.offsetByCodePoints(0, pos), s);
                }
                case DELETE ->
                {
                    final int count = op.countSeed() % (length - pos + 1);
                    rope.delete(pos, count);
                    final int from = model.offsetByCodePoints(0, pos);
                    model.delete(from, model.offsetByCodePoints(from, count));
                }
                case OUT_OF_RANGE -> outOfRange(rope, op, length);
                default -> throw new IllegalStateException();
            }
            rope.checkInvariants();
            // Skipping the checksum half the time lets several edits pile up in a leaf before it is rehashed.
            if ((op.textSeed() & 1) == 0)
            {
                check(rope, model, random);
            }
        }
        check(rope, model, random);
        rope.checkInvariants();
    }

    /** Each out-of-range call must throw and leave the rope exactly as it was. */
    private static void outOfRange(final Rope rope, final Op op, final int length)
    {
        final String before = rope.toString();
        final long checksum = rope.checksum();
        final int beyond = length + 1 + op.countSeed() % 3;
        final int negative = -1 - op.countSeed() % 3;
        final int pos = op.posSeed() % (length + 1);
        assertThatThrownBy(() -> rope.insert(beyond, "x")).isInstanceOf(IndexOutOfBoundsException.class);
        assertThatThrownBy(() -> rope.insert(negative, "x")).isInstanceOf(IndexOutOfBoundsException.class);
        assertThatThrownBy(() -> rope.insert(beyond, new char[] {'x'}, 0, 1))
            .isInstanceOf(IndexOutOfBoundsException.class);
        assertThatThrownBy(() -> rope.insert(pos, new char[] {'x'}, 1, 1))
            .isInstanceOf(IndexOutOfBoundsException.class);
        assertThatThrownBy(() -> rope.delete(pos, length - pos + 1)).isInstanceOf(IndexOutOfBoundsException.class);
        assertThatThrownBy(() -> rope.delete(negative, 1)).isInstanceOf(IndexOutOfBoundsException.class);
        assertThatThrownBy(() -> rope.delete(pos, negative)).isInstanceOf(IndexOutOfBoundsException.class);
        assertThatThrownBy(() -> rope.delete(pos, Integer.MAX_VALUE)).isInstanceOf(IndexOutOfBoundsException.class);
        assertThatThrownBy(() -> rope.appendTo(pos, beyond, new StringBuilder()))
            .isInstanceOf(IndexOutOfBoundsException.class);
        assertThatThrownBy(() -> rope.appendTo(negative, pos, new StringBuilder()))
            .isInstanceOf(IndexOutOfBoundsException.class);
        assertThatThrownBy(() -> rope.codePointAt(length)).isInstanceOf(IndexOutOfBoundsException.class);
        if (pos > 0)
        {
            assertThatThrownBy(() -> rope.appendTo(pos, pos - 1, new StringBuilder()))
                .isInstanceOf(IndexOutOfBoundsException.class);
        }
        assertThat(rope.toString()).isEqualTo(before);
        assertThat(rope.checksum()).isEqualTo(checksum);
        assertThat(rope.length()).isEqualTo(length);
    }

    private static void check(final Rope rope, final StringBuilder model, final Random random)
    {
        final String expected = model.toString();
        final int length = expected.codePointCount(0, expected.length());
        assertThat(rope.toString()).isEqualTo(expected);
        assertThat(rope.length()).isEqualTo(length);
        assertThat(rope.utf16Length()).isEqualTo(expected.length());
        assertThat(rope.checksum()).isEqualTo(TextChecksum.of(expected));

        final StringBuilder chunks = new StringBuilder();
        rope.forEachChunk((chars, offset, len) ->
        {
            assertThat(len).isPositive();
            chunks.append(chars, offset, len);
        });
        assertThat(chunks.toString()).isEqualTo(expected);

        for (int i = 0; i < 3; i++)
        {
            final int a = random.nextInt(length + 1);
            final int b = a + random.nextInt(length - a + 1);
            final StringBuilder out = new StringBuilder("prefix:");
            rope.appendTo(a, b, out);
            final int from = expected.offsetByCodePoints(0, a);
            final String range = expected.substring(from, expected.offsetByCodePoints(from, b - a));
            assertThat(out.toString()).isEqualTo("prefix:" + range);
            assertThat(rope.substring(a, b)).isEqualTo(range);
            if (a < length)
            {
                assertThat(rope.codePointAt(a)).isEqualTo(expected.codePointAt(from));
            }
        }
        assertThat(rope.estimatedBytes()).isGreaterThanOrEqualTo(2L * expected.length());
    }

    /** Deterministic text of {@code codePoints} code points: mostly ASCII, some other BMP, some non-BMP. */
    static String text(final long seed, final int codePoints)
    {
        final Random random = new Random(seed);
        final StringBuilder sb = new StringBuilder(codePoints + 16);
        for (int i = 0; i < codePoints; i++)
        {
            final int r = random.nextInt(100);
            final int cp;
            if (r < 65)
            {
                cp = r < 5 ? '\n' : 'a' + random.nextInt(26);
            }
            else if (r < 75)
            {
                cp = 0xC0 + random.nextInt(0x40);
            }
            else if (r < 82)
            {
                cp = 0x4E00 + random.nextInt(0x100);
            }
            else
            {
                cp = random.nextBoolean() ? 0x1F600 + random.nextInt(0x50) : 0x10000 + random.nextInt(0x100000 - 1);
            }
            sb.appendCodePoint(cp);
        }
        return sb.toString();
    }
}
