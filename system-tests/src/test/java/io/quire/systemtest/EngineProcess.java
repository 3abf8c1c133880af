package io.quire.systemtest;

import io.quire.test.RepoPaths;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * An engine node in its own JVM ({@code io.quire.engine.EngineNode} with the flags of {@code config/jvm.options}
 * and this JVM's class path), for tests where a crash is the point: it can be killed with SIGKILL and started again
 * on the same data. Its stderr (the log) goes to a file; stdout is read for the {@code engine ready} line.
 */
final class EngineProcess implements AutoCloseable
{
    private final Process process;
    private final Path log;
    private final String readyLine;

    private EngineProcess(final Process process, final Path log, final String readyLine)
    {
        this.process = process;
        this.log = log;
        this.readyLine = readyLine;
    }

    /**
     * Start an engine and wait (bounded) until it accepts commands.
     *
     * @param log          file the engine's log is appended to.
     * @param readyTimeout how long to wait for the ready line.
     * @param args         EngineNode arguments.
     * @return the running engine.
     * @throws IOException if the JVM cannot be started.
     */
    static EngineProcess start(final Path log, final long readyTimeout, final TimeUnit unit, final List<String> args)
        throws IOException
    {
        final List<String> command = new ArrayList<>();
        command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        command.add("@" + RepoPaths.root().resolve("config/jvm.options"));
        command.add("-Xmx256m");
        command.add("-XX:+UseSerialGC");
        command.add("-Dquire.root=" + RepoPaths.root());
        command.add("-cp");
        command.add(System.getProperty("java.class.path"));
        command.add("io.quire.engine.EngineNode");
        command.addAll(args);
        Files.createDirectories(log.getParent());
        final Process process = new ProcessBuilder(command)
            .redirectError(ProcessBuilder.Redirect.appendTo(log.toFile()))
            .redirectInput(ProcessBuilder.Redirect.PIPE)
            .start();
        final CompletableFuture<String> ready = new CompletableFuture<>();
        final Thread reader = new Thread(() ->
        {
            try (BufferedReader out = new BufferedReader(
                new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8)))
            {
                String line;
                while ((line = out.readLine()) != null)
                {
                    if (line.startsWith("engine ready ") || line.startsWith("engine replica ready "))
                    {
                        ready.complete(line);
                    }
                }
            }
            catch (final IOException ignored)
            {
                // The process died: the ready future times out or has completed already.
            }
            ready.completeExceptionally(new IllegalStateException("engine stdout closed before it was ready"));
        }, "engine-stdout-" + process.pid());
        reader.setDaemon(true);
        reader.start();
        try
        {
            return new EngineProcess(process, log, ready.get(readyTimeout, unit));
        }
        catch (final TimeoutException | java.util.concurrent.ExecutionException ex)
        {
            process.destroyForcibly();
            throw new IllegalStateException("engine not ready in " + readyTimeout + " " + unit + " (exit " +
                (process.isAlive() ? "none" : process.exitValue()) + "); log " + log + ":\n" + tail(log), ex);
        }
        catch (final InterruptedException ex)
        {
            process.destroyForcibly();
            Thread.currentThread().interrupt();
            throw new IllegalStateException(ex);
        }
    }

    /** @return the line the engine printed when it became ready. */
    String readyLine()
    {
        return readyLine;
    }

    /** @return the engine's process id. */
    long pid()
    {
        return process.pid();
    }

    /** Kill the engine with SIGKILL (no shutdown hook runs) and wait for it to be gone. */
    void kill9() throws InterruptedException
    {
        process.destroyForcibly();
        if (!process.waitFor(30, TimeUnit.SECONDS))
        {
            throw new IllegalStateException("engine " + process.pid() + " survived SIGKILL for 30 s");
        }
    }

    /**
     * Stop the engine with SIGTERM (its shutdown hook closes it gracefully) and wait for it.
     *
     * @return the exit code (143 after SIGTERM).
     */
    int stop() throws InterruptedException
    {
        process.destroy();
        if (!process.waitFor(60, TimeUnit.SECONDS))
        {
            process.destroyForcibly();
            throw new IllegalStateException("engine " + process.pid() + " did not stop within 60 s of SIGTERM");
        }
        return process.exitValue();
    }

    /** @return true while the process runs. */
    boolean isAlive()
    {
        return process.isAlive();
    }

    /** @return the engine's log so far. */
    String log()
    {
        try
        {
            return Files.readString(log, StandardCharsets.UTF_8);
        }
        catch (final IOException ex)
        {
            return "(log unreadable: " + ex + ")";
        }
    }

    static String tail(final Path log)
    {
        try
        {
            final List<String> lines = Files.readAllLines(log, StandardCharsets.UTF_8);
            return String.join("\n", lines.subList(Math.max(0, lines.size() - 40), lines.size()));
        }
        catch (final IOException ex)
        {
            return "(log unreadable: " + ex + ")";
        }
    }

    @Override
    public void close()
    {
        if (process.isAlive())
        {
            process.destroyForcibly();
            try
            {
                process.waitFor(30, TimeUnit.SECONDS);
            }
            catch (final InterruptedException ex)
            {
                Thread.currentThread().interrupt();
            }
        }
    }
}
