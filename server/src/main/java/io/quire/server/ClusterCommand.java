package io.quire.server;

import io.quire.common.ConfigException;
import io.quire.common.Settings;
import io.aeron.driver.MediaDriver;
import io.quire.edge.EdgeCommand;
import io.quire.edge.EdgeContext;
import io.quire.edge.EdgeNode;
import io.quire.engine.lease.EmbeddedZooKeeper;
import org.agrona.CloseHelper;
import org.apache.zookeeper.server.embedded.ZooKeeperServerEmbedded;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.lang.management.ManagementFactory;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * {@code scripts/quire cluster}: a local hot-standby cluster under a small supervisor, for operators trying failover
 * and for the chaos test. One process runs an embedded ZooKeeper (the lease's coordination service) and the WebSocket
 * edge; it starts two engine processes under the same lease ({@code engine --lease-zookeeper}): whichever gets the
 * lease is primary, the other a hot standby following it over Aeron UDP with {@code ack-policy replicated}. When an
 * engine process dies the supervisor starts it again (it rejoins as the standby). The current primary's process id
 * is kept in {@code DATA/run/primary.pid}; engine logs go to {@code DATA/logs/engine-N.log}.
 * <p>
 * Ports, from {@code --aeron-port} (B): edge replies B; engine N: ingress B+10N+1, replication B+10N+2, replica
 * stream B+10N+3, admin HTTP B+10N+4 (all on 127.0.0.1).
 */
@Command(name = "quire cluster", mixinStandardHelpOptions = true, sortOptions = false,
    description = {
        "Run a local cluster: embedded ZooKeeper, one WebSocket edge on 127.0.0.1:PORT (/ws, /healthz, /metrics), and",
        "two engine processes (primary and hot standby) under a ZooKeeper lease, restarted by this supervisor when",
        "they die. Prints: cluster ready http://127.0.0.1:<port>/ (ws://127.0.0.1:<port>/ws) data=<dir>.",
        "Failover: kill -9 $(cat DATA/run/primary.pid); the standby takes over after the lease's session timeout."})
public final class ClusterCommand implements Callable<Integer>
{
    private static final Logger LOG = LoggerFactory.getLogger(ClusterCommand.class);
    private static final int ENGINES = 2;
    private static final int INGRESS_STREAM = 1001;

    @Option(names = "--port", description = "edge HTTP/WebSocket port (default ${DEFAULT-VALUE})")
    private int port = 8080;

    @Option(names = "--data", description = "cluster directory: engine-N data, zookeeper, run, logs " +
        "(default ${DEFAULT-VALUE})")
    private Path data = Path.of("cluster-data");

    @Option(names = "--shards", description = "shard count (default ${DEFAULT-VALUE})")
    private int shards = 2;

    @Option(names = "--aeron-port", description = "first of the UDP ports used on 127.0.0.1 (default ${DEFAULT-VALUE})")
    private int aeronPort = 40300;

    @Option(names = "--zookeeper-port", description = "embedded ZooKeeper's port, 0 for any free one " +
        "(default ${DEFAULT-VALUE})")
    private int zookeeperPort = 0;

    @Option(names = "--session-timeout", description = "lease session timeout: how long a dead primary keeps the " +
        "lease (default ${DEFAULT-VALUE})")
    private String sessionTimeout = "1s";

    @Option(names = "--ack-policy", description = "engines' ack policy: replicated (RPO 0) or local " +
        "(default ${DEFAULT-VALUE})")
    private String ackPolicy = "replicated";

    @Option(names = "--engine-java-opts", description = "extra JVM options for the engine processes " +
        "(default ${DEFAULT-VALUE})")
    private String engineJavaOpts = "-Xmx512m -XX:+UseSerialGC";

    @Option(names = "--set", description = "edge.OPTION=VALUE or engine.OPTION=VALUE (repeatable)")
    private List<String> sets = new ArrayList<>();

    private final Map<Integer, Child> children = new HashMap<>();
    private volatile boolean stopping;
    private Path runDir;

    /**
     * @param args command line.
     */
    public static void main(final String[] args)
    {
        System.exit(new CommandLine(new ClusterCommand()).execute(args));
    }

    /** One engine process slot: restarted whenever its process dies. */
    private final class Child
    {
        final int nodeId;
        final List<String> command;
        final Path log;
        volatile Process process;
        int quickDeaths;

        Child(final int nodeId, final List<String> command, final Path log)
        {
            this.nodeId = nodeId;
            this.command = command;
            this.log = log;
        }

        void start() throws IOException
        {
            final Process p = new ProcessBuilder(command)
                .redirectError(ProcessBuilder.Redirect.appendTo(log.toFile()))
                .start();
            process = p;
            LOG.info("engine {} started: pid {}", nodeId, p.pid());
            final Thread reader = new Thread(() -> readLines(this, p), "quire-cluster-engine-" + nodeId + "-out");
            reader.setDaemon(true);
            reader.start();
        }
    }

    /** {@inheritDoc} */
    public Integer call() throws Exception
    {
        final Map<String, String> edgeSets = new HashMap<>();
        final Map<String, String> engineSets = new HashMap<>();
        try
        {
            ServerCommand.splitSets(sets, engineSets, edgeSets);
            if (!ackPolicy.equals("replicated") && !ackPolicy.equals("local"))
            {
                throw new ConfigException("--ack-policy must be replicated or local, got " + ackPolicy);
            }
        }
        catch (final ConfigException ex)
        {
            System.err.println("quire cluster: " + ex.getMessage());
            return 2;
        }
        data = data.toAbsolutePath();
        runDir = data.resolve("run");
        Files.createDirectories(runDir);
        Files.createDirectories(data.resolve("logs"));
        writeAtomically(runDir.resolve("supervisor.pid"), Long.toString(ProcessHandle.current().pid()));

        final int zkPort = zookeeperPort == 0 ? freePort() : zookeeperPort;
        final ZooKeeperServerEmbedded zookeeper = EmbeddedZooKeeper.start(data.resolve("zookeeper"), zkPort);
        final String connect = "127.0.0.1:" + zkPort;
        LOG.info("embedded ZooKeeper on {}", connect);

        final StringBuilder candidates = new StringBuilder("0-" + shards + "=");
        for (int n = 1; n <= ENGINES; n++)
        {
            candidates.append(n > 1 ? "|" : "").append(udp(ingressPort(n))).append('@').append(INGRESS_STREAM);
        }
        final EdgeNode edge;
        MediaDriver edgeDriver = null;
        try
        {
            for (int n = 1; n <= ENGINES; n++)
            {
                final Path log = data.resolve("logs").resolve("engine-" + n + ".log");
                final Child child = new Child(n, engineCommand(n, connect, engineSets), log);
                children.put(n, child);
                child.start();
                final Thread watcher = new Thread(() -> supervise(child), "quire-cluster-supervisor-" + n);
                watcher.setDaemon(true);
                watcher.start();
            }
            final Map<String, String> edgeOptions = new HashMap<>(edgeSets);
            edgeOptions.putIfAbsent("port", Integer.toString(port));
            edgeOptions.putIfAbsent("shards", Integer.toString(shards));
            edgeOptions.putIfAbsent("engines", candidates.toString());
            edgeOptions.putIfAbsent("reply.channel", udp(aeronPort));
            final EdgeContext edgeCtx = new EdgeContext().apply(Settings.load("edge", edgeOptions, null)).conclude();
            edgeDriver = edgeCtx.embeddedDriver() ? MediaDriver.launch(EdgeCommand.driverContext(edgeCtx)) : null;
            edge = EdgeNode.launch(edgeCtx);
        }
        catch (final RuntimeException | IOException ex)
        {
            LOG.error("cluster failed to start", ex);
            CloseHelper.quietClose(edgeDriver);
            stopChildren();
            zookeeper.close();
            return 1;
        }
        final MediaDriver driver = edgeDriver;
        final CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() ->
        {
            stopping = true;
            edge.close();
            CloseHelper.quietClose(driver);
            stopChildren();
            zookeeper.close();
            stopped.countDown();
        }, "quire-cluster-shutdown"));
        final long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
        while (!edge.isHealthy() && System.nanoTime() < deadline)
        {
            Thread.sleep(50);
        }
        if (!edge.isHealthy())
        {
            LOG.warn("no engine became primary within 120 s: {}", edge.healthProblem());
        }
        System.out.println("cluster ready http://127.0.0.1:" + edge.port() + "/ (ws://127.0.0.1:" + edge.port() +
            "/ws) data=" + data);
        System.out.flush();
        stopped.await();
        return 0;
    }

    private int ingressPort(final int node)
    {
        return aeronPort + 10 * node + 1;
    }

    private static String udp(final int port)
    {
        return "aeron:udp?endpoint=127.0.0.1:" + port;
    }

    private List<String> engineCommand(final int n, final String zookeeper, final Map<String, String> engineSets)
    {
        final List<String> command = new ArrayList<>();
        command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        for (final String arg : ManagementFactory.getRuntimeMXBean().getInputArguments())
        {
            // The same module flags and properties as this JVM; not its heap, agents, debugger or CDS archive.
            if (arg.startsWith("-Xmx") || arg.startsWith("-Xms") || arg.startsWith("-agentlib") ||
                arg.startsWith("-javaagent") || arg.startsWith("-XX:SharedArchiveFile") ||
                arg.startsWith("-XX:ArchiveClassesAtExit") || arg.startsWith("-Xshare") ||
                arg.startsWith("-XX:StartFlightRecording") || arg.startsWith("-XX:+Use") && arg.endsWith("GC"))
            {
                continue;
            }
            command.add(arg);
        }
        for (final String opt : engineJavaOpts.trim().split("\\s+"))
        {
            if (!opt.isEmpty())
            {
                command.add(opt);
            }
        }
        command.add("-cp");
        command.add(System.getProperty("java.class.path"));
        command.add("io.quire.engine.EngineNode");
        final int base = aeronPort + 10 * n;
        command.addAll(List.of(
            "--node-id", Integer.toString(n),
            "--data", data.resolve("engine-" + n).toString(),
            "--shards", Integer.toString(shards),
            "--ingress", udp(base + 1),
            "--replication-channel", udp(base + 2),
            "--ack-policy", ackPolicy,
            "--lease-zookeeper", zookeeper,
            "--admin-port", Integer.toString(base + 4),
            "--aeron-dir", aeronDir(n),
            "--set", "replica.channel=" + udp(base + 3),
            "--set", "lease.session-timeout=" + sessionTimeout,
            "--set", "lease.group=cluster"));
        for (final Map.Entry<String, String> e : engineSets.entrySet())
        {
            command.add("--set");
            command.add(e.getKey() + "=" + e.getValue());
        }
        return command;
    }

    private String aeronDir(final int n)
    {
        final Path shm = Path.of("/dev/shm");
        final Path parent = Files.isDirectory(shm) ? shm : Path.of(System.getProperty("java.io.tmpdir"));
        return parent.resolve("quire-cluster-" + ProcessHandle.current().pid() + "-engine-" + n).toString();
    }

    private void supervise(final Child child)
    {
        long backoffMs = 200;
        while (!stopping)
        {
            final Process p = child.process;
            final long startedNs = System.nanoTime();
            int exit;
            try
            {
                exit = p.waitFor();
            }
            catch (final InterruptedException ex)
            {
                return;
            }
            if (stopping)
            {
                return;
            }
            final long livedMs = (System.nanoTime() - startedNs) / 1_000_000;
            LOG.warn("engine {} (pid {}) exited with {} after {} ms; starting it again", child.nodeId, p.pid(), exit,
                livedMs);
            backoffMs = livedMs > 10_000 ? 200 : Math.min(5_000, backoffMs * 2);
            try
            {
                Thread.sleep(livedMs > 10_000 ? 100 : backoffMs);
                synchronized (this)
                {
                    if (stopping)
                    {
                        return;
                    }
                    child.start();
                }
            }
            catch (final InterruptedException ex)
            {
                return;
            }
            catch (final IOException ex)
            {
                LOG.error("cannot start engine {} again", child.nodeId, ex);
            }
        }
    }

    private void readLines(final Child child, final Process p)
    {
        try (BufferedReader out = new BufferedReader(new InputStreamReader(p.getInputStream(),
            StandardCharsets.UTF_8)))
        {
            String line;
            while ((line = out.readLine()) != null)
            {
                LOG.info("engine {}: {}", child.nodeId, line);
                if (line.startsWith("engine ready ") || line.startsWith("engine promoted "))
                {
                    writeAtomically(runDir.resolve("primary.pid"), Long.toString(p.pid()));
                    System.out.println("cluster primary pid=" + p.pid() + " " + line.substring(line.indexOf("node=")));
                    System.out.flush();
                }
            }
        }
        catch (final IOException | UncheckedIOException ex)
        {
            // The process went away; the supervisor thread handles it.
        }
    }

    private synchronized void stopChildren()
    {
        stopping = true;
        for (final Child child : children.values())
        {
            final Process p = child.process;
            if (p != null)
            {
                p.destroy();
            }
        }
        for (final Child child : children.values())
        {
            final Process p = child.process;
            try
            {
                if (p != null && !p.waitFor(30, TimeUnit.SECONDS))
                {
                    LOG.warn("engine {} did not stop in 30 s; killing it", child.nodeId);
                    p.destroyForcibly();
                }
            }
            catch (final InterruptedException ex)
            {
                Thread.currentThread().interrupt();
            }
        }
    }

    private static int freePort() throws IOException
    {
        try (ServerSocket socket = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress()))
        {
            return socket.getLocalPort();
        }
    }

    private static void writeAtomically(final Path file, final String content)
    {
        try
        {
            final Path tmp = file.resolveSibling(file.getFileName() + ".tmp");
            Files.writeString(tmp, content + "\n");
            Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        }
        catch (final IOException ex)
        {
            throw new UncheckedIOException(ex);
        }
    }
}
