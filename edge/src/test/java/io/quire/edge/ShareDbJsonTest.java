package io.quire.edge;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.quire.codec.CodecLimits;
import io.quire.codec.protocol.ComponentKind;
import io.quire.common.ConfigException;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.quicktheories.QuickTheory.qt;
import static org.quicktheories.generators.SourceDSL.strings;

/** JSON parsing and checks, op conversion, the shard map: the protocol layer without sockets. */
class ShareDbJsonTest
{
    private final ShareDbJson json = new ShareDbJson(8, 1 << 20, 16);

    @Test
    void parsesObjectsAndRefusesEverythingElseWithACloseCode() throws Exception
    {
        assertThat(json.parse("{\"a\":\"hs\"}").get("a").asText()).isEqualTo("hs");
        for (final String bad : new String[] {"", "[]", "\"x\"", "3", "{", "{\"a\":1,\"a\":2}", "{\"a\":1} x",
            "{\"a\":" + "[".repeat(9) + "]".repeat(9) + "}"})
        {
            assertThatThrownBy(() -> json.parse(bad)).isInstanceOfSatisfying(ProtocolException.class,
                ex -> assertThat(ex.closeCode()).isEqualTo(1007));
        }
    }

    @Test
    void loneSurrogatesAnywhereAreFound() throws Exception
    {
        assertThatThrownBy(() -> ShareDbJson.checkSurrogates(json.parse("{\"a\":[{\"x\":\"\\udc00\"}]}")))
            .isInstanceOf(ProtocolException.class);
        assertThatThrownBy(() -> ShareDbJson.checkSurrogates(json.parse("{\"\\ud800\":1}")))
            .isInstanceOf(ProtocolException.class);
        ShareDbJson.checkSurrogates(json.parse("{\"a\":\"😀\"}"));
        qt().forAll(strings().allPossible().ofLengthBetween(0, 20)).checkAssert(s ->
        {
            boolean expected = true;
            for (int i = 0; i < s.length(); i++)
            {
                final char c = s.charAt(i);
                if (Character.isHighSurrogate(c) && i + 1 < s.length() && Character.isLowSurrogate(s.charAt(i + 1)))
                {
                    i++;
                }
                else if (Character.isSurrogate(c))
                {
                    expected = false;
                }
            }
            assertThat(ShareDbJson.wellFormed(s)).isEqualTo(expected);
        });
    }

    @Test
    void idsAreCheckedForLengthAndCharacters() throws Exception
    {
        final ObjectNode m = json.parse("{\"c\":\"docs\",\"long\":\"" + "é".repeat(9) + "\",\"ctl\":\"a\\nb\",\"n\":3}");
        assertThat(json.id(m, "c", "collection")).isEqualTo("docs");
        assertThatThrownBy(() -> json.id(m, "long", "id")).hasMessageContaining("longer than 16 bytes");
        assertThatThrownBy(() -> json.id(m, "ctl", "id")).hasMessageContaining("control");
        assertThatThrownBy(() -> json.id(m, "n", "id")).hasMessageContaining("Invalid id");
        assertThatThrownBy(() -> json.id(m, "missing", "id")).hasMessageContaining("Invalid id");
    }

    @Test
    void versionsAreNullOrSafeNonNegativeIntegers() throws Exception
    {
        assertThat(ShareDbJson.optionalVersion(json.parse("{\"v\":null}"), "v")).isEqualTo(-1);
        assertThat(ShareDbJson.optionalVersion(json.parse("{}"), "v")).isEqualTo(-1);
        assertThat(ShareDbJson.optionalVersion(json.parse("{\"v\":12}"), "v")).isEqualTo(12);
        for (final String bad : new String[] {"-1", "1.5", "\"3\"", "true", "9007199254740992", "[]"})
        {
            assertThatThrownBy(() -> ShareDbJson.optionalVersion(json.parse("{\"v\":" + bad + "}"), "v"))
                .isInstanceOf(ProtocolException.class).hasMessageContaining("Invalid version");
        }
    }

    @Test
    void errorReplyEchoesTheRequest() throws Exception
    {
        final ObjectNode request = json.parse("{\"a\":\"op\",\"c\":\"x\",\"d\":\"y\",\"v\":5,\"seq\":2,\"op\":[\"R\"]}");
        assertThat(ShareDbJson.errorReply(request, "ERR_X", "nope")).isEqualTo(
            "{\"a\":\"op\",\"c\":\"x\",\"d\":\"y\",\"v\":5,\"seq\":2,\"op\":[\"R\"]," +
            "\"error\":{\"code\":\"ERR_X\",\"message\":\"nope\"}}");
    }

    @Test
    void opsConvertToComponentsAndBadShapesAreRefused() throws Exception
    {
        final List<TextOpJson.Component> op = TextOpJson.parse(
            json.parse("{\"op\":[3,\"h😀\",{\"d\":2},{\"d\":\"xy\"}]}").get("op"), CodecLimits.DEFAULT);
        assertThat(op).containsExactly(
            new TextOpJson.Component(ComponentKind.RETAIN, 3, ""),
            new TextOpJson.Component(ComponentKind.INSERT, 2, "h😀"),
            new TextOpJson.Component(ComponentKind.DELETE, 2, ""),
            new TextOpJson.Component(ComponentKind.DELETE, 2, "xy"));
        for (final String bad : new String[] {"{}", "[0]", "[-1]", "[1.5]", "[\"\"]", "[{\"d\":0}]", "[{\"d\":\"\"}]",
            "[{\"d\":1,\"x\":2}]", "[null]", "[true]", "[[1]]", "[4294967296]"})
        {
            assertThatThrownBy(() -> TextOpJson.parse(json.parse("{\"op\":" + bad + "}").get("op"), CodecLimits.DEFAULT))
                .isInstanceOfSatisfying(ProtocolException.class,
                    ex -> assertThat(ex.code()).isEqualTo("ERR_OT_OP_BADLY_FORMED"));
        }
        final CodecLimits small = CodecLimits.builder().maxOpComponents(2).maxOpTextBytes(4).build();
        assertThatThrownBy(() -> TextOpJson.parse(json.parse("{\"op\":[1,\"a\",{\"d\":1}]}").get("op"), small))
            .isInstanceOfSatisfying(ProtocolException.class, ex -> assertThat(ex.code()).isEqualTo("ERR_OP_TOO_LARGE"));
        assertThatThrownBy(() -> TextOpJson.parse(json.parse("{\"op\":[\"abcde\"]}").get("op"), small))
            .isInstanceOfSatisfying(ProtocolException.class, ex -> assertThat(ex.code()).isEqualTo("ERR_OP_TOO_LARGE"));
    }

    @Test
    void shardMapEntriesNameSeveralCandidatesSeparatedByABarBeforeAeron()
    {
        final ShardMap map = ShardMap.parse(4,
            "0-2=aeron:udp?endpoint=a:1|term-length=64k@7|aeron:udp?endpoint=b:1;2-4=aeron:ipc@9|aeron:ipc@10");
        final ShardMap.Entry first = map.entries().get(0);
        assertThat(first.candidates()).containsExactly(
            new ShardMap.Candidate("aeron:udp?endpoint=a:1|term-length=64k", 7),
            new ShardMap.Candidate("aeron:udp?endpoint=b:1", ShardMap.DEFAULT_STREAM));
        assertThat(first.channel()).as("the first candidate").isEqualTo("aeron:udp?endpoint=a:1|term-length=64k");
        assertThat(map.entries().get(1).candidates()).extracting(ShardMap.Candidate::stream).containsExactly(9, 10);
        assertThat(map.toString()).isEqualTo(
            "0-2=aeron:udp?endpoint=a:1|term-length=64k@7|aeron:udp?endpoint=b:1@1001;2-4=aeron:ipc@9|aeron:ipc@10");
        assertThat(ShardMap.parse(4, map.toString()).toString()).isEqualTo(map.toString());
    }

    @Test
    void shardMapTilesTheShardsAndRoutesLikeTheEngine()
    {
        final ShardMap map = ShardMap.parse(4, "2-4=aeron:udp?endpoint=h:2|term-length=64k@7; 0-2=aeron:ipc");
        assertThat(map.entries()).hasSize(2);
        assertThat(map.entries().get(0).channel()).isEqualTo("aeron:ipc");
        assertThat(map.entries().get(0).stream()).isEqualTo(ShardMap.DEFAULT_STREAM);
        assertThat(map.entries().get(1).channel()).isEqualTo("aeron:udp?endpoint=h:2|term-length=64k");
        assertThat(map.entries().get(1).stream()).isEqualTo(7);
        final long hash = io.quire.codec.ShardRouter.docHash("docs", "d1");
        assertThat(map.engineFor(hash)).isEqualTo(io.quire.codec.ShardRouter.shardFor(hash, 4) < 2 ? 0 : 1);
        for (final String bad : new String[] {"0-1=aeron:ipc", "0-2=aeron:ipc,1-4=aeron:ipc", "0-4=tcp://x",
            "0-4", "a-b=aeron:ipc", "0-4=aeron:ipc@x", "", "0-4=aeron:ipc|aeron:ipc@1001",
            "0-4=aeron:ipc|aeron:ipc@y"})
        {
            assertThatThrownBy(() -> ShardMap.parse(4, bad)).isInstanceOf(ConfigException.class);
        }
    }

    @Test
    void edgeContextDefaultsAndLayering()
    {
        final EdgeContext ctx = new EdgeContext().conclude();
        assertThat(ctx.port()).isEqualTo(8080);
        assertThat(ctx.host()).isEqualTo("127.0.0.1");
        assertThat(ctx.maxMessageBytes()).isEqualTo(2 << 20);
        assertThat(ctx.opRate()).isEqualTo(100);
        assertThat(ctx.shardMap().entries()).hasSize(1);
        final java.util.Properties sys = new java.util.Properties();
        sys.setProperty("quire.edge.port", "9001");
        sys.setProperty("quire.edge.op.rate", "7");
        final EdgeContext layered = new EdgeContext().apply(io.quire.common.Settings.of("edge",
            java.util.Map.of("port", "9002"), sys, java.util.Map.of("QUIRE_EDGE_OP_RATE", "8"),
            new java.util.Properties())).conclude();
        assertThat(layered.port()).isEqualTo(9002);
        assertThat(layered.opRate()).isEqualTo(7);
        assertThatThrownBy(() -> new EdgeContext().apply(io.quire.common.Settings.defaults("edge",
            java.util.Map.of("shards", "3"))).conclude()).isInstanceOf(ConfigException.class);
    }
}
