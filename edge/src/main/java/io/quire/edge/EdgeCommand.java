package io.quire.edge;

import io.aeron.driver.MediaDriver;
import io.aeron.driver.ThreadingMode;
import io.quire.common.AeronDirs;
import io.quire.common.ConfigException;
import io.quire.common.IdleStrategies;
import io.quire.common.Settings;
import org.agrona.CloseHelper;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;

/**
 * {@code scripts/quire edge}: a standalone edge in front of engine nodes reached over Aeron UDP, with a media driver
 * of its own (embedded, the default) or an external one. Prints {@code edge ready port=<port>} once it accepts
 * connections ({@code /healthz} answers 200 once every engine of its shard map has answered); SIGINT/SIGTERM drain it.
 */
@Command(name = "quire edge", mixinStandardHelpOptions = true,
    description = {
        "Run a ShareDB-compatible WebSocket edge in front of Quire engine nodes (over Aeron UDP).",
        "Options are component 'edge': flag > -Dquire.edge.<option> > QUIRE_EDGE_<OPTION> > --config file > default.",
        "Every option of EdgeContext can be given with --set option=value (e.g. --set op.rate=50)."})
public final class EdgeCommand implements Callable<Integer>
{
    private static final Logger LOG = LoggerFactory.getLogger(EdgeCommand.class);

    @Option(names = "--config", description = "properties file with quire.edge.* keys")
    private Path config;

    @Option(names = "--set", description = "option=value (repeatable), e.g. --set max-connections=500")
    private List<String> sets = new ArrayList<>();

    @Option(names = "--host", description = "listen address (default 127.0.0.1)")
    private String host;

    @Option(names = "--port", description = "listen port, 0 for any free one (default 8080)")
    private Integer port;

    @Option(names = "--edge-id", description = "this edge's node id (default 1)")
    private Integer edgeId;

    @Option(names = "--shards", description = "total shard count, as the engines' (default 2)")
    private Integer shards;

    @Option(names = "--engines",
        description = "shard map BEGIN-END=CHANNEL[@STREAM][|CHANNEL[@STREAM]...];... (candidates: the primary and its standbys; default 0-2=aeron:udp?endpoint=127.0.0.1:40100@1001)")
    private String engines;

    @Option(names = "--aeron-dir", description = "media driver directory (default: embedded /dev/shm/quire-edge-ID-PID)")
    private String aeronDir;

    @Option(names = "--driver", description = "embedded (default: a media driver in this JVM) or external")
    private String driver;

    @Option(names = "--reply-channel", description = "Aeron channel engines reply on (default aeron:udp?endpoint=127.0.0.1:40200)")
    private String replyChannel;

    @Option(names = "--failover-hold",
        description = "how long requests for a failing-over shard range are held before its sessions are closed " +
            "(engine.failover-hold, default 10s; 0: close at once)")
    private String failoverHold;

    @Option(names = "--insecure",
        description = "allow a non-loopback --host without authentication (quire.edge.insecure=true)")
    private Boolean insecure;

    @Option(names = "--jwt-secret-file", description = "turn authentication on: HS256 secret for JWTs, read from this file")
    private String jwtSecretFile;

    /** {@inheritDoc} */
    public Integer call() throws Exception
    {
        final Map<String, String> explicit = new HashMap<>(Settings.parsePairs(sets));
        putIf(explicit, "insecure", insecure);
        putIf(explicit, "auth.jwt-secret-file", jwtSecretFile);
        putIf(explicit, "host", host);
        putIf(explicit, "port", port);
        putIf(explicit, "edge-id", edgeId);
        putIf(explicit, "shards", shards);
        putIf(explicit, "engines", engines);
        putIf(explicit, "engine.failover-hold", failoverHold);
        putIf(explicit, "aeron.dir", aeronDir);
        putIf(explicit, "driver", driver);
        putIf(explicit, "reply.channel", replyChannel);
        final EdgeContext ctx;
        try
        {
            ctx = new EdgeContext().apply(Settings.load("edge", explicit, config)).conclude();
        }
        catch (final ConfigException ex)
        {
            System.err.println("quire edge: " + ex.getMessage());
            return 2;
        }
        final MediaDriver mediaDriver = ctx.embeddedDriver() ? MediaDriver.launch(driverContext(ctx)) : null;
        final EdgeNode edge;
        try
        {
            edge = EdgeNode.launch(ctx);
        }
        catch (final RuntimeException ex)
        {
            CloseHelper.quietClose(mediaDriver);
            throw ex;
        }
        final CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() ->
        {
            edge.close();
            CloseHelper.quietClose(mediaDriver);
            stopped.countDown();
        }, "quire-edge-shutdown"));
        System.out.println("edge ready port=" + edge.port());
        System.out.flush();
        stopped.await();
        return 0;
    }

    /**
     * The embedded driver: small-box settings (shared threading, backoff idle), its own directory (deleted on start
     * and shutdown), sparse terms of {@code driver.term-length}.
     */
    public static MediaDriver.Context driverContext(final EdgeContext ctx)
    {
        if (ctx.aeronDir() == null)
        {
            ctx.aeronDir(AeronDirs.defaultParent()
                .resolve("quire-edge-" + ctx.edgeId() + "-" + ProcessHandle.current().pid()).toString());
        }
        // What drivers of killed processes left beside this one's directory (each start names a new one).
        AeronDirs.deleteStaleBeside(ctx.aeronDir(), LOG::info);
        return new MediaDriver.Context()
            .aeronDirectoryName(ctx.aeronDir())
            .threadingMode(ThreadingMode.SHARED)
            .sharedIdleStrategy(IdleStrategies.parse("backoff"))
            .dirDeleteOnStart(true)
            .dirDeleteOnShutdown(true)
            .termBufferSparseFile(true)
            .ipcTermBufferLength(ctx.driverTermLength())
            .publicationTermBufferLength(ctx.driverTermLength());
    }

    private static void putIf(final Map<String, String> map, final String key, final Object value)
    {
        if (value != null)
        {
            map.put(key, value.toString());
        }
    }

    /**
     * @param args command line.
     */
    public static void main(final String[] args)
    {
        final int code = new CommandLine(new EdgeCommand()).execute(args);
        if (code != 0)
        {
            System.exit(code);
        }
    }
}
