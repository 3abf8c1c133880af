package io.quire.engine.admin;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import io.quire.engine.EngineNode;
import io.quire.engine.lease.LeasedEngine;
import io.quire.engine.lease.PrimaryInfo;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.prometheus.metrics.config.EscapingScheme;
import io.prometheus.metrics.expositionformats.PrometheusTextFormatWriter;
import io.prometheus.metrics.model.registry.PrometheusRegistry;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.StringWriter;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.Executors;
import java.util.function.Supplier;

/**
 * An engine node's admin endpoint, on 127.0.0.1 only (cold path: the JDK's HTTP server, one thread):
 * <ul>
 *   <li>{@code GET /status}: role, node, epoch, a standby's applied LSN and lag per shard (lag -1: unknown, the
 *       standby has not yet heard where the primary's journal ends), the lease's view of the primary, whether this
 *       node stands in the election ({@code lease.in-election}: it is eligible, it may be elected) and which nodes
 *       are eligible.</li>
 *   <li>{@code POST /promote}: make this standby the primary. Without a lease: {@link EngineNode#promote} now (the
 *       operator has made sure the old primary is gone or fenced). Under a lease: ask the primary (its admin
 *       address is in the lease) to step down, so that the lease, not this call, moves; with two nodes this one
 *       gets it. Refused ({@code not-eligible}) while this standby does not stand in the election.</li>
 *   <li>{@code POST /step-down}: a primary under a lease stops, gives the lease up and leaves (a supervisor restarts
 *       it as a standby); refused ({@code standby-behind}, {@code no-eligible-standby}) unless a standby that holds
 *       every record stands in the election to take the lease.</li>
 *   <li>{@code GET /metrics}: Prometheus text ({@link EngineExporter}): ops, ring headroom, role and epoch, a
 *       standby's applied LSN and lag in records and ms, commit latency quantiles.</li>
 * </ul>
 * Answers are JSON; refusals are 409 with {@code {"error":{"code","message"}}}.
 */
public final class AdminServer implements AutoCloseable
{
    private static final Logger LOG = LoggerFactory.getLogger(AdminServer.class);
    private static final JsonFactory JSON = new JsonFactory();

    private final HttpServer server;
    private final Supplier<EngineNode> node;
    private final LeasedEngine leased;

    private AdminServer(final HttpServer server, final Supplier<EngineNode> node, final LeasedEngine leased)
    {
        this.server = server;
        this.node = node;
        this.leased = leased;
    }

    /**
     * Serve a node with a fixed role.
     *
     * @param port TCP port on 127.0.0.1 (0: any).
     * @param node the node.
     * @return the running endpoint.
     * @throws IOException if the port cannot be bound.
     */
    public static AdminServer start(final int port, final EngineNode node) throws IOException
    {
        return start(port, () -> node, null);
    }

    /**
     * Serve a node under a lease.
     *
     * @param port   TCP port on 127.0.0.1 (0: any).
     * @param leased the leased engine.
     * @return the running endpoint.
     * @throws IOException if the port cannot be bound.
     */
    public static AdminServer start(final int port, final LeasedEngine leased) throws IOException
    {
        return start(port, leased::node, leased);
    }

    private static AdminServer start(final int port, final Supplier<EngineNode> node, final LeasedEngine leased)
        throws IOException
    {
        final HttpServer server = HttpServer.create(new InetSocketAddress("127.0.0.1", port), 16);
        final AdminServer admin = new AdminServer(server, node, leased);
        server.createContext("/status", ex -> admin.handle(ex, "GET", admin::status));
        server.createContext("/promote", ex -> admin.handle(ex, "POST", admin::promote));
        server.createContext("/step-down", ex -> admin.handle(ex, "POST", admin::stepDown));
        final PrometheusRegistry registry = new PrometheusRegistry();
        EngineExporter.register(registry, node);
        final PrometheusTextFormatWriter writer = PrometheusTextFormatWriter.create();
        server.createContext("/metrics", ex ->
        {
            final ByteArrayOutputStream body = new ByteArrayOutputStream(8192);
            writer.write(body, registry.scrape(), EscapingScheme.UNDERSCORE_ESCAPING);
            ex.getResponseHeaders().set("Content-Type", writer.getContentType());
            ex.sendResponseHeaders(200, body.size());
            try (OutputStream out = ex.getResponseBody())
            {
                body.writeTo(out);
            }
        });
        server.setExecutor(Executors.newSingleThreadExecutor(r ->
        {
            final Thread t = new Thread(r, "quire-engine-admin");
            t.setDaemon(true);
            return t;
        }));
        server.start();
        LOG.info("engine admin endpoint on http://{}", admin.address());
        return admin;
    }

    /** @return {@code 127.0.0.1:port}. */
    public String address()
    {
        return "127.0.0.1:" + server.getAddress().getPort();
    }

    private Map<String, Object> status()
    {
        final Map<String, Object> m = new LinkedHashMap<>();
        final EngineNode current = node.get();
        m.put("role", current == null ? "starting" : current.isReplica() ? "standby" : "primary");
        if (current != null)
        {
            m.put("node", current.context().nodeId());
            m.put("epoch", current.epoch());
            m.put("shards", current.context().shardBegin() + "-" + current.context().shardEnd());
            if (current.isReplica())
            {
                for (int s = current.context().shardBegin(); s < current.context().shardEnd(); s++)
                {
                    final long[] p = current.replicaProgress(s);
                    m.put("shard-" + s + ".applied-lsn", p[0]);
                    m.put("shard-" + s + ".lag-records", p[1]);
                    m.put("shard-" + s + ".lag-ms", p[3]);
                }
            }
        }
        if (leased != null)
        {
            final PrimaryInfo primary = leased.primary();
            m.put("lease.holder", leased.isLeader());
            m.put("lease.in-election", leased.inElection());
            m.put("lease.eligible-nodes", eligibleNodes());
            m.put("lease.primary", primary == null ? "none" : "node " + primary.nodeId() + " epoch " +
                primary.epoch());
            m.put("promotions", leased.promotions());
        }
        return m;
    }

    private String eligibleNodes()
    {
        try
        {
            return leased.eligibleNodes().toString();
        }
        catch (final RuntimeException ex)
        {
            return "unknown";
        }
    }

    private Map<String, Object> promote()
    {
        final EngineNode current = node.get();
        if (current == null || !current.isReplica())
        {
            throw new Refused("not-standby", "this node is not a running standby");
        }
        if (leased == null)
        {
            final long epoch = current.promote(0);
            return Map.of("role", "primary", "epoch", epoch);
        }
        if (!leased.inElection())
        {
            throw new Refused("not-eligible", "this standby does not stand in the election yet (it has not caught " +
                "up with the primary): the lease would not come to it");
        }
        final PrimaryInfo primary = leased.primary();
        if (primary == null || primary.admin().isEmpty())
        {
            throw new Refused("no-primary-admin", "the lease names no primary with an admin endpoint; stop the " +
                "primary's process to move the lease");
        }
        final HttpResponse<String> answer = post("http://" + primary.admin() + "/step-down");
        if (answer.statusCode() != 200)
        {
            throw new Refused("step-down-refused", "the primary (node " + primary.nodeId() + ") answered " +
                answer.statusCode() + ": " + answer.body());
        }
        return Map.of("asked", "node " + primary.nodeId() + " steps down; the lease moves to a standby");
    }

    private Map<String, Object> stepDown()
    {
        final EngineNode current = node.get();
        if (leased == null)
        {
            throw new Refused("no-lease", "this node has no lease to give up; stop its process instead");
        }
        if (current == null || current.isReplica())
        {
            throw new Refused("not-primary", "this node is not the primary");
        }
        // The lease goes to the standby: it must already hold every record, or what it lacks (acknowledged ops
        // included, e.g. while it copies the journal again after a divergence) is lost when it takes over.
        for (int s = current.context().shardBegin(); s < current.context().shardEnd(); s++)
        {
            final io.quire.engine.Shard shard = current.shard(s);
            final long last = shard.nextLsn() - 1;
            final long reported = shard.replicationGate().reportedLsn();
            if (reported < last)
            {
                throw new Refused("standby-behind", "the standby has journaled shard " + s + " up to LSN " +
                    reported + " of " + last + "; ask again once it has caught up");
            }
        }
        // Only an eligible standby in the election can take the lease: without one the group would have no primary.
        if (leased.eligibleStandbys().isEmpty())
        {
            throw new Refused("no-eligible-standby", "no other eligible node stands in the election (a standby " +
                "joins once it has caught up); ask again then");
        }
        leased.stepDown();
        return Map.of("role", "stepping-down");
    }

    private static HttpResponse<String> post(final String url)
    {
        try
        {
            return HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build().send(
                HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(5))
                    .POST(HttpRequest.BodyPublishers.noBody()).build(), HttpResponse.BodyHandlers.ofString());
        }
        catch (final IOException ex)
        {
            throw new Refused("primary-unreachable", "cannot reach the primary at " + url + ": " + ex);
        }
        catch (final InterruptedException ex)
        {
            Thread.currentThread().interrupt();
            throw new Refused("interrupted", "interrupted");
        }
    }

    private void handle(final HttpExchange ex, final String method, final Supplier<Map<String, Object>> action)
        throws IOException
    {
        int status = 200;
        Map<String, Object> body;
        try
        {
            if (!method.equals(ex.getRequestMethod()))
            {
                status = 405;
                body = error("method-not-allowed", ex.getRequestURI().getPath() + " takes " + method);
            }
            else
            {
                body = action.get();
            }
        }
        catch (final Refused r)
        {
            status = 409;
            body = error(r.code, r.getMessage());
        }
        catch (final RuntimeException r)
        {
            LOG.error("admin {} failed", ex.getRequestURI(), r);
            status = 500;
            body = error("internal", String.valueOf(r.getMessage()));
        }
        final byte[] bytes = json(body).getBytes(StandardCharsets.UTF_8);
        ex.getResponseHeaders().set("Content-Type", "application/json");
        ex.sendResponseHeaders(status, bytes.length);
        try (OutputStream out = ex.getResponseBody())
        {
            out.write(bytes);
        }
    }

    private static Map<String, Object> error(final String code, final String message)
    {
        return Map.of("error", Map.of("code", code, "message", message));
    }

    private static String json(final Map<String, Object> map)
    {
        final StringWriter out = new StringWriter();
        try (JsonGenerator g = JSON.createGenerator(out))
        {
            write(g, map);
        }
        catch (final IOException e)
        {
            throw new IllegalStateException(e);
        }
        return out.toString() + "\n";
    }

    @SuppressWarnings("unchecked")
    private static void write(final JsonGenerator g, final Object value) throws IOException
    {
        if (value instanceof Map)
        {
            g.writeStartObject();
            for (final Map.Entry<String, Object> e : ((Map<String, Object>)value).entrySet())
            {
                g.writeFieldName(e.getKey());
                write(g, e.getValue());
            }
            g.writeEndObject();
        }
        else if (value instanceof Number)
        {
            g.writeNumber(((Number)value).longValue());
        }
        else if (value instanceof Boolean)
        {
            g.writeBoolean((Boolean)value);
        }
        else
        {
            g.writeString(String.valueOf(value));
        }
    }

    @Override
    public void close()
    {
        server.stop(0);
    }

    private static final class Refused extends RuntimeException
    {
        private static final long serialVersionUID = 1L;
        final String code;

        Refused(final String code, final String message)
        {
            super(message);
            this.code = code;
        }
    }
}
