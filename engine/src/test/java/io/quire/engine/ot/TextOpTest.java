package io.quire.engine.ot;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class TextOpTest
{
    @Test
    void normalizingAppendersDropZeroLengthComponents()
    {
        final TextOp op = new TextOp().skip(0).insert("").delete(0).deleteText("").insert(new char[0], 0, 0);
        assertThat(op.size()).isZero();
        assertThat(op.toJson()).isEqualTo("[]");
    }

    @Test
    void normalizingAppendersMergeAdjacentComponentsOfTheSameKind()
    {
        final TextOp op = new TextOp().skip(2).skip(3).insert("a").insert("b😀".toCharArray(), 0, 3)
            .delete(1).delete(2).skip(1).deleteText("x").deleteText("y😀");
        assertThat(op.toJson()).isEqualTo("[5,\"ab😀\",{\"d\":3},1,{\"d\":\"xy😀\"}]");
        assertThat(op.size()).isEqualTo(5);
        assertThat(op.length(1)).isEqualTo(3);
        assertThat(op.textLength(1)).isEqualTo(4);
        assertThat(op.length(4)).isEqualTo(3);
    }

    @Test
    void mergingATextDeleteWithANumericDeleteKeepsOnlyTheLength()
    {
        assertThat(new TextOp().deleteText("ab").delete(2).toJson()).isEqualTo("[{\"d\":4}]");
        assertThat(new TextOp().delete(2).deleteText("a😀").toJson()).isEqualTo("[{\"d\":4}]");
        assertThat(new TextOp().deleteText("ab").delete(2).insert("z").toJson()).isEqualTo("[{\"d\":4},\"z\"]");
        final TextOp op = new TextOp().deleteText("ab").delete(1).deleteText("c").insert("z");
        assertThat(op.toJson()).isEqualTo("[{\"d\":4},\"z\"]");
        assertThat(op.text(1)).isEqualTo("z");
    }

    @Test
    void negativeLengthsAreMergedLikeTheJsAppend()
    {
        // makeAppend only drops falsy components; a negative count is truthy and merges by addition.
        assertThat(new TextOp().skip(3).skip(-3).insert("a").toJson()).isEqualTo("[0,\"a\"]");
        assertThat(new TextOp().delete(-1).deleteText("ab").toJson()).isEqualTo("[{\"d\":1}]");
    }

    @Test
    void trimDropsOneTrailingSkip()
    {
        assertThat(new TextOp().insert("a").skip(4).trim().toJson()).isEqualTo("[\"a\"]");
        assertThat(new TextOp().skip(4).trim().size()).isZero();
        assertThat(new TextOp().delete(1).trim().toJson()).isEqualTo("[{\"d\":1}]");
    }

    @Test
    void rawAppendersKeepComponentsExactlyAsGiven()
    {
        final TextOp op = new TextOp().addSkip(0).addSkip(2).addInsert("").addInsert("a").addInsert("b")
            .addDelete(0).addDelete(-1).addDeleteText("").addDeleteText("x").addSkip(1);
        assertThat(op.size()).isEqualTo(10);
        assertThat(op.toJson()).isEqualTo("[0,2,\"\",\"a\",\"b\",{\"d\":0},{\"d\":-1},{\"d\":\"\"},{\"d\":\"x\"},1]");
    }

    @Test
    void accessorsDescribeEachComponent()
    {
        final TextOp op = TextOp.parseJson("[3,\"h😀\",{\"d\":2},{\"d\":\"xy\"}]");
        assertThat(op.size()).isEqualTo(4);
        assertThat(new byte[]{op.kind(0), op.kind(1), op.kind(2), op.kind(3)})
            .containsExactly(TextOp.SKIP, TextOp.INSERT, TextOp.DELETE, TextOp.DELETE);
        assertThat(new int[]{op.length(0), op.length(1), op.length(2), op.length(3)}).containsExactly(3, 2, 2, 2);
        assertThat(op.hasText(0)).isFalse();
        assertThat(op.hasText(1)).isTrue();
        assertThat(op.hasText(2)).isFalse();
        assertThat(op.hasText(3)).isTrue();
        assertThat(op.textStart(0)).isEqualTo(-1);
        assertThat(op.textLength(2)).isZero();
        assertThat(new String(op.textBuffer(), op.textStart(1), op.textLength(1))).isEqualTo("h😀");
        assertThat(new String(op.textBuffer(), op.textStart(3), op.textLength(3))).isEqualTo("xy");
        assertThat(op.text(2)).isNull();
        assertThatThrownBy(() -> op.kind(4)).isInstanceOf(IndexOutOfBoundsException.class);
        assertThatThrownBy(() -> op.length(-1)).isInstanceOf(IndexOutOfBoundsException.class);
    }

    @Test
    void clearKeepsTheOpReusable()
    {
        final TextOp op = new TextOp(1, 1);
        for (int round = 0; round < 3; round++)
        {
            op.clear().skip(1).insert("hello world").delete(3).insert("z").deleteText("😀😀");
            assertThat(op.toJson()).isEqualTo("[1,\"hello world\",{\"d\":3},\"z\",{\"d\":\"😀😀\"}]");
        }
    }

    @Test
    void copyFromCopiesComponentsExactly()
    {
        final TextOp source = new TextOp().addSkip(0).addInsert("ab").addDelete(2).addDeleteText("c").addSkip(2);
        final TextOp copy = new TextOp().insert("old text").copyFrom(source);
        assertThat(copy).isEqualTo(source);
        assertThat(copy.toJson()).isEqualTo(source.toJson());
        assertThat(copy.copyFrom(copy)).isEqualTo(source);
    }

    @Test
    void equalityIsByComponentsNotBufferLayout()
    {
        final TextOp a = new TextOp().insert("ab").delete(1).deleteText("c");
        final TextOp b = new TextOp().deleteText("zzz").clear().insert("a").insert("b").delete(1).deleteText("c");
        assertThat(a).isEqualTo(b).hasSameHashCodeAs(b);
        assertThat(a).isEqualTo(new TextOp().insert("ab").delete(1).delete(1));
        assertThat(a).isNotEqualTo(new TextOp().insert("ab").delete(1));
        assertThat(new TextOp().delete(1)).isNotEqualTo(new TextOp().deleteText("x"));
        assertThat(new TextOp().insert("a")).isNotEqualTo(new TextOp().insert("b"));
        assertThat(a).isNotEqualTo("[\"ab\"]");
    }

    @Test
    void toJsonWritesWhatJsonStringifyWrites()
    {
        assertThat(TextOp.parseJson("[3,\"hi\",{\"d\":2},{\"d\":\"xy\"}]").toJson())
            .isEqualTo("[3,\"hi\",{\"d\":2},{\"d\":\"xy\"}]");
        final TextOp op = new TextOp().addInsert("q\"b\\s\b\f\n\r\t\u0001\u001f\u007f\u2028é😀")
            .addInsert("\uD83D").addDeleteText("x\uDC00");
        assertThat(op.toJson()).isEqualTo(
            "[\"q\\\"b\\\\s\\b\\f\\n\\r\\t\\u0001\\u001f\u007f\u2028é😀\",\"\\ud83d\",{\"d\":\"x\\udc00\"}]");
        assertThat(op.toString()).isEqualTo(op.toJson());
    }

    @Test
    void parseJsonKeepsComponentsRawAndRoundTrips()
    {
        final String json = "[0,\"\",{\"d\":0},{\"d\":\"\"},2,3,-1,\"a😀\",{\"d\":\"\\ud83d\"}]";
        final TextOp op = TextOp.parseJson(json);
        assertThat(op.size()).isEqualTo(9);
        assertThat(op.toJson()).isEqualTo(json);
        assertThat(TextOp.parseJson("  [ 1 , { \"d\" : 2 } ]  ").toJson()).isEqualTo("[1,{\"d\":2}]");
        assertThat(TextOp.parseJson("[]").size()).isZero();
    }

    @Test
    void parseJsonAcceptsIntegralNumbersInAnyNotation()
    {
        assertThat(TextOp.parseJson("[2.0,{\"d\":1e1},-0]").toJson()).isEqualTo("[2,{\"d\":10},0]");
        assertThat(TextOp.parseJson("[2147483647]").length(0)).isEqualTo(Integer.MAX_VALUE);
    }

    @Test
    void parseJsonIntoReusesTheOp()
    {
        final TextOp op = new TextOp().insert("stale");
        assertThat(TextOp.parseJson("[1,\"x\"]", op)).isSameAs(op);
        assertThat(op.toJson()).isEqualTo("[1,\"x\"]");
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', textBlock = """
        {"d":1}                 | -1 | op must be a JSON array of components
        "abc"                   | -1 | op must be a JSON array of components
        ''                      | -1 | op must be a JSON array of components
        [1.5]                   | 0  | component 0: skip must be an integer, got 1.5
        [1,{"d":2.25}]          | 1  | component 1: delete must be an integer, got 2.25
        [2147483648]            | 0  | component 0: skip 2147483648 is outside the int range
        [1,{"d":-99999999999}]  | 1  | component 1: delete -99999999999 is outside the int range
        [1e300]                 | 0  | component 0: skip 1e300 is outside the int range
        [{"x":1}]               | 0  | component 0: object component must be {"d": count} or {"d": "text"}, found field "x"
        [{"d":1,"x":1}]         | 0  | component 0: object component must be {"d": count} or {"d": "text"}, found field "x"
        [{"d":1,"d":2}]         | 0  | component 0: object component must be {"d": count} or {"d": "text"}, found field "d"
        [{}]                    | 0  | component 0: object component must be {"d": count} or {"d": "text"}, got {}
        [{"d":null}]            | 0  | component 0: delete must be {"d": count} or {"d": "text"}, got d=null
        [{"d":true}]            | 0  | component 0: delete must be {"d": count} or {"d": "text"}, got d=true
        [{"d":[1]}]             | 0  | component 0: delete must be {"d": count} or {"d": "text"}, got d=[
        [1,true]                | 1  | component 1: component must be a number, a string or {"d": ...}, got true
        [null]                  | 0  | component 0: component must be a number, a string or {"d": ...}, got null
        [[1]]                   | 0  | component 0: component must be a number, a string or {"d": ...}, got [
        [1] [2]                 | -1 | unexpected content after the op
        """)
    void parseJsonRejectsWrongShapes(final String json, final int component, final String message)
    {
        assertThatThrownBy(() -> TextOp.parseJson(json))
            .isInstanceOfSatisfying(InvalidOpException.class, ex ->
            {
                assertThat(ex.kind()).isEqualTo(InvalidOpException.Kind.BADLY_FORMED);
                assertThat(ex.component()).isEqualTo(component);
                assertThat(ex.getStackTrace()).isEmpty();
            })
            .hasMessage(message);
    }

    @Test
    void parseJsonRejectsMalformedJson()
    {
        for (final String json : new String[]{"[1,", "[1 2]", "[\"abc]", "[1,]x", "[{\"d\":1]"})
        {
            assertThatThrownBy(() -> TextOp.parseJson(json)).as(json)
                .isInstanceOfSatisfying(InvalidOpException.class, ex ->
                    assertThat(ex.kind()).isEqualTo(InvalidOpException.Kind.BADLY_FORMED))
                .hasMessageMatching("(malformed JSON: |component \\d+: unexpected end of input).*");
        }
    }
}
