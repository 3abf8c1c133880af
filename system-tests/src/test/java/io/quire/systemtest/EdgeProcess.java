package io.quire.systemtest;

import io.quire.test.RepoPaths;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * A standalone edge in its own JVM, started as {@code scripts/quire edge} starts it ({@code io.quire.edge.EdgeCommand}
 * with the flags of {@code config/jvm.options}, here on this JVM's class path), with its embedded media driver. Its
 * stderr (the log) goes to a file; stdout is read for the {@code edge ready port=} line, then {@code /healthz} is
 * polled (bounded) until every engine of its shard map has answered.
 */
final class EdgeProcess implements AutoCloseable
{
    private static final String READY = "edge ready port=";

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
     * @param log     file its log is appended to.
     * @param timeout how long it may take to be ready and healthy.
     * @param args    {@code scripts/quire edge} arguments.
     * @return the running edge.
     * @throws Exception if it does not start in time.
     */
    static EdgeProcess start(final Path log, final Duration timeout, final List<String> args) throws Exception
    {
        final long deadline = System.nanoTime() + timeout.toNanos();
        final List<String> command = new ArrayList<>();
        command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        command.add("@" + RepoPaths.root().resolve("config/jvm.options"));
        command.add("-Xmx256m");
        command.add("-XX:+UseSerialGC");
        command.add("-Dquire.root=" + RepoPaths.root());
        command.add("-cp");
        command.add(System.getProperty("java.class.path"));
        command.add("io.quire.edge.EdgeCommand");
        command.addAll(args);
        Files.createDirectories(log.getParent());
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
                    if (line.startsWith(READY))
                    {
                        ready.complete(Integer.parseInt(line.substring(READY.length()).trim()));
                    }
                }
            }
            catch (final IOException | NumberFormatException ignored)
            {
                // The process died or printed nonsense: the future fails below.
            }
            ready.completeExceptionally(new IllegalStateException("edge stdout closed before it was ready"));
        }, "edge-stdout-" + process.pid());
        reader.setDaemon(true);
        reader.start();
        final EdgeProcess edge;
        try
        {
            edge = new EdgeProcess(process, ready.get(timeout.toMillis(), TimeUnit.MILLISECONDS));
        }
        catch (final TimeoutException | ExecutionException ex)
        {
            process.destroyForcibly();
            throw new IllegalStateException("edge not ready in " + timeout + "; log " + log + ":\n" +
                EngineProcess.tail(log), ex);
        }
        final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
        final HttpRequest health = HttpRequest.newBuilder(URI.create(edge.httpUrl() + "healthz"))
            .timeout(Duration.ofSeconds(5)).build();
        int status = -1;
        while (System.nanoTime() < deadline && process.isAlive())
        {
            status = http.send(health, HttpResponse.BodyHandlers.discarding()).statusCode();
            if (status == 200)
            {
                return edge;
            }
            Thread.sleep(50);
        }
        edge.close();
        throw new IllegalStateException("edge not healthy in " + timeout + " (last /healthz " + status + "); log " +
            log + ":\n" + EngineProcess.tail(log));
    }

    /** @return its HTTP base URL, ending with '/'. */
    String httpUrl()
    {
        return "http://127.0.0.1:" + port + "/";
    }

    /** @return its WebSocket URL. */
    String wsUrl()
    {
        return "ws://127.0.0.1:" + port + "/ws";
    }

    /** Stop it with SIGTERM (it drains), SIGKILL if it is still there after 30 s. */
    @Override
    public void close()
    {
        process.destroy();
        try
        {
            if (!process.waitFor(30, TimeUnit.SECONDS))
            {
                process.destroyForcibly();
                process.waitFor(30, TimeUnit.SECONDS);
            }
        }
        catch (final InterruptedException ex)
        {
            process.destroyForcibly();
            Thread.currentThread().interrupt();
        }
    }
}
