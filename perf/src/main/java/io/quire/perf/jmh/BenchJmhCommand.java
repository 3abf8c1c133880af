package io.quire.perf.jmh;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.quire.test.RepoPaths;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;

/**
 * {@code scripts/quire bench-jmh}: runs the JMH suite ({@code perf/target/benchmarks.jar}) in a child JVM with a
 * short or full profile, has JMH write its results as JSON ({@code -rf json}), and prints them as a table.
 */
@Command(name = "quire bench-jmh", mixinStandardHelpOptions = true, sortOptions = false,
    description = "Run the JMH benchmarks (perf/target/benchmarks.jar), write jmh.json and print a table.")
public final class BenchJmhCommand implements Callable<Integer>
{
    /** How long to measure. */
    enum Profile
    {
        /** 1 fork, 2 × 0.5 s warm-up, 3 × 0.5 s measurement: about two minutes for the suite. */
        SHORT,
        /** The benchmarks' own annotations (1 fork, 3 warm-up and 5 measurement iterations of 1–2 s). */
        FULL
    }

    @Option(names = "--profile", description = "short or full (default ${DEFAULT-VALUE})",
        converter = ProfileConverter.class)
    private Profile profile = Profile.SHORT;

    @Option(names = "--out", description = "directory for jmh.json and jmh.txt (default ${DEFAULT-VALUE})")
    private Path out = RepoPaths.root().resolve("perf/target/bench-jmh");

    @Option(names = "--jar", description = "the JMH uber-jar (default perf/target/benchmarks.jar)")
    private Path jar;

    @Parameters(arity = "0..*", description = "JMH include patterns (regular expressions; default: every benchmark)")
    private List<String> patterns = new ArrayList<>();

    static final class ProfileConverter implements CommandLine.ITypeConverter<Profile>
    {
        @Override
        public Profile convert(final String value)
        {
            return Profile.valueOf(value.toUpperCase(Locale.ROOT));
        }
    }

    /** {@inheritDoc} */
    public Integer call() throws Exception
    {
        Files.createDirectories(out);
        final Path benchmarks = jar != null ? jar : RepoPaths.root().resolve("perf/target/benchmarks.jar");
        if (!Files.isRegularFile(benchmarks))
        {
            System.err.println("bench-jmh: " + benchmarks + " is missing (mvn -pl perf -am -DskipTests package)");
            return 2;
        }
        final Path json = out.resolve("jmh.json");
        final List<String> cmd = new ArrayList<>();
        cmd.add(ProcessHandle.current().info().command().orElse("java"));
        cmd.add("-jar");
        cmd.add(benchmarks.toString());
        cmd.addAll(patterns);
        if (profile == Profile.SHORT)
        {
            cmd.addAll(List.of("-f", "1", "-wi", "2", "-w", "500ms", "-i", "3", "-r", "500ms"));
        }
        cmd.addAll(List.of("-rf", "json", "-rff", json.toString()));
        System.out.println("bench-jmh: " + String.join(" ", cmd));
        final Process p = new ProcessBuilder(cmd).redirectErrorStream(true)
            .redirectOutput(out.resolve("jmh.log").toFile()).start();
        final int code = p.waitFor();
        if (code != 0 || !Files.exists(json))
        {
            System.err.println("bench-jmh: JMH exited " + code + "; see " + out.resolve("jmh.log"));
            return 1;
        }
        final String table = table(new ObjectMapper().readTree(json.toFile()));
        Files.writeString(out.resolve("jmh.txt"), table, StandardCharsets.UTF_8);
        System.out.print(table);
        System.out.println("results in " + json.toAbsolutePath() + " (log: jmh.log)");
        return 0;
    }

    /**
     * @param results JMH's JSON results.
     * @return one line per benchmark and parameter set: score, error (99.9%) and unit.
     */
    static String table(final JsonNode results)
    {
        final StringBuilder b = new StringBuilder(String.format(Locale.ROOT, "%-70s %14s %12s  %s%n",
            "benchmark (params)", "score", "± error", "unit"));
        for (final JsonNode r : results)
        {
            final StringBuilder name = new StringBuilder(r.path("benchmark").asText()
                .replace("io.quire.perf.jmh.", ""));
            final JsonNode params = r.path("params");
            if (params.isObject() && params.size() > 0)
            {
                name.append(" (");
                final Iterator<Map.Entry<String, JsonNode>> it = params.fields();
                while (it.hasNext())
                {
                    final Map.Entry<String, JsonNode> e = it.next();
                    name.append(e.getKey()).append('=').append(e.getValue().asText()).append(it.hasNext() ? ", " : "");
                }
                name.append(')');
            }
            final JsonNode m = r.path("primaryMetric");
            b.append(String.format(Locale.ROOT, "%-70s %14.3f %12.3f  %s%n", name, m.path("score").asDouble(),
                m.path("scoreError").asDouble(), m.path("scoreUnit").asText()));
        }
        return b.toString();
    }

    /**
     * @param args command line.
     */
    public static void main(final String[] args)
    {
        System.exit(new CommandLine(new BenchJmhCommand()).execute(args));
    }
}
