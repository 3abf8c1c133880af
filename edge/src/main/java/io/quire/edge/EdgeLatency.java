package io.quire.edge;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.HdrHistogram.Histogram;
import org.HdrHistogram.Recorder;
import org.HdrHistogram.SingleWriterRecorder;

import java.nio.ByteBuffer;
import java.util.Arrays;
import java.util.Base64;

/**
 * Where an op's time goes between the edge and the engine, stage by stage, from the stamps an ack or broadcast carries
 * (the engine's {@code MonotonicNs} fields) and the edge's own: one HdrHistogram per {@link Stage}, cumulative since
 * the edge started. Served as JSON at {@code GET /latency} (percentiles plus each histogram, compressed and Base64
 * encoded as HdrHistogram does, so a reader can subtract two snapshots to get any window) and as
 * {@code quire_edge_stage_latency_seconds} gauges on {@code /metrics}.
 * <p>
 * The per-direction hops ({@link Stage#TO_ENGINE}, {@link Stage#FROM_ENGINE}, {@link Stage#BROADCAST_FROM_ENGINE})
 * compare the edge's {@link System#nanoTime()} with the engine's, which only means something when both run on one
 * host (the all-in-one server, the local cluster); {@link Stage#AERON_ROUND_TRIP} subtracts the engine's own time
 * from the edge's and holds across hosts. The edge reads its clock just before it encodes and offers a SubmitOp (a
 * woken engine may take it before the offer returns), so the encoding and the offer count to {@code to_engine}.
 * Negative differences (clocks of different hosts) are not recorded.
 * <p>
 * Writers: the edge's reply agent thread (single-writer recorders), except {@link Stage#SOCKET_WRITE}, which Undertow's
 * IO threads record as they finish each write (a multi-writer recorder); readers take a lock.
 */
final class EdgeLatency
{
    /** The stages, in the order an op passes them. */
    enum Stage
    {
        /** JSON parse, checks, rate limits, access. */
        EDGE_IN("edge_in", "op frame received at the edge -> SubmitOp about to be encoded and offered to Aeron"),
        /** SBE encode, the offer, the Aeron hop to the engine, including its ingress poller's wake-up. */
        TO_ENGINE("to_engine", "SubmitOp encoded and offered at the edge -> received by the engine's ingress " +
            "(same host)"),
        /** Ring queueing, validation, de-duplication, transform and apply. */
        ENGINE_QUEUE("engine_queue", "engine ingress -> op committed by the shard's sequencer (ring wait + sequencing)"),
        /** The rest of the ring batch, the journal's group commit, the replication gate, the egress. */
        ENGINE_COMMIT("engine_commit", "op sequenced -> ack handed to Aeron (batch, journal commit, replication, " +
            "egress)"),
        /** The Aeron hop back, including the edge's reply poller's wake-up. */
        FROM_ENGINE("from_engine", "ack handed to Aeron at the engine -> taken by the edge's reply agent (same host)"),
        /** Both Aeron hops, from the edge's clock minus the engine's time: meaningful across hosts. */
        AERON_ROUND_TRIP("aeron_round_trip", "edge to engine and back, less the engine's own time"),
        /** SBE decode, JSON encode and queueing the ack on the client's socket. */
        EDGE_OUT("edge_out", "ack taken by the reply agent -> ack queued on the client's socket"),
        /** The whole of the edge's view. */
        EDGE_TOTAL("edge_total", "op frame received -> ack queued on the client's socket"),
        /** A broadcast's Aeron hop. */
        BROADCAST_FROM_ENGINE("broadcast_from_engine",
            "broadcast handed to Aeron at the engine -> taken by the edge's reply agent (same host)"),
        /** Fan-out of one broadcast to every local subscriber. */
        FANOUT("fanout", "broadcast taken by the reply agent -> queued on every subscribed socket of this edge"),
        /** Undertow's side of every frame the edge sends: the hand-off to the socket's IO thread and the write. */
        SOCKET_WRITE("socket_write", "any frame queued on a client's socket -> written to it by Undertow's IO thread");

        final String label;
        final String description;

        Stage(final String label, final String description)
        {
            this.label = label;
            this.description = description;
        }
    }

    /** Longest latency recorded exactly; longer ones are recorded as this. */
    static final long MAX_NS = 60_000_000_000L;
    /**
     * How early the engine's "received" stamp may be: it is the start of the ingress poll that took the message (one
     * clock read per poll), so a message offered after that read but taken by the same poll looks received before it
     * was sent. A hop that comes out negative by less than this is counted as 0; by more, the two clocks are not
     * comparable (an engine on another host) and it is not counted.
     */
    static final long ENGINE_STAMP_RESOLUTION_NS = 1_000_000L;
    private static final int DIGITS = 2;
    private static final Stage[] STAGES = Stage.values();

    private final SingleWriterRecorder[] recorders = new SingleWriterRecorder[STAGES.length];
    private final Recorder socketWrites = new Recorder(MAX_NS, DIGITS);
    private final Histogram[] totals = new Histogram[STAGES.length];
    private final Histogram[] intervals = new Histogram[STAGES.length];

    EdgeLatency()
    {
        for (int i = 0; i < STAGES.length; i++)
        {
            recorders[i] = new SingleWriterRecorder(MAX_NS, DIGITS);
            totals[i] = new Histogram(MAX_NS, DIGITS);
        }
    }

    /**
     * Record one stage (reply agent thread).
     *
     * @param stage the stage.
     * @param ns    its duration; negative (unstamped, other host's clock) is ignored.
     */
    private void record(final Stage stage, final long ns)
    {
        if (ns >= 0)
        {
            recorders[stage.ordinal()].recordValue(Math.min(ns, MAX_NS));
        }
    }

    /** {@link #record} for a stage bounded by the engine's "received" stamp (see {@link #ENGINE_STAMP_RESOLUTION_NS}). */
    private void recordAcrossEngineReceipt(final Stage stage, final long ns)
    {
        record(stage, ns < 0 && ns > -ENGINE_STAMP_RESOLUTION_NS ? 0 : ns);
    }

    /**
     * A frame queued on a socket has been written (any thread: Undertow's IO threads call it).
     *
     * @param ns from queued to written.
     */
    void socketWrite(final long ns)
    {
        if (ns >= 0)
        {
            socketWrites.recordValue(Math.min(ns, MAX_NS));
        }
    }

    /**
     * An op's ack, with every stamp it has (0: that stamp was not taken, e.g. by an engine of an older protocol
     * version, or for a duplicate, which is not sequenced again).
     *
     * @param receivedNs       frame received at the edge.
     * @param sentNs           SubmitOp about to be encoded and offered at the edge (0 if unknown).
     * @param engineReceivedNs engine ingress.
     * @param engineSequencedNs sequencer commit.
     * @param engineSentNs     ack handed to Aeron at the engine.
     * @param ackReceivedNs    ack taken by the reply agent.
     * @param ackQueuedNs      ack queued on the socket.
     */
    void ack(
        final long receivedNs, final long sentNs, final long engineReceivedNs, final long engineSequencedNs,
        final long engineSentNs, final long ackReceivedNs, final long ackQueuedNs)
    {
        record(Stage.EDGE_TOTAL, ackQueuedNs - receivedNs);
        record(Stage.EDGE_OUT, ackQueuedNs - ackReceivedNs);
        if (sentNs != 0)
        {
            record(Stage.EDGE_IN, sentNs - receivedNs);
        }
        if (engineReceivedNs == 0 || engineSentNs == 0)
        {
            return;
        }
        if (sentNs != 0)
        {
            recordAcrossEngineReceipt(Stage.TO_ENGINE, engineReceivedNs - sentNs);
            recordAcrossEngineReceipt(
                Stage.AERON_ROUND_TRIP, (ackReceivedNs - sentNs) - (engineSentNs - engineReceivedNs));
        }
        record(Stage.FROM_ENGINE, ackReceivedNs - engineSentNs);
        if (engineSequencedNs != 0)
        {
            record(Stage.ENGINE_QUEUE, engineSequencedNs - engineReceivedNs);
            record(Stage.ENGINE_COMMIT, engineSentNs - engineSequencedNs);
        }
    }

    /**
     * A broadcast to this edge's subscribers.
     *
     * @param engineSentNs  handed to Aeron at the engine (0: not stamped).
     * @param receivedNs    taken by the reply agent.
     * @param queuedNs      queued on every subscriber's socket.
     */
    void broadcast(final long engineSentNs, final long receivedNs, final long queuedNs)
    {
        if (engineSentNs != 0)
        {
            record(Stage.BROADCAST_FROM_ENGINE, receivedNs - engineSentNs);
        }
        record(Stage.FANOUT, queuedNs - receivedNs);
    }

    /** @return a copy of every stage's histogram since start, in {@link Stage} order. */
    synchronized Histogram[] snapshot()
    {
        final Histogram[] copies = new Histogram[STAGES.length];
        for (int i = 0; i < STAGES.length; i++)
        {
            intervals[i] = STAGES[i] == Stage.SOCKET_WRITE ? socketWrites.getIntervalHistogram(intervals[i]) :
                recorders[i].getIntervalHistogram(intervals[i]);
            totals[i].add(intervals[i]);
            copies[i] = totals[i].copy();
        }
        return copies;
    }

    /**
     * @return {@code GET /latency}: per stage its label, description, count, percentiles in µs and the histogram
     *         (ns, HdrHistogram's compressed encoding in Base64).
     */
    ObjectNode toJson()
    {
        final Histogram[] histograms = snapshot();
        final ObjectNode root = JsonNodeFactory.instance.objectNode();
        root.put("unit", "microseconds");
        root.put("histogramUnit", "nanoseconds");
        root.put("window", "since the edge started; subtract two snapshots' histograms for an interval");
        final ArrayNode stages = root.putArray("stages");
        for (final Stage stage : STAGES)
        {
            final Histogram h = histograms[stage.ordinal()];
            final ObjectNode s = stages.addObject();
            s.put("stage", stage.label);
            s.put("description", stage.description);
            s.put("count", h.getTotalCount());
            s.put("p50", us(h, 50));
            s.put("p90", us(h, 90));
            s.put("p99", us(h, 99));
            s.put("p999", us(h, 99.9));
            s.put("max", h.getTotalCount() == 0 ? 0 : h.getMaxValue() / 1000.0);
            s.put("histogram", encode(h));
        }
        return root;
    }

    /**
     * @param h a histogram.
     * @return HdrHistogram's compressed encoding, Base64.
     */
    static String encode(final Histogram h)
    {
        final ByteBuffer buffer = ByteBuffer.allocate(h.getNeededByteBufferCapacity());
        final int length = h.encodeIntoCompressedByteBuffer(buffer);
        return Base64.getEncoder().encodeToString(Arrays.copyOf(buffer.array(), length));
    }

    private static double us(final Histogram h, final double percentile)
    {
        return h.getTotalCount() == 0 ? 0 : h.getValueAtPercentile(percentile) / 1000.0;
    }
}
