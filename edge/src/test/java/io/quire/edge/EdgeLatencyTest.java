package io.quire.edge;

import com.fasterxml.jackson.databind.JsonNode;
import org.HdrHistogram.Histogram;
import org.junit.jupiter.api.Test;

import java.nio.ByteBuffer;
import java.util.Base64;
import java.util.HashMap;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

class EdgeLatencyTest
{
    private final EdgeLatency latency = new EdgeLatency();

    @Test
    void splitsAnAckIntoItsStages()
    {
        // received 1,000; sent 1,200; engine received 1,500, sequenced 1,700, sent 2,000; ack taken 2,600, queued 2,650
        latency.ack(1_000, 1_200, 1_500, 1_700, 2_000, 2_600, 2_650);
        final Map<String, Histogram> h = byLabel(latency.snapshot());
        assertStage(h, "edge_in", 200);
        assertStage(h, "to_engine", 300);
        assertStage(h, "engine_queue", 200);
        assertStage(h, "engine_commit", 300);
        assertStage(h, "from_engine", 600);
        assertStage(h, "aeron_round_trip", 900);
        assertStage(h, "edge_out", 50);
        assertStage(h, "edge_total", 1_650);
        assertThat(h.get("fanout").getTotalCount()).isZero();
    }

    @Test
    void skipsWhatWasNotStamped()
    {
        // A duplicate's ack (not sequenced again) from an engine, and an ack from an engine that stamps nothing.
        latency.ack(1_000, 1_200, 1_500, 0, 2_000, 2_600, 2_650);
        latency.ack(1_000, 0, 0, 0, 0, 2_600, 2_650);
        final Map<String, Histogram> h = byLabel(latency.snapshot());
        assertThat(h.get("edge_total").getTotalCount()).isEqualTo(2);
        assertThat(h.get("edge_in").getTotalCount()).isEqualTo(1);
        assertThat(h.get("to_engine").getTotalCount()).isEqualTo(1);
        assertThat(h.get("engine_queue").getTotalCount()).isZero();
        assertThat(h.get("engine_commit").getTotalCount()).isZero();
        // An engine on another host, its clock 2 µs ahead: the negative return hop is dropped, the round trip (1,400
        // at the edge less 400 at the engine) counts.
        latency.ack(1_000, 1_200, 3_000, 3_010, 3_400, 2_600, 2_650);
        final Map<String, Histogram> after = byLabel(latency.snapshot());
        assertThat(after.get("to_engine").getTotalCount()).isEqualTo(2);
        assertThat(after.get("from_engine").getTotalCount()).isEqualTo(1);
        assertThat(after.get("aeron_round_trip").getTotalCount()).isEqualTo(2);
        assertThat(after.get("aeron_round_trip").getMaxValue()).isBetween(1_000L, 1_010L);
    }

    @Test
    void aHopThatLooksNegativeByLessThanTheEngineStampsResolutionCountsAsZero()
    {
        // The engine stamps "received" at the start of the ingress poll that took the message: here 3 µs before the
        // edge stamped "sent" (the message was offered during the poll). The hop counts, as 0, and so does the round
        // trip (2,000 at the edge less 2,003 at the engine).
        latency.ack(1_000, 4_000, 1_000, 1_500, 3_003, 6_000, 6_100);
        Map<String, Histogram> h = byLabel(latency.snapshot());
        assertThat(h.get("to_engine").getTotalCount()).isEqualTo(1);
        assertThat(h.get("to_engine").getMaxValue()).isZero();
        assertThat(h.get("aeron_round_trip").getTotalCount()).isEqualTo(1);
        assertThat(h.get("aeron_round_trip").getMaxValue()).isZero();
        // 5 ms early is not the poll: the clocks are not comparable (another host), so neither is counted.
        latency.ack(1_000, 6_000_000, 1_000_000, 1_000_500, 1_001_000, 6_002_000, 6_002_100);
        h = byLabel(latency.snapshot());
        assertThat(h.get("to_engine").getTotalCount()).isEqualTo(1);
        assertThat(h.get("edge_total").getTotalCount()).isEqualTo(2);
    }

    @Test
    void cumulativeAndServedAsJsonWithDecodableHistograms() throws Exception
    {
        latency.broadcast(1_000, 1_500, 1_520);
        latency.snapshot();
        latency.broadcast(1_000, 1_700, 1_800);
        final JsonNode json = latency.toJson();
        final Map<String, JsonNode> stages = new HashMap<>();
        json.path("stages").forEach(s -> stages.put(s.path("stage").asText(), s));
        assertThat(stages).hasSize(EdgeLatency.Stage.values().length);
        final JsonNode fanout = stages.get("fanout");
        assertThat(fanout.path("count").asLong()).isEqualTo(2);
        assertThat(fanout.path("max").asDouble()).as("µs").isCloseTo(0.1, org.assertj.core.data.Offset.offset(0.001));
        final Histogram decoded = Histogram.decodeFromCompressedByteBuffer(
            ByteBuffer.wrap(Base64.getDecoder().decode(fanout.path("histogram").asText())), 0);
        assertThat(decoded.getTotalCount()).isEqualTo(2);
        assertThat(stages.get("broadcast_from_engine").path("count").asLong()).isEqualTo(2);
    }

    @Test
    void socketWritesComeFromManyThreads() throws Exception
    {
        final Thread[] writers = new Thread[4];
        for (int t = 0; t < writers.length; t++)
        {
            final long ns = 1_000L * (t + 1);
            writers[t] = new Thread(() ->
            {
                for (int i = 0; i < 10_000; i++)
                {
                    latency.socketWrite(ns);
                }
            });
            writers[t].start();
        }
        for (final Thread w : writers)
        {
            w.join();
        }
        latency.socketWrite(-1); // a clock that went backwards is not recorded
        final Histogram h = byLabel(latency.snapshot()).get("socket_write");
        assertThat(h.getTotalCount()).isEqualTo(40_000);
        assertThat(h.valuesAreEquivalent(h.getMaxValue(), 4_000)).isTrue();
    }

    private static Map<String, Histogram> byLabel(final Histogram[] histograms)
    {
        final Map<String, Histogram> m = new HashMap<>();
        for (final EdgeLatency.Stage s : EdgeLatency.Stage.values())
        {
            m.put(s.label, histograms[s.ordinal()]);
        }
        return m;
    }

    private static void assertStage(final Map<String, Histogram> h, final String stage, final long expectedNs)
    {
        final Histogram histogram = h.get(stage);
        assertThat(histogram.getTotalCount()).as(stage).isEqualTo(1);
        assertThat(histogram.valuesAreEquivalent(histogram.getMaxValue(), expectedNs))
            .as(stage + " recorded " + histogram.getMaxValue() + ", expected " + expectedNs).isTrue();
    }
}
