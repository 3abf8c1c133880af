package io.quire.codec;

import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.quicktheories.QuickTheory.qt;
import static org.quicktheories.generators.SourceDSL.integers;
import static org.quicktheories.generators.SourceDSL.longs;
import static org.quicktheories.generators.SourceDSL.strings;

class ShardRouterTest
{
    /**
     * Golden values: computed by an independent implementation of the documented definition. They pin the hash, which
     * is stored in journals and snapshots; if one of these changes, every stored document moves shard.
     */
    private static final Object[][] GOLDEN = {
        {"", -1166397803181037274L, 14, 936},
        {"docs.d1", -7812574763949639742L, 9, 576},
        {"docs.doc-1", -4929563752756740662L, 11, 732},
        {"bench.doc-42", -6578852935242081145L, 10, 643},
        {"notes.h\u00e9llo \uD83D\uDE00", -3215996772099715124L, 13, 825},
        {"a.b", -7452832203210590640L, 9, 595},
        {"presence-only-channel", 3387795138124361004L, 2, 183},
    };

    @Test
    void hashesAndShardsArePinned()
    {
        for (final Object[] golden : GOLDEN)
        {
            final String key = (String)golden[0];
            final long hash = (Long)golden[1];
            assertThat(ShardRouter.channelHash(key)).as(key).isEqualTo(hash);
            assertThat(ShardRouter.shardFor(hash, 1)).isZero();
            assertThat(ShardRouter.shardFor(hash, 16)).as(key).isEqualTo(golden[2]);
            assertThat(ShardRouter.shardFor(hash, 1000)).as(key).isEqualTo(golden[3]);
        }
        assertThat(ShardRouter.docHash("docs", "d1")).isEqualTo(-7812574763949639742L);
        assertThat(ShardRouter.docHash("notes", "h\u00e9llo \uD83D\uDE00")).isEqualTo(-3215996772099715124L);
    }

    @Test
    void aDocumentAndItsPresenceChannelRouteTogetherWhateverTheOverload()
    {
        qt().forAll(strings().allPossible().ofLengthBetween(0, 40), strings().allPossible().ofLengthBetween(0, 40))
            .checkAssert((collection, docId) ->
            {
                final String channel = collection + "." + docId;
                final byte[] c = collection.getBytes(StandardCharsets.UTF_8);
                final byte[] d = docId.getBytes(StandardCharsets.UTF_8);
                final byte[] ch = channel.getBytes(StandardCharsets.UTF_8);
                final long expected = ShardRouter.channelHash(new UnsafeBuffer(ch), 0, ch.length);

                assertThat(ShardRouter.docHash(collection, docId)).isEqualTo(expected);
                assertThat(ShardRouter.channelHash(channel)).isEqualTo(expected);
                assertThat(ShardRouter.docHash(new UnsafeBuffer(c), 0, c.length, new UnsafeBuffer(d), 0, d.length))
                    .isEqualTo(expected);
            });
    }

    @Test
    void unpairedSurrogatesHashAsTheQuestionMarkJavaEncodesThemAs()
    {
        assertThat(ShardRouter.docHash("docs", "a\uD800b")).isEqualTo(ShardRouter.docHash("docs", "a?b"));
        assertThat(ShardRouter.channelHash("x\uDC00")).isEqualTo(ShardRouter.channelHash("x?"));
        assertThat(ShardRouter.channelHash("x\uD83D")).isEqualTo(ShardRouter.channelHash("x?"));
    }

    @Test
    void shardsAreInRangeForAnyHashAndCount()
    {
        qt().forAll(longs().all(), integers().between(1, ShardRouter.MAX_SHARDS)).checkAssert((hash, count) ->
            assertThat(ShardRouter.shardFor(hash, count)).isBetween(0, count - 1));
        assertThat(ShardRouter.shardFor(-1L, ShardRouter.MAX_SHARDS)).isEqualTo(ShardRouter.MAX_SHARDS - 1);
        assertThat(ShardRouter.shardFor(0L, ShardRouter.MAX_SHARDS)).isZero();
        assertThatThrownBy(() -> ShardRouter.shardFor(1, 0)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> ShardRouter.shardFor(1, ShardRouter.MAX_SHARDS + 1))
            .isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void sequentialIdsSpreadEvenlyOverShards()
    {
        for (final int shards : new int[]{2, 7, 16, 64, 1000})
        {
            assertSpread(shards, "docs", i -> "doc-" + i);
            assertSpread(shards, "c", Integer::toString);
        }
    }

    private static void assertSpread(
        final int shards, final String collection, final java.util.function.IntFunction<String> id)
    {
        final int keys = 200_000;
        final long[] counts = new long[shards];
        for (int i = 0; i < keys; i++)
        {
            counts[ShardRouter.shardFor(ShardRouter.docHash(collection, id.apply(i)), shards)]++;
        }
        final double expected = (double)keys / shards;
        double chiSquare = 0;
        for (final long count : counts)
        {
            chiSquare += (count - expected) * (count - expected) / expected;
        }
        // Chi-square with k-1 degrees of freedom has mean k-1 and sd sqrt(2(k-1)); 6 sd is far past chance.
        final double dof = shards - 1;
        assertThat(chiSquare).as("chi-square over %d shards", shards).isLessThan(dof + 6 * Math.sqrt(2 * dof) + 1);
    }
}
