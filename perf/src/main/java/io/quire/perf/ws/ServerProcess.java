package io.quire.perf.ws;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A server the benchmark started as a child process: its output goes to a log file, which is watched for the ready
 * line carrying the WebSocket URL. {@link #close()} sends SIGTERM, waits, then kills; a JVM shutdown hook does the
 * same if the benchmark itself is interrupted.
 */
public final class ServerProcess implements AutoCloseable
{
    private static final Pattern WS_URL = Pattern.compile("(ws://127\\.0\\.0\\.1:\\d+/ws)");
    private static final long STOP_TIMEOUT_S = 20;

    private final String name;
    private final Process process;
    private final Path log;
    private final String wsUrl;
    private final Thread hook;

    private ServerProcess(final String name, final Process process, final Path log, final String wsUrl,
        final Thread hook)
    {
        this.name = name;
        this.process = process;
        this.log = log;
        this.wsUrl = wsUrl;
        this.hook = hook;
    }

    /**
     * Start a server and wait for its ready line.
     *
     * @param name       label.
     * @param builder    the command (its output is redirected to {@code log}).
     * @param readyLine  text the ready line starts with (it must also hold the {@code ws://127.0.0.1:PORT/ws} URL).
     * @param log        the log file.
     * @param timeoutMs  how long to wait.
     * @return the running server.
     * @throws IOException if it cannot be started, dies, or is not ready in time (it is stopped then).
     */
    public static ServerProcess start(final String name, final ProcessBuilder builder, final String readyLine,
        final Path log, final long timeoutMs) throws IOException
    {
        final Process process = builder.redirectErrorStream(true).redirectOutput(log.toFile()).start();
        final Thread hook = new Thread(() -> stop(process), "stop-" + name);
        Runtime.getRuntime().addShutdownHook(hook);
        final long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(timeoutMs);
        try
        {
            while (true)
            {
                for (final String line : Files.readAllLines(log, StandardCharsets.UTF_8))
                {
                    final Matcher m = WS_URL.matcher(line);
                    if (line.startsWith(readyLine) && m.find())
                    {
                        return new ServerProcess(name, process, log, m.group(1), hook);
                    }
                }
                if (!process.isAlive())
                {
                    throw new IOException(name + " exited with " + process.exitValue() + " before it was ready; see " +
                        log);
                }
                if (System.nanoTime() > deadline)
                {
                    throw new IOException(name + " not ready after " + timeoutMs + " ms; see " + log);
                }
                Thread.sleep(100);
            }
        }
        catch (final IOException | RuntimeException ex)
        {
            stop(process);
            Runtime.getRuntime().removeShutdownHook(hook);
            throw ex;
        }
        catch (final InterruptedException ex)
        {
            stop(process);
            Runtime.getRuntime().removeShutdownHook(hook);
            Thread.currentThread().interrupt();
            throw new IOException("interrupted while starting " + name, ex);
        }
    }

    /** @return {@code ws://127.0.0.1:PORT/ws}. */
    public String wsUrl()
    {
        return wsUrl;
    }

    /** @return {@code http://127.0.0.1:PORT/}. */
    public String httpUrl()
    {
        return wsUrl.replace("ws://", "http://").replace("/ws", "/");
    }

    /** @return the log file. */
    public Path log()
    {
        return log;
    }

    /** @return the process id. */
    public long pid()
    {
        return process.pid();
    }

    @Override
    public void close()
    {
        stop(process);
        try
        {
            Runtime.getRuntime().removeShutdownHook(hook);
        }
        catch (final IllegalStateException ignored)
        {
            // the JVM is shutting down: the hook is running or has run
        }
    }

    private static void stop(final Process process)
    {
        if (!process.isAlive())
        {
            return;
        }
        process.destroy();
        try
        {
            if (!process.waitFor(STOP_TIMEOUT_S, TimeUnit.SECONDS))
            {
                process.destroyForcibly().waitFor(5, TimeUnit.SECONDS);
            }
        }
        catch (final InterruptedException ex)
        {
            process.destroyForcibly();
            Thread.currentThread().interrupt();
        }
    }

    @Override
    public String toString()
    {
        return name + " pid " + process.pid() + " " + wsUrl;
    }
}
