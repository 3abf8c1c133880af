package io.quire.systemtest;

import io.quire.test.RepoPaths;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/** An edge node ({@link EdgeMain}) in its own JVM with this JVM's class path; its log goes to a file. */
final class EdgeProcess implements AutoCloseable
{
    private final Process process;
    private final int port;

    private EdgeProcess(final Process process, final int port)
    {
        this.process = process;
        this.port = port;
    }

    /**
     * Start an edge and wait (bounded) until it is healthy.
     *
     * @param log  file its log is appended to.
     * @param args {@code option=value} arguments of {@link EdgeMain}.
     * @return the running edge.
     * @throws Exception if it does not start in time.
     */
    static EdgeProcess start(final Path log, final List<String> args) throws Exception
    {
        final List<String> command = new ArrayList<>();
        command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        command.add("@" + RepoPaths.root().resolve("config/jvm.options"));
        command.add("-Xmx256m");
        command.add("-XX:+UseSerialGC");
        command.add("-cp");
        command.add(System.getProperty("java.class.path"));
        command.add(EdgeMain.class.getName());
        command.addAll(args);
        final Process process = new ProcessBuilder(command)
            .redirectError(ProcessBuilder.Redirect.appendTo(log.toFile()))
            .start();
        final CompletableFuture<Integer> ready = new CompletableFuture<>();
        final Thread reader = new Thread(() ->
        {
            try (BufferedReader in = new BufferedReader(
                new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8)))
            {
                String line;
                while ((line = in.readLine()) != null)
                {
                    if (line.startsWith("edge ready port="))
                    {
                        ready.complete(Integer.parseInt(line.substring("edge ready port=".length()).trim()));
                    }
                }
            }
            catch (final IOException ignored)
            {
                // gone
            }
            ready.complete(-1);
        });
        reader.setDaemon(true);
        reader.start();
        final int port = ready.get(60, TimeUnit.SECONDS);
        if (port < 0)
        {
            process.destroyForcibly();
            throw new IllegalStateException("edge did not start; log " + log + ":\n" + EngineProcess.tail(log));
        }
        return new EdgeProcess(process, port);
    }

    /** @return its WebSocket URL. */
    String wsUrl()
    {
        return "ws://127.0.0.1:" + port + "/ws";
    }

    /** Stop it with SIGTERM (graceful), SIGKILL after 30 s. */
    public void close()
    {
        process.destroy();
        try
        {
            if (!process.waitFor(30, TimeUnit.SECONDS))
            {
                process.destroyForcibly();
            }
        }
        catch (final InterruptedException ex)
        {
            process.destroyForcibly();
            Thread.currentThread().interrupt();
        }
    }
}
