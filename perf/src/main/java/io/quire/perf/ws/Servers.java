package io.quire.perf.ws;

import io.quire.test.NodeTools;
import io.quire.test.RepoPaths;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Starts the servers a side-by-side benchmark compares, each in its own process on 127.0.0.1 with a free port. */
public final class Servers
{
    private static final long START_TIMEOUT_MS = 60_000;
    /**
     * Edge limits raised for benchmarks: the defaults (100 ops/s per connection) protect a server from abusive
     * clients; a benchmark measures what the engine can do, and ShareDB has no such limits.
     */
    public static final List<String> BENCH_EDGE_SETTINGS = List.of(
        "edge.op.rate=10000000", "edge.op.burst=10000000", "edge.message.rate=10000000",
        "edge.message.burst=10000000");
    private static final Pattern METRIC = Pattern.compile("^(quire_[a-z_]+)(\\{[^}]*\\})? ([-0-9.eE+NaInf]+)$");

    private Servers()
    {
    }

    /**
     * Quire's all-in-one server in a new JVM with this JVM's classpath and {@code config/jvm.options}.
     *
     * @param data     the data directory (journals).
     * @param log      its log file.
     * @param settings more {@code engine.OPTION=VALUE} / {@code edge.OPTION=VALUE} settings (after the bench ones).
     * @return the running server.
     * @throws IOException if it does not start.
     */
    public static ServerProcess quire(final Path data, final Path log, final List<String> settings)
        throws IOException
    {
        final Path root = RepoPaths.root();
        final List<String> cmd = new ArrayList<>();
        cmd.add(ProcessHandle.current().info().command().orElse("java"));
        cmd.add("@" + root.resolve("config/jvm.options"));
        cmd.add("-Dlogback.configurationFile=" + root.resolve("config/logback.xml"));
        cmd.add("-Dquire.root=" + root);
        cmd.add("-cp");
        cmd.add(System.getProperty("java.class.path"));
        cmd.add("io.quire.server.ServerCommand");
        cmd.add("--port");
        cmd.add("0");
        cmd.add("--data");
        cmd.add(data.toString());
        final List<String> all = new ArrayList<>(BENCH_EDGE_SETTINGS);
        all.addAll(settings);
        for (final String s : all)
        {
            cmd.add("--set");
            cmd.add(s);
        }
        return ServerProcess.start("quire", new ProcessBuilder(cmd), "server ready", log, START_TIMEOUT_MS);
    }

    /**
     * The reference ShareDB server ({@code node/sharedb-reference-server.js}: sharedb's in-memory backend).
     *
     * @param log its log file.
     * @return the running server.
     * @throws IOException if it does not start.
     */
    public static ServerProcess sharedb(final Path log) throws IOException
    {
        return ServerProcess.start("sharedb", NodeTools.node("sharedb-reference-server.js", "--port", "0"),
            "sharedb ready", log, START_TIMEOUT_MS);
    }

    /**
     * The measurement floor ({@code node/floor-server.js}): ShareDB's protocol for one writer per document and nothing
     * else.
     *
     * @param log its log file.
     * @return the running server.
     * @throws IOException if it does not start.
     */
    public static ServerProcess floor(final Path log) throws IOException
    {
        return ServerProcess.start("floor", NodeTools.node("floor-server.js", "--port", "0"), "floor ready", log,
            START_TIMEOUT_MS);
    }

    /**
     * Quire's own metrics ({@code quire_*} lines of {@code /metrics}), keyed by name plus labels.
     *
     * @param httpUrl {@code http://127.0.0.1:PORT/}.
     * @return the values.
     * @throws IOException if they cannot be read.
     * @throws InterruptedException if interrupted.
     */
    public static Map<String, Double> quireMetrics(final String httpUrl) throws IOException, InterruptedException
    {
        final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
        final HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create(httpUrl + "metrics"))
            .timeout(Duration.ofSeconds(10)).build(), HttpResponse.BodyHandlers.ofString());
        final Map<String, Double> values = new LinkedHashMap<>();
        for (final String line : r.body().split("\n"))
        {
            final Matcher m = METRIC.matcher(line.trim());
            if (m.matches())
            {
                values.put(m.group(1) + (m.group(2) == null ? "" : m.group(2)), Double.parseDouble(m.group(3)));
            }
        }
        return values;
    }
}
