package io.quire.engine.ot;

import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import java.util.function.IntUnaryOperator;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * 100 M code unit documents (under the test heap of 1 GB): bulk build, edits at the start, middle and end, and a
 * checksum after every edit compared with a value derived independently. The original text is computed from its index
 * (no second copy in memory); the expected checksum comes from one Horner pass ({@link TextChecksum#update}) that
 * records prefix hashes where the edits cut the original, combined with the hashes of the inserted literals.
 */
class RopeLargeDocumentTest
{
    private static final int UNITS = 100_000_000;

    /** One step: at pos(length) delete, then insert. */
    private record Edit(IntUnaryOperator pos, int delete, String insert)
    {
    }

    @Test
    void hundredMillionAsciiUnits()
    {
        run(new AsciiText(UNITS));
    }

    @Test
    void hundredMillionUnitsWithManyEmoji()
    {
        run(new EmojiText(UNITS / 5));
    }

    private static void run(final Original original)
    {
        final List<Edit> edits = List.of(
            new Edit(l -> 0, 0, "Hello, 世界 😀\n"),
            new Edit(l -> l / 2, 0, RopePropertyTest.text(1, 5000)),
            new Edit(l -> l, 0, "!"),
            new Edit(l -> 0, 20, ""),
            new Edit(l -> l / 2 - 2500, 5000, "x"),
            new Edit(l -> l - 3, 3, ""),
            new Edit(l -> l / 3, 1, "y"),
            new Edit(l -> l / 8, 3_000_000, ""),
            new Edit(l -> 3 * (l / 4), 0, RopePropertyTest.text(2, 500_000)),
            new Edit(l -> l / 2 + 7, 0, "é"));

        final Model dry = new Model(original, null);
        for (final Edit edit : edits)
        {
            final int pos = edit.pos().applyAsInt(dry.length());
            dry.delete(pos, edit.delete());
            dry.insert(pos, edit.insert());
        }
        final Model model = new Model(original, prefixHashes(original, dry.cuts));

        final Rope rope = new Rope(original);
        assertThat(rope.length()).isEqualTo(original.cpCount());
        assertThat(rope.utf16Length()).isEqualTo(original.length());
        assertThat(rope.checksum()).isEqualTo(model.checksum());
        // Bulk-built: 1/16 of each leaf left free for edits, plus ~72 bytes of node and array header per leaf.
        assertThat(rope.estimatedBytes()).isBetween(2L * original.length(), (long)(2.25 * original.length()));

        for (final Edit edit : edits)
        {
            final int pos = edit.pos().applyAsInt(model.length());
            rope.delete(pos, edit.delete());
            model.delete(pos, edit.delete());
            check(rope, model, pos);
            rope.insert(pos, edit.insert());
            model.insert(pos, edit.insert());
            check(rope, model, pos);
        }
        rope.checkInvariants();
    }

    private static void check(final Rope rope, final Model model, final int pos)
    {
        assertThat(rope.length()).isEqualTo(model.length());
        assertThat(rope.utf16Length()).isEqualTo(model.utf16Length());
        assertThat(rope.checksum()).isEqualTo(model.checksum());
        final int from = Math.max(0, pos - 40);
        final int to = Math.min(model.length(), pos + 40);
        assertThat(rope.substring(from, to)).isEqualTo(model.text(from, to));
    }

    /** @return the checksum of the original's first {@code cut} code points, for each cut and the whole text. */
    private static Map<Integer, Long> prefixHashes(final Original original, final TreeSet<Integer> cuts)
    {
        cuts.add(0);
        cuts.add(original.cpCount());
        final Map<Integer, Long> prefix = new HashMap<>();
        long h = TextChecksum.EMPTY;
        int at = 0;
        for (final int cut : cuts)
        {
            h = TextChecksum.update(h, original.subSequence((int)original.unitOf(at), (int)original.unitOf(cut)));
            prefix.put(cut, h);
            at = cut;
        }
        return prefix;
    }

    /** The document as a list of pieces of the original and inserted literals. */
    private static final class Model
    {
        private final Original original;
        /** Checksums of original prefixes, by code point; null for a dry run that only collects the cuts. */
        private final Map<Integer, Long> prefix;
        private final TreeSet<Integer> cuts = new TreeSet<>();
        private final List<Object> pieces = new ArrayList<>();

        Model(final Original original, final Map<Integer, Long> prefix)
        {
            this.original = original;
            this.prefix = prefix;
            pieces.add(new int[] {0, original.cpCount()});
        }

        int length()
        {
            int n = 0;
            for (final Object piece : pieces)
            {
                n += cps(piece);
            }
            return n;
        }

        long utf16Length()
        {
            long n = 0;
            for (final Object piece : pieces)
            {
                n += piece instanceof String ? ((String)piece).length() :
                    original.unitOf(((int[])piece)[1]) - original.unitOf(((int[])piece)[0]);
            }
            return n;
        }

        void insert(final int pos, final String s)
        {
            if (!s.isEmpty())
            {
                pieces.add(splitAt(pos), s);
            }
        }

        void delete(final int pos, final int count)
        {
            final int from = splitAt(pos);
            final int to = splitAt(pos + count);
            pieces.subList(from, to).clear();
        }

        long checksum()
        {
            long h = TextChecksum.EMPTY;
            for (final Object piece : pieces)
            {
                if (piece instanceof String)
                {
                    final String s = (String)piece;
                    h = TextChecksum.combine(h, TextChecksum.of(s), TextChecksum.pow(s.length()));
                }
                else
                {
                    final int[] range = (int[])piece;
                    final long units = original.unitOf(range[1]) - original.unitOf(range[0]);
                    final long pow = TextChecksum.pow(units);
                    final long before = prefixAt(range[0]);
                    final long upTo = prefixAt(range[1]);
                    // H(orig[a, b)) = H(orig[0, b)) - H(orig[0, a)) * BASE^|b - a|
                    final long hash = TextChecksum.addMod(upTo, TextChecksum.MOD - TextChecksum.mulMod(before, pow));
                    h = TextChecksum.combine(h, hash, pow);
                }
            }
            return h;
        }

        String text(final int from, final int to)
        {
            final StringBuilder sb = new StringBuilder();
            int at = 0;
            for (final Object piece : pieces)
            {
                final int n = cps(piece);
                final int a = Math.max(from - at, 0);
                final int b = Math.min(to - at, n);
                if (a < b)
                {
                    if (piece instanceof String)
                    {
                        final String s = (String)piece;
                        final int i = s.offsetByCodePoints(0, a);
                        sb.append(s, i, s.offsetByCodePoints(i, b - a));
                    }
                    else
                    {
                        final int start = ((int[])piece)[0];
                        sb.append(original, (int)original.unitOf(start + a), (int)original.unitOf(start + b));
                    }
                }
                at += n;
            }
            return sb.toString();
        }

        private long prefixAt(final int cut)
        {
            final Long h = prefix.get(cut);
            if (h == null)
            {
                throw new IllegalStateException("no prefix hash at " + cut);
            }
            return h;
        }

        /** @return the index of the piece starting at pos, splitting one if needed. */
        private int splitAt(final int pos)
        {
            int at = 0;
            for (int i = 0; i < pieces.size(); i++)
            {
                final Object piece = pieces.get(i);
                final int n = cps(piece);
                if (pos == at)
                {
                    return i;
                }
                if (pos < at + n)
                {
                    final int k = pos - at;
                    if (piece instanceof String)
                    {
                        final String s = (String)piece;
                        final int u = s.offsetByCodePoints(0, k);
                        pieces.set(i, s.substring(0, u));
                        pieces.add(i + 1, s.substring(u));
                    }
                    else
                    {
                        final int[] range = (int[])piece;
                        cuts.add(range[0] + k);
                        pieces.set(i, new int[] {range[0], range[0] + k});
                        pieces.add(i + 1, new int[] {range[0] + k, range[1]});
                    }
                    return i + 1;
                }
                at += n;
            }
            if (pos == at)
            {
                return pieces.size();
            }
            throw new IllegalArgumentException("position " + pos + " beyond " + at);
        }

        private static int cps(final Object piece)
        {
            if (piece instanceof String)
            {
                final String s = (String)piece;
                return s.codePointCount(0, s.length());
            }
            return ((int[])piece)[1] - ((int[])piece)[0];
        }
    }

    /** A pseudo-random text whose code units are computed from their index. */
    private abstract static class Original implements CharSequence
    {
        abstract int cpCount();

        /** @return the code unit offset of a code point offset. */
        abstract long unitOf(int cp);

        @Override
        public CharSequence subSequence(final int start, final int end)
        {
            final Original whole = this;
            return new CharSequence()
            {
                @Override
                public int length()
                {
                    return end - start;
                }

                @Override
                public char charAt(final int index)
                {
                    return whole.charAt(start + index);
                }

                @Override
                public CharSequence subSequence(final int s, final int e)
                {
                    return whole.subSequence(start + s, start + e);
                }
            };
        }

        static long mix(final long i)
        {
            long z = (i + 1) * 0x9E3779B97F4A7C15L;
            z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
            z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
            return z ^ (z >>> 31);
        }

        static char ascii(final long i)
        {
            return (char)(' ' + (mix(i) & 63));
        }
    }

    /** Printable ASCII: one unit per code point. */
    private static final class AsciiText extends Original
    {
        private final int units;

        AsciiText(final int units)
        {
            this.units = units;
        }

        @Override
        int cpCount()
        {
            return units;
        }

        @Override
        long unitOf(final int cp)
        {
            return cp;
        }

        @Override
        public int length()
        {
            return units;
        }

        @Override
        public char charAt(final int index)
        {
            return ascii(index);
        }
    }

    /** Blocks of 4 code points in 5 units: two ASCII, one emoji (a surrogate pair), one CJK. */
    private static final class EmojiText extends Original
    {
        private static final int[] UNIT_IN_BLOCK = {0, 1, 2, 4};

        private final int blocks;

        EmojiText(final int blocks)
        {
            this.blocks = blocks;
        }

        @Override
        int cpCount()
        {
            return 4 * blocks;
        }

        @Override
        long unitOf(final int cp)
        {
            return 5L * (cp / 4) + UNIT_IN_BLOCK[cp % 4];
        }

        @Override
        public int length()
        {
            return 5 * blocks;
        }

        @Override
        public char charAt(final int index)
        {
            final int block = index / 5;
            final long cp = 4L * block;
            return switch (index % 5)
            {
                case 0 -> ascii(cp);
                case 1 -> ascii(cp + 1);
                case 2 -> Character.highSurrogate(emoji(cp + 2));
                case 3 -> Character.lowSurrogate(emoji(cp + 2));
                default -> (char)(0x4E00 + (mix(cp + 3) & 0xFFF));
            };
        }

        private static int emoji(final long i)
        {
            return 0x1F300 + (int)(mix(i) & 0x3FF);
        }
    }
}
