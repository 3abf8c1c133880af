package io.quire.engine;

import io.quire.common.ConfigException;
import io.quire.common.Settings;
import io.quire.engine.admin.AdminServer;
import io.quire.engine.lease.LeasedEngine;
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
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;

/**
 * {@code scripts/quire engine}: runs an {@link EngineNode} until SIGTERM or SIGINT, then closes it gracefully.
 * Flags are the explicit layer of the configuration (flag &gt; system property &gt; environment &gt; file &gt;
 * default, see {@link Settings}).
 */
@Command(
    name = "engine",
    mixinStandardHelpOptions = true,
    version = "quire engine 0.1.0",
    sortOptions = false,
    description = {
        "Runs a Quire engine node: the shards it owns (journal, recovery, sequencer rings) behind an Aeron ingress.",
        "",
        "Options come from flags, then system properties quire.engine.<option>, environment QUIRE_ENGINE_<OPTION>, " +
            "the --config file (keys quire.engine.<option>), then the defaults (see EngineContext). Journal and " +
            "snapshot options are components journal and snapshot: --set journal.durability=sync.",
        "",
        "Prints exactly one line on stdout when it accepts commands:",
        "  engine ready node=<id> ingress=<channel> stream=<id> shards=<begin>-<end>",
        "or, with --replica-of:",
        "  engine replica ready node=<id> of=<primary data dir> shards=<begin>-<end>",
        "and runs until SIGTERM or SIGINT, then drains its rings, snapshots changed documents and exits (143 after " +
            "SIGTERM, 130 after SIGINT, as the JVM does for signals)."
    },
    exitCodeListHeading = "%nExit codes:%n",
    exitCodeList = {
        "0:--help or --version",
        "1:failed to start (see the log)",
        "2:bad usage or configuration"
    })
public final class EngineCommand implements Callable<Integer>
{
    /** {@code snapshot.*} options the engine reads itself (when to snapshot); the rest go to the snapshot store. */
    private static final Set<String> ENGINE_SNAPSHOT_OPTIONS =
        Set.of("snapshot.interval-ops", "snapshot.journal-ratio", "snapshot.on-close");

    private static final Logger LOG = LoggerFactory.getLogger(EngineCommand.class);

    @Option(names = "--config", paramLabel = "FILE", description = "Properties file (keys quire.<component>.<option>).")
    private Path config;

    @Option(names = "--set", paramLabel = "OPTION=VALUE",
        description = "Set any option (repeatable); journal.* and snapshot.* go to those components.")
    private List<String> sets = new ArrayList<>();

    @Option(names = "--data", paramLabel = "DIR", description = "Data directory (shard-N/journal, shard-N/snapshots).")
    private String data;

    @Option(names = "--node-id", paramLabel = "ID", description = "This node's id.")
    private String nodeId;

    @Option(names = "--shards", paramLabel = "N", description = "Total shard count of the deployment.")
    private String shards;

    @Option(names = "--shard-range", paramLabel = "BEGIN-END", description = "Owned shards, end exclusive, or all.")
    private String shardRange;

    @Option(names = "--ingress", paramLabel = "CHANNEL", description = "Aeron channel edges send commands to.")
    private String ingress;

    @Option(names = "--ingress-stream", paramLabel = "ID", description = "Stream id of the ingress.")
    private String ingressStream;

    @Option(names = "--threading", paramLabel = "MODE",
        description = "single (default: one thread for the ingress and every shard), shared (one thread per " +
            "shard, backoff) or dedicated (three per shard, spinning).")
    private String threading;

    @Option(names = "--durability", paramLabel = "POLICY",
        description = "Journal durability before acks: write (page cache) or sync (device).")
    private String durability;

    @Option(names = "--replica-of", paramLabel = "DIR",
        description = "Run as a hot standby of a primary: its data directory (same host: its journals are tailed " +
            "read-only) or its replication channel (aeron:udp?endpoint=HOST:PORT, the primary's " +
            "replication.channel: records stream over Aeron). Records are journaled into --data, then applied. " +
            "Accepts no commands.")
    private String replicaOf;

    @Option(names = "--lease-zookeeper", paramLabel = "HOST:PORT[,...]",
        description = "Take the role from a primary lease in this ZooKeeper ensemble: primary while holding it, " +
            "otherwise a hot standby of the holder, promoted automatically when its session expires. Needs " +
            "--replication-channel and a fixed-port --ingress.")
    private String leaseZookeeper;

    @Option(names = "--replication-channel", paramLabel = "CHANNEL",
        description = "Where this node, as primary, takes replica hellos (aeron:udp?endpoint=HOST:PORT).")
    private String replicationChannel;

    @Option(names = "--ack-policy", paramLabel = "POLICY",
        description = "local (ack after this node's journal write) or replicated (after a replica journaled it).")
    private String ackPolicy;

    @Option(names = "--admin-port", paramLabel = "PORT",
        description = "Admin HTTP endpoint on 127.0.0.1 (GET /status, POST /promote, POST /step-down); -1: none.")
    private String adminPort;

    @Option(names = "--aeron-dir", paramLabel = "DIR", description = "Media driver directory.")
    private String aeronDir;

    @Option(names = "--driver", paramLabel = "KIND", description = "embedded (default) or external media driver.")
    private String driver;

    /**
     * Parse and run.
     *
     * @param args command line.
     * @return the exit code (the JVM exits with the signal's status before a clean shutdown returns here).
     */
    public static int run(final String[] args)
    {
        return new CommandLine(new EngineCommand()).execute(args);
    }

    @Override
    public Integer call() throws InterruptedException
    {
        final EngineContext ctx;
        try
        {
            ctx = context();
            ctx.conclude();
        }
        catch (final ConfigException ex)
        {
            System.err.println("quire engine: " + ex.getMessage());
            return 2;
        }
        ctx.describe().forEach((name, value) -> LOG.info("option {} = {}", name, value));

        if (!ctx.leaseZookeeper().isEmpty())
        {
            return runLeased(ctx);
        }
        final EngineNode node;
        try
        {
            node = EngineNode.launch(ctx);
        }
        catch (final RuntimeException ex)
        {
            LOG.error("engine node {} failed to start", ctx.nodeId(), ex);
            return 1;
        }
        AdminServer admin = null;
        try
        {
            admin = ctx.adminPort() < 0 ? null : AdminServer.start(ctx.adminPort(), node);
        }
        catch (final java.io.IOException ex)
        {
            LOG.error("engine node {}: cannot open the admin port {}", ctx.nodeId(), ctx.adminPort(), ex);
            node.close();
            return 1;
        }
        final AdminServer adminServer = admin;
        final CountDownLatch closed = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() ->
        {
            if (adminServer != null)
            {
                adminServer.close();
            }
            node.close();
            closed.countDown();
        }, "quire-engine-shutdown"));
        if (node.isReplica())
        {
            System.out.println("engine replica ready node=" + ctx.nodeId() + " of=" + ctx.replicaOf() + " shards=" +
                ctx.shardBegin() + "-" + ctx.shardEnd());
        }
        else
        {
            System.out.println("engine ready node=" + ctx.nodeId() + " ingress=" + node.ingressChannel() +
                " stream=" + node.ingressStream() + " shards=" + ctx.shardBegin() + "-" + ctx.shardEnd());
        }
        System.out.flush();
        closed.await();
        return 0;
    }

    private int runLeased(final EngineContext ctx) throws InterruptedException
    {
        final LeasedEngine leased;
        final AdminServer admin;
        try
        {
            leased = new LeasedEngine(this::context, LeasedEngine.haltProcess(System.err), line ->
            {
                System.out.println(line);
                System.out.flush();
            });
            admin = ctx.adminPort() < 0 ? null : AdminServer.start(ctx.adminPort(), leased);
            if (admin != null)
            {
                leased.adminAddress(admin.address());
            }
        }
        catch (final RuntimeException | java.io.IOException ex)
        {
            LOG.error("engine node {} failed to start under its lease", ctx.nodeId(), ex);
            return 1;
        }
        final Thread main = Thread.currentThread();
        final CountDownLatch closed = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() ->
        {
            leased.close();
            main.interrupt();
            try
            {
                closed.await(30, java.util.concurrent.TimeUnit.SECONDS);
            }
            catch (final InterruptedException ignored)
            {
                Thread.currentThread().interrupt();
            }
        }, "quire-engine-shutdown"));
        try
        {
            leased.run();
        }
        catch (final InterruptedException ignored)
        {
            // Shutdown: the hook closes the node and leaves the election.
        }
        finally
        {
            if (admin != null)
            {
                admin.close();
            }
            closed.countDown();
        }
        return 0;
    }

    /**
     * The node's options from every layer (flags explicit).
     *
     * @return a context, not yet concluded.
     */
    EngineContext context()
    {
        final Map<String, String> engine = new HashMap<>();
        final Map<String, String> journal = new HashMap<>();
        final Map<String, String> snapshot = new HashMap<>();
        for (final Map.Entry<String, String> e : Settings.parsePairs(sets).entrySet())
        {
            final String key = e.getKey();
            if (key.startsWith("journal."))
            {
                journal.put(key.substring("journal.".length()), e.getValue());
            }
            else if (key.startsWith("snapshot.") && !ENGINE_SNAPSHOT_OPTIONS.contains(key))
            {
                snapshot.put(key.substring("snapshot.".length()), e.getValue());
            }
            else
            {
                engine.put(key, e.getValue());
            }
        }
        put(engine, "data", data);
        put(engine, "node-id", nodeId);
        put(engine, "shards", shards);
        put(engine, "shard-range", shardRange);
        put(engine, "ingress.channel", ingress);
        put(engine, "ingress.stream", ingressStream);
        put(engine, "threading", threading);
        put(engine, "aeron.dir", aeronDir);
        put(engine, "driver", driver);
        put(engine, "replica-of", replicaOf);
        put(engine, "lease.zookeeper", leaseZookeeper);
        put(engine, "replication.channel", replicationChannel);
        put(engine, "ack-policy", ackPolicy);
        put(engine, "admin.port", adminPort);
        put(journal, "durability", durability);
        final Settings settings = Settings.load("engine", engine, config);
        return new EngineContext()
            .apply(settings)
            .journalSettings(settings.forComponent("journal", journal))
            .snapshotSettings(settings.forComponent("snapshot", snapshot));
    }

    private static void put(final Map<String, String> map, final String key, final String value)
    {
        if (value != null)
        {
            map.put(key, value);
        }
    }
}
