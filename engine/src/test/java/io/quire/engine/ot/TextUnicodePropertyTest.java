package io.quire.engine.ot;

import static org.assertj.core.api.Assertions.assertThat;
import static org.quicktheories.QuickTheory.qt;
import static org.quicktheories.generators.SourceDSL.longs;

import java.util.Random;
import java.util.function.Function;

import io.quire.engine.ot.OpGen.Deletes;
import org.junit.jupiter.api.Test;
import org.quicktheories.core.Gen;

/**
 * Algebraic properties of the port on random documents (with non-BMP characters) and random valid ops. Each
 * example is built from one random seed, shown in a failure report together with the document and ops.
 */
class TextUnicodePropertyTest
{
    private static final int EXAMPLES = 3_000;

    /** A document and ops made for it, printed readably when a property fails. */
    private static final class Example
    {
        final long seed;
        final String doc;
        final TextOp a;
        final TextOp b;
        final int pos;

        Example(final long seed, final String doc, final TextOp a, final TextOp b, final int pos)
        {
            this.seed = seed;
            this.doc = doc;
            this.a = a;
            this.b = b;
            this.pos = pos;
        }

        @Override
        public String toString()
        {
            return "seed=" + seed + " doc=" + TextOp.appendJsonString(new StringBuilder(), doc) + " a=" + a + " b=" +
                b + " pos=" + pos;
        }
    }

    private final TextUnicode ot = new TextUnicode();

    private static Gen<Example> examples(final Deletes deletes, final boolean bAfterA)
    {
        final Function<Long, Example> make = seed ->
        {
            final Random r = new Random(seed);
            final String doc = OpGen.doc(r, 30);
            final TextOp a = OpGen.op(r, doc, deletes);
            final TextOp b = OpGen.op(r, bAfterA ? OpGen.applyNaive(doc, a) : doc, deletes);
            return new Example(seed, doc, a, b, r.nextInt(doc.codePointCount(0, doc.length()) + 1));
        };
        return longs().all().map(make);
    }

    private String apply(final String doc, final TextOp op)
    {
        final Rope rope = new Rope(doc);
        ot.apply(op, rope);
        return rope.toString();
    }

    @Test
    void applyMatchesANaiveReadingOfTheOp()
    {
        qt().withExamples(EXAMPLES).forAll(examples(Deletes.MIXED, false)).checkAssert(e ->
            assertThat(apply(e.doc, e.a)).isEqualTo(OpGen.applyNaive(e.doc, e.a)));
    }

    @Test
    void transformConvergesWithTheSubmittedOpOnTheLeft()
    {
        qt().withExamples(EXAMPLES).forAll(examples(Deletes.MIXED, false)).checkAssert(e ->
            assertThat(tp1(e.doc, e.a, e.b, TextUnicode.Side.LEFT)).isTrue());
    }

    @Test
    void transformConvergesWithTheSubmittedOpOnTheRight()
    {
        qt().withExamples(EXAMPLES).forAll(examples(Deletes.MIXED, false)).checkAssert(e ->
            assertThat(tp1(e.doc, e.a, e.b, TextUnicode.Side.RIGHT)).isTrue());
    }

    /** TP1: doc·a·transform(b, a, side) == doc·b·transform(a, b, opposite side). */
    private boolean tp1(final String doc, final TextOp a, final TextOp b, final TextUnicode.Side bSide)
    {
        final TextUnicode.Side aSide = bSide == TextUnicode.Side.LEFT ? TextUnicode.Side.RIGHT : TextUnicode.Side.LEFT;
        final TextOp bPrime = new TextOp();
        final TextOp aPrime = new TextOp();
        ot.transform(b, a, bSide, bPrime);
        ot.transform(a, b, aSide, aPrime);
        final String viaA = apply(apply(doc, a), bPrime);
        final String viaB = apply(apply(doc, b), aPrime);
        assertThat(viaA).as("doc·a·b' (b'=%s) vs doc·b·a' (a'=%s)", bPrime, aPrime).isEqualTo(viaB);
        return true;
    }

    @Test
    void composeEqualsApplyingBothInTurn()
    {
        qt().withExamples(EXAMPLES).forAll(examples(Deletes.MIXED, true)).checkAssert(e ->
        {
            final TextOp ab = new TextOp();
            ot.compose(e.a, e.b, ab);
            assertThat(apply(e.doc, ab)).as("compose = %s", ab).isEqualTo(apply(apply(e.doc, e.a), e.b));
        });
    }

    @Test
    void composeOfInvertibleOpsIsInvertible()
    {
        qt().withExamples(EXAMPLES).forAll(examples(Deletes.TEXT, true)).checkAssert(e ->
        {
            final TextOp ab = new TextOp();
            ot.compose(e.a, e.b, ab);
            assertThat(ot.isInvertible(ab)).as("compose = %s", ab).isTrue();
        });
    }

    @Test
    void invertOfMakeInvertibleUndoesTheOp()
    {
        qt().withExamples(EXAMPLES).forAll(examples(Deletes.NUMERIC, false)).checkAssert(e ->
        {
            final TextOp invertible = new TextOp();
            final TextOp inverse = new TextOp();
            ot.makeInvertible(e.a, new Rope(e.doc), invertible);
            ot.invert(invertible, inverse);
            assertThat(apply(apply(e.doc, e.a), inverse)).as("inverse = %s", inverse).isEqualTo(e.doc);
            final TextOp stripped = new TextOp();
            ot.stripInvertible(invertible, stripped);
            assertThat(stripped).isEqualTo(e.a);
        });
    }

    @Test
    void normalizeIsIdempotent()
    {
        // Not with negative counts: like the JS, merging {d:-1} and {d:1} leaves a {d:0} that only a second pass drops.
        qt().withExamples(EXAMPLES).forAll(longs().all()).checkAssert(seed ->
        {
            final TextOp raw = OpGen.rawOp(new Random(seed), false);
            final TextOp once = new TextOp();
            final TextOp twice = new TextOp();
            ot.normalize(raw, once);
            ot.normalize(once, twice);
            assertThat(twice).as("normalize(%s)", raw).isEqualTo(once);
        });
    }

    @Test
    void normalizeKeepsANormalizedOp()
    {
        qt().withExamples(EXAMPLES).forAll(examples(Deletes.MIXED, false)).checkAssert(e ->
        {
            final TextOp normalized = new TextOp();
            ot.normalize(e.a, normalized);
            assertThat(normalized).isEqualTo(e.a);
        });
    }

    @Test
    void transformPositionStaysInTheDocumentAndKeepsOrder()
    {
        qt().withExamples(EXAMPLES).forAll(examples(Deletes.MIXED, false)).checkAssert(e ->
        {
            final String after = apply(e.doc, e.a);
            final int length = after.codePointCount(0, after.length());
            final int docLength = e.doc.codePointCount(0, e.doc.length());
            int previous = 0;
            for (int p = 0; p <= docLength; p++)
            {
                final int moved = ot.transformPosition(p, e.a);
                assertThat(moved).as("position %d", p).isBetween(previous, length);
                previous = moved;
            }
        });
    }

    @Test
    void transformPositionKeepsTheCharacterBeforeTheCursor()
    {
        qt().withExamples(EXAMPLES).forAll(examples(Deletes.MIXED, false)).checkAssert(e ->
        {
            final int[] before = e.doc.codePoints().toArray();
            final String afterText = apply(e.doc, e.a);
            final int[] after = afterText.codePoints().toArray();
            final int moved = ot.transformPosition(e.pos, e.a);
            if (e.pos > 0 && !deleted(e.a, e.pos - 1))
            {
                assertThat(moved).isPositive();
                assertThat(after[moved - 1]).as("code point before the cursor in %s", afterText)
                    .isEqualTo(before[e.pos - 1]);
            }
            final int[] selection = {e.pos, 0};
            ot.transformSelection(selection, e.a);
            assertThat(selection).containsExactly(moved, ot.transformPosition(0, e.a));
        });
    }

    @Test
    void transformPositionThroughAConcurrentOpMatchesTheTransformedInsert()
    {
        // A cursor is where a zero-width insert would be; moving it must agree with transforming that insert.
        qt().withExamples(EXAMPLES).forAll(examples(Deletes.MIXED, false)).checkAssert(e ->
        {
            final TextOp marker = new TextOp().skip(e.pos).insert("\u0000").trim();
            final TextOp moved = new TextOp();
            ot.transform(marker, e.a, TextUnicode.Side.RIGHT, moved);
            final String after = apply(apply(e.doc, e.a), moved);
            final int at = after.indexOf('\u0000');
            final int cursor = ot.transformPosition(e.pos, e.a);
            assertThat(after.codePointCount(0, at)).as("marker %s", moved).isBetween(cursor,
                cursor + insertedAt(e.a, e.pos));
        });
    }

    private static boolean deleted(final TextOp op, final int cp)
    {
        int pos = 0;
        for (int i = 0; i < op.size(); i++)
        {
            if (op.kind(i) == TextOp.INSERT)
            {
                continue;
            }
            if (op.kind(i) == TextOp.DELETE && cp >= pos && cp < pos + op.length(i))
            {
                return true;
            }
            pos += op.length(i);
        }
        return false;
    }

    private static int insertedAt(final TextOp op, final int cp)
    {
        int pos = 0;
        int inserted = 0;
        for (int i = 0; i < op.size() && pos <= cp; i++)
        {
            if (op.kind(i) == TextOp.INSERT)
            {
                inserted += pos == cp ? op.length(i) : 0;
            }
            else
            {
                pos += op.length(i);
            }
        }
        return inserted;
    }
}
