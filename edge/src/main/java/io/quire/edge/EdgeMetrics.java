package io.quire.edge;

import io.prometheus.metrics.core.metrics.Counter;
import io.prometheus.metrics.core.metrics.CounterWithCallback;
import io.prometheus.metrics.core.metrics.GaugeWithCallback;
import io.prometheus.metrics.core.metrics.Summary;
import io.prometheus.metrics.expositionformats.PrometheusTextFormatWriter;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import io.prometheus.metrics.model.snapshots.Unit;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Supplier;

/**
 * The edge's Prometheus metrics, served as text at {@code /metrics}. Names start with {@code quire_edge_}. An embedding
 * process registers more collectors (the engine's) in the same {@link PrometheusRegistry}.
 */
final class EdgeMetrics
{
    private final PrometheusRegistry registry;
    private final Counter opsReceived;
    private final Counter opsAcked;
    private final Counter opsRejected;
    private final Counter requestsRejected;
    private final Counter connectionsClosed;
    private final Counter malformedReplies;
    private final Counter fencedMessages;
    private final Counter heldRequests;
    private final Counter resentRequests;
    private final Summary ackLatency;
    private final EdgeLatency latency = new EdgeLatency();
    private final AtomicLong outboundQueuedBytes = new AtomicLong();
    private final PrometheusTextFormatWriter writer = PrometheusTextFormatWriter.create();

    EdgeMetrics(
        final PrometheusRegistry registry, final SessionRegistry sessions, final Supplier<EngineLinks> engines)
    {
        this.registry = registry;
        opsReceived = Counter.builder().name("quire_edge_ops_received")
            .help("ShareDB ops (create, edit, delete) received from clients").register(registry);
        opsAcked = Counter.builder().name("quire_edge_ops_acked")
            .help("ops acknowledged to their submitters").register(registry);
        opsRejected = Counter.builder().name("quire_edge_ops_rejected")
            .help("ops answered with an error, by ShareDB error code").labelNames("code").register(registry);
        requestsRejected = Counter.builder().name("quire_edge_requests_rejected")
            .help("requests other than ops answered with an error, by ShareDB error code").labelNames("code")
            .register(registry);
        connectionsClosed = Counter.builder().name("quire_edge_connections_closed")
            .help("connections the edge closed, by reason").labelNames("reason").register(registry);
        malformedReplies = Counter.builder().name("quire_edge_engine_messages_malformed")
            .help("engine messages that failed validation and were dropped").register(registry);
        fencedMessages = Counter.builder().name("quire_edge_engine_messages_fenced")
            .help("engine messages dropped because their engine is not the primary of the newest epoch known for " +
                "its shards (a deposed primary, a replica, or an engine not heard from yet)").register(registry);
        heldRequests = Counter.builder().name("quire_edge_failover_held_requests")
            .help("client requests held while their shard range failed over").register(registry);
        resentRequests = Counter.builder().name("quire_edge_failover_resent_requests")
            .help("requests re-sent to a new primary after a failover: in flight to the old one, and silent " +
                "re-subscriptions").register(registry);
        ackLatency = Summary.builder().name("quire_edge_ack_latency_seconds").unit(Unit.SECONDS)
            .help("op received at the edge to its ack sent to the client")
            .quantile(0.5, 0.01).quantile(0.99, 0.001).maxAgeSeconds(60).numberOfAgeBuckets(5)
            .register(registry);
        GaugeWithCallback.builder().name("quire_edge_stage_latency_seconds")
            .help("an op's time per stage between the edge and the engine, since start (stages: GET /latency)")
            .labelNames("stage", "quantile")
            .callback(cb ->
            {
                final org.HdrHistogram.Histogram[] h = latency.snapshot();
                final EdgeLatency.Stage[] stages = EdgeLatency.Stage.values();
                for (int i = 0; i < stages.length; i++)
                {
                    if (h[i].getTotalCount() > 0)
                    {
                        cb.call(h[i].getValueAtPercentile(50) / 1e9, stages[i].label, "0.5");
                        cb.call(h[i].getValueAtPercentile(99) / 1e9, stages[i].label, "0.99");
                        cb.call(h[i].getMaxValue() / 1e9, stages[i].label, "1");
                    }
                }
            })
            .register(registry);
        GaugeWithCallback.builder().name("quire_edge_connections").help("open WebSocket connections")
            .callback(cb -> cb.call(sessions.openCount())).register(registry);
        GaugeWithCallback.builder().name("quire_edge_subscriptions").help("document subscriptions of all sessions")
            .callback(cb -> cb.call(sessions.docSubscriptions())).register(registry);
        GaugeWithCallback.builder().name("quire_edge_outbound_queued_bytes")
            .help("bytes queued to client sockets and not yet written")
            .callback(cb -> cb.call(outboundQueuedBytes.get())).register(registry);
        GaugeWithCallback.builder().name("quire_edge_engine_heartbeat_age_seconds")
            .help("time since the last EngineHeartbeat, per engine shard range (-1: never heard from)")
            .labelNames("shards")
            .callback(cb ->
            {
                final EngineLinks links = engines.get();
                if (links != null)
                {
                    links.forEachHeartbeatAge(cb::call);
                }
            })
            .register(registry);
        GaugeWithCallback.builder().name("quire_edge_engine_epoch")
            .help("newest leadership epoch heard per engine shard range (0: none yet)")
            .labelNames("shards")
            .callback(cb ->
            {
                final EngineLinks links = engines.get();
                if (links != null)
                {
                    links.forEachEpoch(cb::call);
                }
            })
            .register(registry);
        CounterWithCallback.builder().name("quire_edge_engine_failovers")
            .help("failovers completed per engine shard range: a primary (the same engine restarted or a promoted " +
                "standby) took over and the held sessions were recovered without closing them")
            .labelNames("shards")
            .callback(cb ->
            {
                final EngineLinks links = engines.get();
                if (links != null)
                {
                    links.forEachFailoverCount(cb::call);
                }
            })
            .register(registry);
    }

    /** @return the per-stage latency recorders (reply agent thread writes, readers lock). */
    EdgeLatency latency()
    {
        return latency;
    }

    void requestHeld()
    {
        heldRequests.inc();
    }

    void requestResent()
    {
        resentRequests.inc();
    }

    void opReceived()
    {
        opsReceived.inc();
    }

    void opAcked(final long latencyNs)
    {
        opsAcked.inc();
        ackLatency.observe(latencyNs / 1e9);
    }

    void opRejected(final String code)
    {
        opsRejected.labelValues(code).inc();
    }

    void requestRejected(final String code)
    {
        requestsRejected.labelValues(code).inc();
    }

    void connectionClosed(final String reason)
    {
        connectionsClosed.labelValues(reason).inc();
    }

    void slowConsumerClosed()
    {
        connectionClosed("slow-consumer");
    }

    void malformedReply()
    {
        malformedReplies.inc();
    }

    void fencedMessage()
    {
        fencedMessages.inc();
    }

    void outboundQueued(final long delta)
    {
        outboundQueuedBytes.addAndGet(delta);
    }

    /** @return the text exposition of every metric in the registry. */
    byte[] scrape()
    {
        final ByteArrayOutputStream out = new ByteArrayOutputStream(8192);
        try
        {
            writer.write(out, registry.scrape(), io.prometheus.metrics.config.EscapingScheme.UNDERSCORE_ESCAPING);
        }
        catch (final IOException ex)
        {
            throw new IllegalStateException(ex);
        }
        return out.toByteArray();
    }

    /** @return the content type of {@link #scrape()}. */
    String contentType()
    {
        return writer.getContentType();
    }
}
