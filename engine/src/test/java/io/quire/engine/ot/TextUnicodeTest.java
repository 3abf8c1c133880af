package io.quire.engine.ot;

import static io.quire.engine.ot.TextUnicode.Side.LEFT;
import static io.quire.engine.ot.TextUnicode.Side.RIGHT;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.lang.management.ManagementFactory;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class TextUnicodeTest
{
    private final TextUnicode ot = new TextUnicode();
    private final TextOp out = new TextOp();

    private static TextOp op(final String json)
    {
        return TextOp.parseJson(json);
    }

    private String apply(final String doc, final String json)
    {
        final Rope rope = new Rope(doc);
        ot.apply(op(json), rope);
        return rope.toString();
    }

    private String transform(final String op, final String other, final TextUnicode.Side side)
    {
        ot.transform(op(op), op(other), side, out);
        return out.toJson();
    }

    private String compose(final String a, final String b)
    {
        ot.compose(op(a), op(b), out);
        return out.toJson();
    }

    // --- normalize (protocol §8.6) --------------------------------------------------------------------------------

    @Test
    void normalizeExampleFromTheProtocolNotes()
    {
        ot.normalize(op("[0,\"a\",\"b\",2,3,{\"d\":1},{\"d\":\"xy\"},\"\",5]"), out);
        assertThat(out.toJson()).isEqualTo("[\"ab\",5,{\"d\":3}]");
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', textBlock = """
        []                                  | []
        [0]                                 | []
        [5]                                 | []
        ["",{"d":0},{"d":""}]               | []
        [{"d":"a"},{"d":"b😀"},"x"]           | [{"d":"ab😀"},"x"]
        [{"d":"a"},{"d":2},1]               | [{"d":3}]
        [1,2,"x",3,4]                       | [3,"x"]
        ["a",{"d":1},"b"]                   | ["a",{"d":1},"b"]
        [{"d":1},"a",{"d":1}]               | [{"d":1},"a",{"d":1}]
        """)
    void normalizeMergesDropsAndTrims(final String in, final String expected)
    {
        ot.normalize(op(in), out);
        assertThat(out.toJson()).isEqualTo(expected);
    }

    // --- transform (protocol §8.7 and §6.2) -----------------------------------------------------------------------

    @ParameterizedTest
    @CsvSource(delimiter = '|', textBlock = """
        [2,"A"]            | [2,"B"]        | LEFT  | [2,"A"]
        [2,"A"]            | [2,"B"]        | RIGHT | [3,"A"]
        [3,"X"]            | [1,{"d":5}]    | LEFT  | [1,"X"]
        [2,"A",{"d":1}]    | [2,"B"]        | LEFT  | [2,"A",1,{"d":1}]
        [2,{"d":2}]        | [2,"B"]        | LEFT  | [3,{"d":2}]
        [2,{"d":2}]        | [2,"B"]        | RIGHT | [3,{"d":2}]
        [1,{"d":3}]        | [2,{"d":3}]    | LEFT  | [1,{"d":1}]
        [2,"BBB"]          | [2,"AAA"]      | LEFT  | [2,"BBB"]
        [2,"AAA"]          | [2,"BBB"]      | RIGHT | [5,"AAA"]
        ["😀"]             | ["🎉"]         | RIGHT | [1,"😀"]
        [1,{"d":"é😀b"}]   | [2,"X"]        | LEFT  | [1,{"d":"é"},1,{"d":"😀b"}]
        [{"d":"é😀b"}]     | [1,{"d":1}]    | LEFT  | [{"d":"éb"}]
        ["ab",{"d":1}]     | [{"d":5}]      | LEFT  | ["ab"]
        [5,"x"]            | [2,"ab"]       | LEFT  | [7,"x"]
        []                 | [2,"B"]        | LEFT  | []
        [3,"x"]            | []             | LEFT  | [3,"x"]
        """)
    void transformExamples(final String op, final String other, final TextUnicode.Side side, final String expected)
    {
        assertThat(transform(op, other, side)).isEqualTo(expected);
    }

    @Test
    void tieRuleOnlyLooksAtTheNextComponent()
    {
        // op's next component is a delete, not an insert, so even on the left its insert goes after other's.
        assertThat(transform("[{\"d\":1},\"A\"]", "[\"B\"]", LEFT)).isEqualTo("[1,{\"d\":1},\"A\"]");
        // Only one insert is pulled in front of other's.
        assertThat(transform("[\"a\",{\"d\":1},\"b\"]", "[\"B\"]", LEFT)).isEqualTo("[\"a\",1,{\"d\":1},\"b\"]");
    }

    @Test
    void insertInsideARangeOtherDeletesStaysWhereTheRangeCollapses()
    {
        assertThat(transform("[3,\"X\"]", "[1,{\"d\":5}]", RIGHT)).isEqualTo("[1,\"X\"]");
        assertThat(transform("[2,\"X\",{\"d\":2}]", "[1,{\"d\":2}]", LEFT)).isEqualTo("[1,\"X\",{\"d\":1}]");
    }

    @Test
    void serverTransformFromTheProtocolTrace()
    {
        // Doc "ello world" at v2: A's [2,"AAA"] commits first, then B's [2,"BBB"] is transformed left.
        final Rope doc = new Rope("ello world");
        ot.apply(op("[2,\"AAA\"]"), doc);
        ot.transform(op("[2,\"BBB\"]"), op("[2,\"AAA\"]"), LEFT, out);
        ot.apply(out, doc);
        assertThat(doc.toString()).isEqualTo("elBBBAAAlo world");

        final Rope client = new Rope("ello world");
        ot.apply(op("[2,\"BBB\"]"), client);
        ot.transform(op("[2,\"AAA\"]"), op("[2,\"BBB\"]"), RIGHT, out);
        assertThat(out.toJson()).isEqualTo("[5,\"AAA\"]");
        ot.apply(out, client);
        assertThat(client.toString()).isEqualTo(doc.toString());
    }

    @Test
    void transformChecksBothOpsLikeJsCheckOp()
    {
        assertThatThrownBy(() -> transform("[2,\"A\",3]", "[1,\"B\"]", LEFT))
            .isInstanceOf(InvalidOpException.class).hasMessage("component 2: Op has a trailing skip");
        assertThatThrownBy(() -> transform("[1,\"A\"]", "[0,\"B\"]", LEFT))
            .isInstanceOf(InvalidOpException.class).hasMessage("component 0: Skip components must be >0 (got 0)");
    }

    @Test
    void outputMustNotAliasAnInput()
    {
        final TextOp a = op("[1,\"x\"]");
        assertThatThrownBy(() -> ot.transform(a, op("[\"y\"]"), LEFT, a)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> ot.compose(op("[\"y\"]"), a, a)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> ot.normalize(a, a)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> ot.invert(a, a)).isInstanceOf(IllegalArgumentException.class);
    }

    // --- compose (§8.8) -------------------------------------------------------------------------------------------

    @ParameterizedTest
    @CsvSource(delimiter = '|', textBlock = """
        ["abc"]              | [{"d":"abc"}]      | []
        ["abc"]              | [{"d":3}]          | []
        [2,"ab"]             | [3,{"d":1}]        | [2,"a"]
        [{"d":"xy"}]         | [{"d":"z"}]        | [{"d":"xyz"}]
        [{"d":"xy"}]         | [{"d":1}]          | [{"d":3}]
        [1,{"d":"xy"}]       | [{"d":"a"},1,"q"]  | [{"d":"axy"},1,"q"]
        [3,"😀é"]            | [4,{"d":"é"},"x"]  | [3,"😀x"]
        [2,"a"]              | [5,"b"]            | [2,"a",2,"b"]
        [{"d":2}]            | [{"d":"ab"}]       | [{"d":4}]
        []                   | [1,"x"]            | [1,"x"]
        [1,"x"]              | []                 | [1,"x"]
        """)
    void composeExamples(final String a, final String b, final String expected)
    {
        assertThat(compose(a, b)).isEqualTo(expected);
    }

    // --- apply (§8.5) ---------------------------------------------------------------------------------------------

    @Test
    void applyCountsCodePoints()
    {
        assertThat(apply("héllo 😀!", "[6,{\"d\":1}]")).isEqualTo("héllo !");
        assertThat(apply("😀😀", "[1,\"x\"]")).isEqualTo("😀x😀");
        assertThat(apply("", "[\"héllo 😀\"]")).isEqualTo("héllo 😀");
        assertThat(apply("abc", "[]")).isEqualTo("abc");
        assertThat(apply("abcdef", "[1,{\"d\":\"zz\"},\"X\",2,\"Y\",{\"d\":1}]")).isEqualTo("aXdeY");
    }

    @Test
    void applyRefusesAnOpThatRunsPastTheEndAndLeavesTheDocumentUnchanged()
    {
        final Rope doc = new Rope("ab😀");
        for (final String json : new String[]{"[\"x\",4,\"y\"]", "[\"x\",1,{\"d\":3}]", "[\"x\",{\"d\":4}]"})
        {
            assertThatThrownBy(() -> ot.apply(op(json), doc)).as(json)
                .isInstanceOfSatisfying(InvalidOpException.class, ex ->
                    assertThat(ex.kind()).isEqualTo(InvalidOpException.Kind.NOT_APPLICABLE));
            assertThat(doc.toString()).isEqualTo("ab😀");
        }
        assertThatThrownBy(() -> ot.apply(op("[\"x\",1,{\"d\":3}]"), doc))
            .hasMessage("component 2: delete reaches code point 4 but the document has 3");
        assertThatThrownBy(() -> ot.apply(op("[\"x\",4,\"y\"]"), doc))
            .hasMessage("component 1: skip reaches code point 4 but the document has 3");
    }

    @Test
    void applyRefusesABadlyFormedOpBeforeTouchingTheDocument()
    {
        final Rope doc = new Rope("abc");
        assertThatThrownBy(() -> ot.apply(op("[\"x\",1,{\"d\":0}]"), doc))
            .isInstanceOfSatisfying(InvalidOpException.class, ex ->
                assertThat(ex.kind()).isEqualTo(InvalidOpException.Kind.BADLY_FORMED));
        assertThatThrownBy(() -> ot.apply(op("[\"x\\ud800\"]"), doc)).isInstanceOf(InvalidOpException.class);
        assertThat(doc.toString()).isEqualTo("abc");
    }

    @Test
    void applyAcceptsUnnormalizedButValidOps()
    {
        assertThat(apply("abc", "[\"x\",\"y\",{\"d\":1},{\"d\":1}]")).isEqualTo("xyc");
    }

    // --- validate and checkOp -------------------------------------------------------------------------------------

    @ParameterizedTest
    @CsvSource(delimiter = '|', textBlock = """
        [0,"a"]              | 0 | component 0: Skip components must be >0 (got 0)
        ["a",-2,"b"]         | 1 | component 1: Skip components must be >0 (got -2)
        [1,2,"a"]            | 1 | component 1: Adjacent skip components should be combined (components 0 and 1 are both skips)
        ["a",3]              | 1 | component 1: Op has a trailing skip
        [3]                  | 0 | component 0: Op has a trailing skip
        [1,"","b"]           | 1 | component 1: Inserts cannot be empty
        [{"d":0}]            | 0 | component 0: Deletes must not be empty (got 0)
        [1,{"d":-1}]         | 1 | component 1: Deletes must not be empty (got -1)
        [1,{"d":""}]         | 1 | component 1: Deletes must not be empty
        """)
    void validateAndCheckOpShareTheJsRules(final String json, final int component, final String message)
    {
        for (final Runnable check : new Runnable[]{() -> ot.validate(op(json)), () -> ot.checkOp(op(json))})
        {
            assertThatThrownBy(check::run)
                .isInstanceOfSatisfying(InvalidOpException.class, ex ->
                {
                    assertThat(ex.kind()).isEqualTo(InvalidOpException.Kind.BADLY_FORMED);
                    assertThat(ex.component()).isEqualTo(component);
                })
                .hasMessage(message);
        }
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', textBlock = """
        ["a\\ud83d"]             | 0 | component 0: insert text has a lone surrogate U+D83D at UTF-16 index 1
        [1,"\\ude00b"]           | 1 | component 1: insert text has a lone surrogate U+DE00 at UTF-16 index 0
        ["😀\\ude00"]            | 0 | component 0: insert text has a lone surrogate U+DE00 at UTF-16 index 2
        [2,{"d":"x\\ud83dy"}]    | 1 | component 1: delete text has a lone surrogate U+D83D at UTF-16 index 1
        """)
    void validateRejectsLoneSurrogatesButCheckOpDoesNot(final String json, final int component, final String message)
    {
        assertThatThrownBy(() -> ot.validate(op(json)))
            .isInstanceOfSatisfying(InvalidOpException.class, ex ->
            {
                assertThat(ex.kind()).isEqualTo(InvalidOpException.Kind.BADLY_FORMED);
                assertThat(ex.component()).isEqualTo(component);
            })
            .hasMessage(message);
        assertThatCode(() -> ot.checkOp(op(json))).doesNotThrowAnyException();
    }

    @Test
    void validateRejectsAnOpSpanningMoreThanTheIntRange()
    {
        final TextOp huge = op("[2147483647,{\"d\":2147483647},\"x\"]");
        assertThatThrownBy(() -> ot.validate(huge))
            .isInstanceOfSatisfying(InvalidOpException.class, ex -> assertThat(ex.component()).isEqualTo(-1))
            .hasMessage("skips and deletes span 4294967294 code points, more than 2147483647");
        assertThatCode(() -> ot.checkOp(huge)).doesNotThrowAnyException();
    }

    @Test
    void validateAcceptsGoodOps()
    {
        for (final String json : new String[]{"[]", "[\"a\"]", "[3,\"😀\",{\"d\":\"é😀\"},2,{\"d\":4}]",
            "[\"a\",\"b\"]", "[{\"d\":1},{\"d\":\"x\"}]"})
        {
            assertThatCode(() -> ot.validate(op(json))).as(json).doesNotThrowAnyException();
        }
    }

    @Test
    void checkApplicableRefusesGrowthPastTheIntRange()
    {
        assertThatThrownBy(() -> ot.checkApplicable(op("[1,\"xy\"]"), Integer.MAX_VALUE - 1))
            .isInstanceOfSatisfying(InvalidOpException.class, ex ->
                assertThat(ex.kind()).isEqualTo(InvalidOpException.Kind.NOT_APPLICABLE))
            .hasMessage("the document would grow past 2147483647 code points");
        assertThatCode(() -> ot.checkApplicable(op("[{\"d\":1},\"xy\"]"), Integer.MAX_VALUE - 1))
            .doesNotThrowAnyException();
    }

    // --- cursors (§8.9) -------------------------------------------------------------------------------------------

    @ParameterizedTest
    @CsvSource(delimiter = '|', textBlock = """
        3 | [1,"ab"]           | 5
        3 | [3,"ab"]           | 3
        3 | [4,"ab"]           | 3
        0 | ["ab"]             | 0
        3 | ["😀😀"]            | 5
        3 | [{"d":2}]          | 1
        3 | [1,{"d":5}]        | 1
        3 | [3,{"d":5}]        | 3
        5 | [1,{"d":"é😀"},"x"] | 4
        9 | [2,"abc"]          | 12
        """)
    void transformPositionExamples(final int pos, final String json, final int expected)
    {
        assertThat(ot.transformPosition(pos, op(json))).isEqualTo(expected);
    }

    @Test
    void transformSelectionMovesEachEnd()
    {
        final int[] selection = {4, 1};
        ot.transformSelection(selection, op("[2,\"xyz\",1,{\"d\":1}]"));
        assertThat(selection).containsExactly(6, 1);
        final int[] cursor = {3};
        ot.transformSelection(cursor, op("[\"ab\"]"));
        assertThat(cursor).containsExactly(5);
    }

    // --- invert (§8.10) -------------------------------------------------------------------------------------------

    @Test
    void invertSwapsInsertsAndTextDeletes()
    {
        ot.invert(op("[2,\"a\",{\"d\":\"b😀\"},3,\"c\"]"), out);
        assertThat(out.toJson()).isEqualTo("[2,{\"d\":\"a\"},\"b😀\",3,{\"d\":\"c\"}]");
        ot.invert(op("[]"), out);
        assertThat(out.toJson()).isEqualTo("[]");
    }

    @Test
    void invertRefusesNumericDeletesAndLeavesTheOutputAlone()
    {
        out.clear().insert("keep");
        assertThatThrownBy(() -> ot.invert(op("[\"a\",1,{\"d\":2}]"), out))
            .isInstanceOfSatisfying(InvalidOpException.class, ex ->
            {
                assertThat(ex.kind()).isEqualTo(InvalidOpException.Kind.NOT_INVERTIBLE);
                assertThat(ex.component()).isEqualTo(2);
            })
            .hasMessage("component 2: Cannot invert text op: Deleted characters missing from operation. " +
                "makeInvertible must be called first.");
        assertThat(out.toJson()).isEqualTo("[\"keep\"]");
    }

    @Test
    void makeInvertibleRecordsDeletedTextAndStripInvertibleRemovesIt()
    {
        final Rope doc = new Rope("a😀cdéf");
        final TextOp op = op("[1,{\"d\":2},\"x\",{\"d\":\"d\"},{\"d\":1}]");
        ot.makeInvertible(op, doc, out);
        assertThat(out.toJson()).isEqualTo("[1,{\"d\":\"😀c\"},\"x\",{\"d\":\"dé\"}]");
        assertThat(ot.isInvertible(out)).isTrue();
        assertThat(ot.isInvertible(op)).isFalse();
        final TextOp stripped = new TextOp();
        ot.stripInvertible(out, stripped);
        assertThat(stripped.toJson()).isEqualTo("[1,{\"d\":2},\"x\",{\"d\":2}]");
        assertThat(doc.toString()).isEqualTo("a😀cdéf");
    }

    @Test
    void makeInvertibleRefusesAnOpThatDoesNotFit()
    {
        assertThatThrownBy(() -> ot.makeInvertible(op("[2,{\"d\":2}]"), new Rope("abc"), out))
            .isInstanceOfSatisfying(InvalidOpException.class, ex ->
                assertThat(ex.kind()).isEqualTo(InvalidOpException.Kind.NOT_APPLICABLE));
    }

    @Test
    void isNoopMeansNoComponents()
    {
        assertThat(ot.isNoop(op("[]"))).isTrue();
        assertThat(ot.isNoop(op("[1,\"a\"]"))).isFalse();
    }

    // --- the hot path allocates nothing -----------------------------------------------------------------------------

    @Test
    void steadyStateOperationsDoNotAllocate()
    {
        final com.sun.management.ThreadMXBean threads =
            (com.sun.management.ThreadMXBean)ManagementFactory.getThreadMXBean();
        final TextOp a = op("[3,\"a😀\",{\"d\":2},4,{\"d\":\"xy\"},\"z\"]");
        final TextOp b = op("[1,{\"d\":3},\"qq\",5,\"r\"]");
        final TextOp c = op("[5,{\"d\":\"ab\"},\"k\"]");
        final TextOp result = new TextOp();
        final Rope doc = new Rope("0123456789abcdef");
        final int[] selection = {4, 9};
        // Warm up so scratch arrays reach their working size and the code is compiled.
        for (int i = 0; i < 20_000; i++)
        {
            exercise(a, b, c, result, doc, selection);
        }
        final long tid = Thread.currentThread().getId();
        final long before = threads.getThreadAllocatedBytes(tid);
        for (int i = 0; i < 10_000; i++)
        {
            exercise(a, b, c, result, doc, selection);
        }
        final long allocated = threads.getThreadAllocatedBytes(tid) - before;
        assertThat(allocated).as("bytes allocated by 10,000 rounds").isLessThan(1024);
    }

    private void exercise(final TextOp a, final TextOp b, final TextOp c, final TextOp result, final Rope doc,
        final int[] selection)
    {
        ot.transform(a, b, LEFT, result);
        ot.transform(b, a, RIGHT, result);
        ot.compose(a, c, result);
        ot.normalize(a, result);
        ot.validate(a);
        ot.checkApplicable(b, doc.length());
        ot.makeInvertible(b, doc, result);
        ot.invert(c, result);
        ot.stripInvertible(a, result);
        result.clear().skip(3).delete(1).insert(a.textBuffer(), a.textStart(1), a.textLength(1)).trim();
        selection[0] = ot.transformPosition(selection[0], result);
        ot.transformSelection(selection, b);
    }
}
