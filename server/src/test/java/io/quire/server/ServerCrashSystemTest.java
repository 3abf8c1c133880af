package io.quire.server;

import io.aeron.CommonContext;
import io.quire.common.AeronDirs;
import io.quire.test.NodeTools;
import io.quire.test.RepoPaths;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.BufferedReader;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The all-in-one server in its own JVM is killed with SIGKILL while real sharedb clients type into one document, and
 * started again on the same data directory and port. The clients reconnect (reconnecting-websocket with
 * maxEnqueuedMessages 0) and resubmit; the node script then checks that every acknowledged edit is in the document
 * exactly once and nothing is duplicated.
 */
class ServerCrashSystemTest
{
    private static final long READY_TIMEOUT_S = 60;

    @TempDir
    Path dir;

    /** A server JVM ({@link ServerCommand}) with this JVM's class path; stderr (its log) appended to a file. */
    private static final class ServerProcess
    {
        final Process process;

        ServerProcess(final int port, final Path data, final Path log) throws Exception
        {
            final List<String> command = new ArrayList<>();
            command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
            command.add("@" + RepoPaths.root().resolve("config/jvm.options"));
            command.add("-Xmx512m");
            command.add("-XX:+UseSerialGC");
            command.add("-cp");
            command.add(System.getProperty("java.class.path"));
            command.add("io.quire.server.ServerCommand");
            command.add("--port");
            command.add(Integer.toString(port));
            command.add("--data");
            command.add(data.toString());
            command.add("--set");
            command.add("edge.op.rate=1000");
            process = new ProcessBuilder(command)
                .redirectError(ProcessBuilder.Redirect.appendTo(log.toFile()))
                .start();
            final CompletableFuture<Boolean> ready = new CompletableFuture<>();
            final Thread reader = new Thread(() ->
            {
                try (BufferedReader in = new BufferedReader(
                    new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8)))
                {
                    String line;
                    while ((line = in.readLine()) != null)
                    {
                        if (line.startsWith("server ready"))
                        {
                            ready.complete(true);
                        }
                    }
                }
                catch (final IOException ignored)
                {
                    // killed
                }
                ready.complete(false);
            });
            reader.setDaemon(true);
            reader.start();
            assertThat(ready.get(READY_TIMEOUT_S, TimeUnit.SECONDS)).as("server ready; log in " + log).isTrue();
        }

        void kill() throws InterruptedException
        {
            process.destroyForcibly();
            assertThat(process.waitFor(10, TimeUnit.SECONDS)).isTrue();
        }

        /** SIGTERM (a clean stop, which deletes its driver directory), SIGKILL if it has not stopped in 20 s. */
        void stop() throws InterruptedException
        {
            process.destroy();
            process.waitFor(20, TimeUnit.SECONDS);
            process.destroyForcibly();
        }
    }

    private static int freePort() throws IOException
    {
        try (ServerSocket socket = new ServerSocket(0))
        {
            return socket.getLocalPort();
        }
    }

    private static List<Path> driverDirsOf(final long pid) throws IOException
    {
        try (Stream<Path> dirs = Files.list(AeronDirs.defaultParent()))
        {
            return dirs.filter(p -> p.getFileName().toString().startsWith("quire-server-" + pid + "-")).toList();
        }
    }

    @Test
    void theNextStartDeletesTheMediaDriverDirectoryAKilledServerLeft() throws Exception
    {
        final int port = freePort();
        final Path data = dir.resolve("data");
        final Path log = dir.resolve("server.log");
        ServerProcess server = new ServerProcess(port, data, log);
        try
        {
            final long killed = server.process.pid();
            server.kill();
            final List<Path> left = driverDirsOf(killed);
            assertThat(left).as("the killed server's media driver directory").hasSize(1);
            // Its driver's heartbeat must age past Aeron's 10 s liveness timeout first (a driver that still beats
            // is never deleted, whatever its process id says).
            final long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
            while (CommonContext.isDriverActive(left.get(0).toFile(), 10_000, message -> { }))
            {
                assertThat(System.nanoTime() - deadline).as("heartbeat aged").isNegative();
                Thread.sleep(250);
            }
            server = new ServerProcess(port, data, log);
            assertThat(driverDirsOf(killed)).as("left by the killed server, after the next start").isEmpty();
            assertThat(Files.readString(log)).contains("media driver directories: deleted " + left.get(0));
        }
        finally
        {
            server.stop();
        }
    }

    @Test
    void noAcknowledgedEditIsLostOrDuplicatedAcrossAKill9() throws Exception
    {
        final int port = freePort();
        final Path data = dir.resolve("data");
        final Path log = dir.resolve("server.log");
        NodeTools.ensureInstalled();
        ServerProcess server = new ServerProcess(port, data, log);
        final Process node = NodeTools.node("sharedb-crash-typing.js",
            "ws://127.0.0.1:" + port + "/ws", "crash-" + System.nanoTime(), "4", "14000")
            .redirectErrorStream(true).start();
        final ByteArrayOutputStream output = new ByteArrayOutputStream();
        final Thread pump = new Thread(() ->
        {
            try (InputStream in = node.getInputStream())
            {
                in.transferTo(output);
            }
            catch (final IOException ignored)
            {
                // its exit code tells
            }
        });
        pump.start();
        try
        {
            // Kill only once the clients are typing for real: the server has acknowledged a few hundred of their ops.
            awaitAcked(port, 300, 60_000);
            server.kill();
            server = new ServerProcess(port, data, log);
            assertThat(node.waitFor(110, TimeUnit.SECONDS)).as("node script finished").isTrue();
        }
        finally
        {
            node.destroyForcibly();
            server.stop();
        }
        pump.join(5000);
        final String text = output.toString(StandardCharsets.UTF_8);
        System.out.println("kill -9 typing: " + text.trim());
        assertThat(node.exitValue()).as("node output:\n" + text).isZero();
        assertThat(text).contains("\"ok\":true");
    }

    /** Poll the server's /metrics until its edge has acknowledged at least {@code ops} ops, or fail after the timeout. */
    private static void awaitAcked(final int port, final long ops, final long timeoutMs) throws Exception
    {
        final HttpClient http = HttpClient.newHttpClient();
        final HttpRequest request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/metrics")).build();
        final long deadline = System.currentTimeMillis() + timeoutMs;
        long acked = 0;
        while (System.currentTimeMillis() < deadline)
        {
            for (final String line : http.send(request, HttpResponse.BodyHandlers.ofString()).body().split("\n"))
            {
                if (line.startsWith("quire_edge_ops_acked_total "))
                {
                    acked = (long)Double.parseDouble(line.substring(line.indexOf(' ') + 1).trim());
                }
            }
            if (acked >= ops)
            {
                return;
            }
            Thread.sleep(50);
        }
        throw new AssertionError("the server acknowledged only " + acked + " ops in " + timeoutMs + " ms");
    }
}
