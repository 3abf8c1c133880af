package io.quire.engine.admin;

import io.prometheus.metrics.core.metrics.GaugeWithCallback;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import io.quire.engine.EngineMetrics;
import io.quire.engine.EngineNode;
import org.HdrHistogram.Histogram;

import java.util.function.Function;
import java.util.function.Supplier;

/**
 * An engine node's metrics as Prometheus gauges (cold path, read at each scrape): per-shard ops in and committed,
 * ring headroom, role and epoch, a standby's replication progress and lag, and the commit and journal-commit
 * latency quantiles from the engine's HdrHistogram recorders. The node is looked up at each scrape, so a node that
 * changes role (a leased engine starts a new node per role) is followed; between roles nothing is reported.
 * Served by the all-in-one server's {@code /metrics} and by an engine process's admin endpoint ({@code /metrics}).
 */
public final class EngineExporter
{
    private static final double[] QUANTILES = {0.5, 0.9, 0.99, 0.999, 1.0};

    private EngineExporter()
    {
    }

    /** Per-shard value of one node. */
    @FunctionalInterface
    private interface PerShard
    {
        double value(EngineNode node, EngineMetrics metrics, int shard);
    }

    /**
     * Register the gauges.
     *
     * @param registry where.
     * @param node     the current node, or null between roles.
     */
    public static void register(final PrometheusRegistry registry, final Supplier<EngineNode> node)
    {
        perShard(registry, node, "quire_engine_ops_in", "ops received per shard", (n, m, s) -> m.opsIn(s));
        perShard(registry, node, "quire_engine_ops_committed", "ops committed per shard", (n, m, s) -> m.committed(s));
        perShard(registry, node, "quire_engine_ring_remaining", "free slots in each shard's ring",
            (n, m, s) -> m.ringRemaining(s));
        perShard(registry, node, "quire_engine_docs_loaded", "documents in memory per shard",
            (n, m, s) -> m.docsLoaded(s));
        perShard(registry, node, "quire_engine_doc_loads",
            "documents loaded from a snapshot and the journal (or created) per shard, since start",
            (n, m, s) -> m.docLoads(s));
        perShard(registry, node, "quire_engine_doc_unloads",
            "documents unloaded under the memory bounds per shard, since start", (n, m, s) -> m.docUnloads(s));
        perShard(registry, node, "quire_engine_doc_unload_snapshots_inline",
            "unloads whose snapshot the shard thread wrote itself because the background writer was full, since start",
            (n, m, s) -> m.docUnloadSnapshotsInline(s));
        perShard(registry, node, "quire_engine_doc_unloads_deferred",
            "times eviction stopped over the memory bounds because the background snapshot writer was full, since " +
                "start", (n, m, s) -> m.docUnloadsDeferred(s));
        perShard(registry, node, "quire_engine_replica_applied_lsn",
            "a standby's last journaled and applied LSN per shard (absent on a primary)",
            (n, m, s) -> n.isReplica() ? n.replicaProgress(s)[0] : Double.NaN);
        perShard(registry, node, "quire_engine_replica_lag_records",
            "records a standby is behind its primary's journal end, per shard (absent on a primary, and while the " +
                "standby has not yet heard where that end is)",
            (n, m, s) -> n.isReplica() ? known(n.replicaProgress(s)[1]) : Double.NaN);
        perShard(registry, node, "quire_engine_replica_lag_milliseconds",
            "age of the oldest record a standby has not applied, per shard (absent on a primary, and while unknown)",
            (n, m, s) -> n.isReplica() ? known(n.replicaProgress(s)[3]) : Double.NaN);
        GaugeWithCallback.builder().name("quire_engine_epoch").help("the epoch the node is primary in, or the " +
            "newest a standby has journaled").labelNames("role")
            .callback(cb ->
            {
                final EngineNode n = node.get();
                if (n != null && !n.isClosed())
                {
                    cb.call(n.epoch(), n.isReplica() ? "standby" : "primary");
                }
            }).register(registry);
        latency(registry, node, "quire_engine_commit_latency_seconds",
            "engine ingress to ack handed to the transport, since start", EngineMetrics::commitLatency);
        latency(registry, node, "quire_engine_journal_commit_seconds",
            "journal group commit per ring batch, since start", EngineMetrics::journalCommitLatency);
        latency(registry, node, "quire_engine_doc_load_seconds",
            "load of a document from its snapshot and the journal (its shard thread waits), since start",
            EngineMetrics::docLoadLatency);
        quantiles(registry, node, "quire_engine_ring_batch_slots",
            "commands per journal group commit (acknowledged together), since start", EngineMetrics::batchSlots, 1);
    }

    /** A lag of -1 is unknown (a standby that has not heard its primary's journal end): no sample, not 0. */
    private static double known(final long lag)
    {
        return lag < 0 ? Double.NaN : lag;
    }

    /** A primary's latency histogram (ns) as quantile gauges in seconds (absent on a standby or a closed node). */
    private static void latency(
        final PrometheusRegistry registry, final Supplier<EngineNode> node, final String name, final String help,
        final Function<EngineMetrics, Histogram> histogram)
    {
        quantiles(registry, node, name, help, histogram, 1e9);
    }

    /** A primary's histogram as quantile gauges, values divided by {@code unit} (absent on a standby or closed node). */
    private static void quantiles(
        final PrometheusRegistry registry, final Supplier<EngineNode> node, final String name, final String help,
        final Function<EngineMetrics, Histogram> histogram, final double unit)
    {
        GaugeWithCallback.builder().name(name).help(help).labelNames("quantile")
            .callback(cb ->
            {
                final EngineNode n = node.get();
                if (n != null && !n.isClosed() && !n.isReplica())
                {
                    quantiles(histogram.apply(n.metrics()), cb, unit);
                }
            }).register(registry);
    }

    private static void perShard(
        final PrometheusRegistry registry, final Supplier<EngineNode> node, final String name, final String help,
        final PerShard value)
    {
        GaugeWithCallback.builder().name(name).help(help).labelNames("shard")
            .callback(cb ->
            {
                final EngineNode n = node.get();
                if (n == null || n.isClosed())
                {
                    return;
                }
                final EngineMetrics m = n.metrics();
                for (int s = m.shardBegin(); s < m.shardEnd(); s++)
                {
                    final double v = value.value(n, m, s);
                    if (!Double.isNaN(v))
                    {
                        cb.call(v, Integer.toString(s));
                    }
                }
            }).register(registry);
    }

    private static void quantiles(final Histogram h, final GaugeWithCallback.Callback cb, final double unit)
    {
        for (final double q : QUANTILES)
        {
            cb.call((q >= 1.0 ? h.getMaxValue() : h.getValueAtPercentile(q * 100)) / unit, Double.toString(q));
        }
    }
}
