package io.quire.server;

import io.aeron.Aeron;
import io.aeron.driver.MediaDriver;
import io.aeron.driver.ThreadingMode;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import io.quire.common.AeronDirs;
import io.quire.common.IdleStrategies;
import io.quire.common.Settings;
import io.quire.edge.EdgeContext;
import io.quire.edge.EdgeNode;
import io.quire.engine.EngineContext;
import io.quire.engine.EngineNode;
import io.quire.engine.admin.EngineExporter;
import org.agrona.CloseHelper;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.nio.file.Path;
import java.util.concurrent.atomic.AtomicReference;

/**
 * The all-in-one server: an embedded media driver (IPC only), one engine node owning every shard, and the edge, in
 * one JVM, bound to 127.0.0.1 (another host only with authentication or {@code edge.insecure=true}). When the edge
 * authenticates users ({@code edge.auth.jwt-secret}), the engine enforces document roles ({@code acl.enforce}). Engine options are component {@code engine}, edge options component {@code edge}
 * (same sources: flags, system properties, environment, file). {@link #close()} drains the edge (requests in flight
 * finish, sockets close with 1001), then closes the engine (which snapshots changed documents), then the driver.
 */
public final class QuireServer implements AutoCloseable
{
    /** Ingress stream of the engine (IPC). */
    public static final int INGRESS_STREAM = 1001;
    /** Reply stream of the edge (IPC). */
    public static final int REPLY_STREAM = 2001;

    private static final Logger LOG = LoggerFactory.getLogger(QuireServer.class);
    private static final int IPC_TERM_LENGTH = 16 << 20;

    private final MediaDriver driver;
    private final Aeron aeron;
    /**
     * The engine's ingress agent and the edge's reply agent in this JVM, unless configured: they wake each other for
     * every message, so a brief spin and then whole-millisecond parks.
     */
    public static final String WOKEN_IDLE_STRATEGY = io.quire.common.IdleStrategies.WOKEN;

    private final EngineNode engine;
    private final EdgeNode edge;
    private boolean closed;

    private QuireServer(final MediaDriver driver, final Aeron aeron, final EngineNode engine, final EdgeNode edge)
    {
        this.driver = driver;
        this.aeron = aeron;
        this.engine = engine;
        this.edge = edge;
    }

    /**
     * Start a server.
     *
     * @param engineSettings engine options (component {@code engine}); {@code data} is set from {@code dataDir}.
     * @param edgeSettings   edge options (component {@code edge}); host and port as given.
     * @param host           listen address.
     * @param port           listen port (0: any free one).
     * @param dataDir        data directory (journals and snapshots).
     * @return the running server, healthy (every shard's engine answered the edge).
     * @throws InterruptedException if interrupted while waiting for health.
     */
    public static QuireServer start(
        final Settings engineSettings, final Settings edgeSettings, final String host, final int port,
        final Path dataDir) throws InterruptedException
    {
        MediaDriver driver = null;
        Aeron aeron = null;
        EngineNode engine = null;
        EdgeNode edge = null;
        try
        {
            final Path aeronDir = AeronDirs.defaultParent()
                .resolve("quire-server-" + ProcessHandle.current().pid() + "-" + System.nanoTime());
            // What drivers of killed servers left there (each start names a new directory).
            AeronDirs.deleteStaleBeside(aeronDir.toString(), LOG::info);
            driver = MediaDriver.launch(new MediaDriver.Context()
                .aeronDirectoryName(aeronDir.toString())
                .threadingMode(ThreadingMode.SHARED)
                .sharedIdleStrategy(IdleStrategies.parse("backoff"))
                .ipcTermBufferLength(IPC_TERM_LENGTH)
                .publicationTermBufferLength(IPC_TERM_LENGTH)
                .termBufferSparseFile(true)
                .dirDeleteOnStart(true)
                .dirDeleteOnShutdown(true)
                .errorHandler(ex -> LOG.error("media driver error", ex)));
            aeron = Aeron.connect(new Aeron.Context()
                .aeronDirectoryName(driver.aeronDirectoryName())
                .errorHandler(ex -> LOG.error("aeron client error", ex)));

            final EngineContext engineCtx = new EngineContext().apply(engineSettings)
                .dataDir(dataDir)
                .ingressChannel("aeron:ipc")
                .ingressStream(INGRESS_STREAM);
            final int shards = engineCtx.shardCount();
            final PrometheusRegistry registry = new PrometheusRegistry();
            final EdgeContext edgeCtx = new EdgeContext().apply(edgeSettings)
                .host(host)
                .port(port)
                .engines(shards, "0-" + shards + "=aeron:ipc@" + INGRESS_STREAM)
                .reply("aeron:ipc", REPLY_STREAM)
                .registry(registry)
                .conclude();
            // One JVM: each side wakes the other's parked poller when it hands it a message over Aeron IPC, so an op
            // does not wait for an idle park (up to 1 ms with the default backoff) at either hop.
            final AtomicReference<Runnable> replyWaker = new AtomicReference<>(() -> { });
            engineCtx.egressWaker(() -> replyWaker.get().run());
            // Woken for every message, the two agents need not poll between parks: unless configured, they spin
            // briefly and then park for the full 1 ms instead of climbing from 1 µs (each short park is a wake-up
            // that costs CPU after every op).
            if (engineSettings.get("idle-strategy", null) == null &&
                engineCtx.threading() != io.quire.engine.ring.ThreadingMode.DEDICATED)
            {
                engineCtx.idleStrategy(WOKEN_IDLE_STRATEGY);
            }
            if (edgeSettings.get("idle-strategy", null) == null)
            {
                edgeCtx.idleStrategy(WOKEN_IDLE_STRATEGY);
            }
            // Authenticated users get per-document roles; an anonymous server keeps everything open.
            engine = EngineNode.launch(engineCtx.aclEnforced(engineCtx.aclEnforced() || edgeCtx.authEnabled()), aeron);
            final EngineNode running = engine;
            EngineExporter.register(registry, () -> running);
            edgeCtx.engineWaker(engine.ingressWaker());
            edge = EdgeNode.launch(edgeCtx, aeron);
            replyWaker.set(edge.replyWaker());
            if (!edge.awaitHealthy(30_000))
            {
                throw new IllegalStateException("the edge did not become healthy in 30 s: " + edge.healthProblem());
            }
            return new QuireServer(driver, aeron, engine, edge);
        }
        catch (final RuntimeException | InterruptedException ex)
        {
            CloseHelper.quietCloseAll(edge, engine, aeron, driver);
            throw ex;
        }
    }

    /** @return the HTTP port. */
    public int port()
    {
        return edge.port();
    }

    /** @return the edge. */
    public EdgeNode edge()
    {
        return edge;
    }

    /** @return the engine. */
    public EngineNode engine()
    {
        return engine;
    }

    /** @return {@code http://127.0.0.1:<port>/}. */
    public String httpUrl()
    {
        return "http://" + edge.context().host() + ":" + port() + "/";
    }

    /** @return {@code ws://127.0.0.1:<port>/ws}. */
    public String wsUrl()
    {
        return "ws://" + edge.context().host() + ":" + port() + "/ws";
    }

    /** Drain the edge, then close the engine (it snapshots), then the Aeron client and driver. */
    public synchronized void close()
    {
        if (closed)
        {
            return;
        }
        closed = true;
        CloseHelper.quietClose(edge);
        CloseHelper.quietClose(engine);
        CloseHelper.quietClose(aeron);
        CloseHelper.quietClose(driver);
    }
}
