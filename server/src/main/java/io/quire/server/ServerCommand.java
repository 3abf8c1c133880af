package io.quire.server;

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
import java.util.concurrent.CountDownLatch;

/**
 * {@code scripts/quire server}: the whole of Quire in one process, the README's run command. Prints
 * {@code server ready http://127.0.0.1:<port>/ (ws://127.0.0.1:<port>/ws)} once the edge is healthy; SIGINT or SIGTERM
 * drain it (requests in flight finish, sockets close with 1001, the engine snapshots) before the process exits.
 */
@Command(name = "quire server", mixinStandardHelpOptions = true,
    description = {
        "Run Quire in one JVM: embedded Aeron media driver (IPC), one engine node owning every shard, and the",
        "ShareDB-compatible WebSocket edge, bound to 127.0.0.1. Connect the sharedb client to ws://127.0.0.1:PORT/ws.",
        "Engine options: --set engine.OPTION=VALUE (see EngineContext); edge options: --set edge.OPTION=VALUE",
        "(see EdgeContext); also -Dquire.<component>.<option>, QUIRE_<COMPONENT>_<OPTION> or a --config file."})
public final class ServerCommand implements java.util.concurrent.Callable<Integer>
{
    @Option(names = "--port", description = "HTTP/WebSocket port, 0 for any free one (default ${DEFAULT-VALUE})")
    private int port = 8080;

    @Option(names = "--host", description = "listen address (default ${DEFAULT-VALUE})")
    private String host = "127.0.0.1";

    @Option(names = "--data", description = "data directory: journals and snapshots (default ${DEFAULT-VALUE})")
    private Path data = Path.of("data");

    @Option(names = "--config", description = "properties file with quire.engine.* and quire.edge.* keys")
    private Path config;

    @Option(names = "--insecure",
        description = "allow a non-loopback --host without authentication (edge.insecure=true)")
    private boolean insecure;

    @Option(names = "--jwt-secret-file",
        description = "turn authentication and document roles on: HS256 secret for JWTs, read from this file")
    private String jwtSecretFile;

    @Option(names = "--set", description = "engine.OPTION=VALUE or edge.OPTION=VALUE (repeatable)")
    private List<String> sets = new ArrayList<>();

    /** {@inheritDoc} */
    public Integer call() throws Exception
    {
        final Map<String, String> engine = new HashMap<>();
        final Map<String, String> edge = new HashMap<>();
        final QuireServer server;
        try
        {
            splitSets(sets, engine, edge);
            if (insecure)
            {
                edge.put("insecure", "true");
            }
            if (jwtSecretFile != null)
            {
                edge.put("auth.jwt-secret-file", jwtSecretFile);
            }
            server = QuireServer.start(Settings.load("engine", engine, config), Settings.load("edge", edge, config),
                host, port, data);
        }
        catch (final ConfigException ex)
        {
            System.err.println("quire server: " + ex.getMessage());
            return 2;
        }
        final CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() ->
        {
            server.close();
            stopped.countDown();
        }, "quire-server-shutdown"));
        System.out.println("server ready " + server.httpUrl() + " (" + server.wsUrl() + ")");
        System.out.flush();
        stopped.await();
        return 0;
    }

    /**
     * @param args command line.
     */
    public static void main(final String[] args)
    {
        final int code = new CommandLine(new ServerCommand()).execute(args);
        if (code != 0)
        {
            System.exit(code);
        }
    }

    /**
     * Split {@code --set} pairs by component prefix.
     *
     * @param sets   {@code engine.OPTION=VALUE} or {@code edge.OPTION=VALUE} strings.
     * @param engine receives the engine's, without the prefix.
     * @param edge   receives the edge's, without the prefix.
     * @throws ConfigException for a pair without either prefix.
     */
    static void splitSets(final List<String> sets, final Map<String, String> engine, final Map<String, String> edge)
    {
        for (final Map.Entry<String, String> e : Settings.parsePairs(sets).entrySet())
        {
            if (e.getKey().startsWith("engine."))
            {
                engine.put(e.getKey().substring(7), e.getValue());
            }
            else if (e.getKey().startsWith("edge."))
            {
                edge.put(e.getKey().substring(5), e.getValue());
            }
            else
            {
                throw new ConfigException("--set " + e.getKey() + ": prefix the option with engine. or edge.");
            }
        }
    }
}
