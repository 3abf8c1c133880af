package io.quire.edge;

import io.quire.common.ConfigException;
import io.quire.common.Settings;
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
 * {@code scripts/quire edge}: a standalone edge in front of engine nodes reached over Aeron (an external media
 * driver). Prints {@code edge ready port=<port>} once it accepts connections; SIGINT/SIGTERM drain it.
 */
@Command(name = "quire edge", mixinStandardHelpOptions = true,
    description = {
        "Run a ShareDB-compatible WebSocket edge in front of Quire engine nodes (over Aeron, external media driver).",
        "Options are component 'edge': flag > -Dquire.edge.<option> > QUIRE_EDGE_<OPTION> > --config file > default.",
        "Every option of EdgeContext can be given with --set option=value (e.g. --set op.rate=50)."})
public final class EdgeCommand implements Callable<Integer>
{
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
        description = "shard map BEGIN-END=CHANNEL[@STREAM];... (default 0-2=aeron:udp?endpoint=127.0.0.1:40100@1001)")
    private String engines;

    @Option(names = "--aeron-dir", description = "external media driver directory")
    private String aeronDir;

    @Option(names = "--reply-channel", description = "Aeron channel engines reply on (default aeron:udp?endpoint=127.0.0.1:40200)")
    private String replyChannel;

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
        putIf(explicit, "aeron.dir", aeronDir);
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
        final EdgeNode edge = EdgeNode.launch(ctx);
        final CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() ->
        {
            edge.close();
            stopped.countDown();
        }, "quire-edge-shutdown"));
        System.out.println("edge ready port=" + edge.port());
        System.out.flush();
        stopped.await();
        return 0;
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
