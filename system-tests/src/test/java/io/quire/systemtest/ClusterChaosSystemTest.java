package io.quire.systemtest;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.quire.test.NodeTools;
import io.quire.test.RepoPaths;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Random;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Chaos: {@code scripts/quire cluster} ({@code ClusterCommand}: embedded ZooKeeper, the edge, two engine processes
 * under a ZooKeeper lease with {@code ack-policy replicated}, restarted by the supervisor) as its own JVM, 10 real
 * sharedb clients typing for 65 s, and the primary engine killed with SIGKILL at random moments at least 5 times (each
 * time once the restarted node is back as a caught-up standby standing in the election, so the roles alternate). Each
 * failover is timed from the kill to the standby's promotion (its {@code engine promoted} line) and to the edge
 * routing to the new epoch.
 * Then one failover is asked for through the standby's admin endpoint ({@code POST /promote}: the primary steps
 * down and the lease moves). At the end: no client socket reconnected, every acknowledged edit is in its document exactly once, nothing refused
 * landed, all clients and a fresh fetch agree, and, after a clean stop, the two engines' journals are equal record for
 * record.
 */
class ClusterChaosSystemTest
{
    private static final int CLIENTS = 10;
    private static final int DOCS = 4;
    private static final int TYPING_MS = 65_000;
    private static final int KILLS = 5;

    @TempDir
    Path dir;

    private record Primary(long atNs, long pid, int node, long epoch)
    {
    }

    @Test
    void thePrimaryIsKilledFiveTimesWhileTenClientsTypeAndNothingAcknowledgedIsLost() throws Exception
    {
        NodeTools.ensureInstalled();
        final int port = freeTcpPort();
        final int aeronBase = freeUdpBase();
        final Path data = dir.resolve("cluster");
        final Path log = dir.resolve("cluster.log");
        final List<String> command = new ArrayList<>(List.of(
            Path.of(System.getProperty("java.home"), "bin", "java").toString(),
            "@" + RepoPaths.root().resolve("config/jvm.options"), "-Xmx384m", "-XX:+UseSerialGC",
            "-Dquire.root=" + RepoPaths.root(), "-cp", System.getProperty("java.class.path"),
            "io.quire.server.ClusterCommand", "--port", Integer.toString(port), "--data", data.toString(),
            "--aeron-port", Integer.toString(aeronBase), "--session-timeout", "1s",
            "--engine-java-opts", "-Xmx256m -XX:+UseSerialGC",
            "--set", "edge.op.rate=1000", "--set", "edge.op.burst=1000"));
        final Process cluster = new ProcessBuilder(command).redirectError(ProcessBuilder.Redirect.appendTo(log.toFile()))
            .start();
        final BlockingQueue<Primary> primaries = new LinkedBlockingQueue<>();
        final BlockingQueue<String> ready = new LinkedBlockingQueue<>();
        final Thread reader = new Thread(() -> readClusterOutput(cluster, primaries, ready));
        reader.setDaemon(true);
        reader.start();
        final String base = "http://127.0.0.1:" + port + "/";
        final List<Long> promotedMs = new ArrayList<>();
        final List<Long> routedMs = new ArrayList<>();
        NodeTools.Script node = null;
        try
        {
            assertThat(ready.poll(120, TimeUnit.SECONDS)).as("cluster ready; log in " + log).isNotNull();
            Primary primary = primaries.poll(30, TimeUnit.SECONDS);
            assertThat(primary).as("a primary").isNotNull();
            await("the edge routes to the primary", 30, () -> EdgeHttp.health(base).startsWith("200"));

            node = NodeTools.start("sharedb-failover-typing.js", "ws://127.0.0.1:" + port + "/ws", "chaos",
                Integer.toString(DOCS), Integer.toString(CLIENTS), Integer.toString(TYPING_MS));

            // Standby lag under this load, sampled from whichever node is standby (its admin /status) every 200 ms.
            final List<Long> lagRecords = Collections.synchronizedList(new ArrayList<>());
            final List<Long> lagMs = Collections.synchronizedList(new ArrayList<>());
            final Thread sampler = new Thread(() -> sampleLag(aeronBase, lagRecords, lagMs));
            sampler.setDaemon(true);
            sampler.start();
            final Random random = new Random();
            final long typingEnds = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(TYPING_MS);
            int kills = 0;
            int spontaneous = 0;
            while (kills < KILLS || kills < 7 && System.nanoTime() < typingEnds - TimeUnit.SECONDS.toNanos(12))
            {
                // The other node must be back as a standby that has caught up, so this kill tests a failover and
                // not an outage; then a random pause, so the kill lands at a random point of the typing.
                primary = newest(primaries, primary);
                final int standby = primary.node() == 1 ? 2 : 1;
                await("node " + standby + " caught up as standby", 60, () -> caughtUpStandby(aeronBase, standby));
                Thread.sleep(1500 + random.nextInt(3500));
                // On a loaded box the primary may have lost its 1 s ZooKeeper session by itself meanwhile: that is
                // a failover too (nothing acknowledged may be lost by it either); kill whichever node is primary.
                final Primary current = newest(primaries, primary);
                if (current != primary)
                {
                    spontaneous++;
                    primary = current;
                    continue;
                }
                final double ackedBefore = EdgeHttp.metric(base, "quire_edge_ops_acked_total");
                final long killedNs = System.nanoTime();
                ProcessHandle.of(primary.pid()).ifPresent(ProcessHandle::destroyForcibly);
                final Primary next = primaries.poll(30, TimeUnit.SECONDS);
                assertThat(next).as("a new primary after kill " + (kills + 1) + "; log in " + log).isNotNull();
                assertThat(next.node()).isEqualTo(standby);
                assertThat(next.epoch()).isGreaterThan(primary.epoch());
                promotedMs.add((next.atNs() - killedNs) / 1_000_000);
                final long epoch = next.epoch();
                await("the edge routes to epoch " + epoch, 30, () ->
                    EdgeHttp.metric(base, "quire_edge_engine_epoch{shards=\"0-2\"}") >= epoch);
                routedMs.add((System.nanoTime() - killedNs) / 1_000_000);
                await("acks after failover " + (kills + 1), 30, () ->
                    EdgeHttp.metric(base, "quire_edge_ops_acked_total") > ackedBefore || System.nanoTime() > typingEnds);
                primary = next;
                kills++;
            }

            // One more failover, asked for: the standby's admin endpoint has the primary step down (the lease moves).
            primary = newest(primaries, primary);
            final int asked = primary.node() == 1 ? 2 : 1;
            await("node " + asked + " caught up as standby", 60, () -> caughtUpStandby(aeronBase, asked));
            final long askedNs = System.nanoTime();
            // The primary refuses to step down (409 standby-behind, no-eligible-standby) while the standby lacks
            // records, e.g. when it has just found its journal diverged and copies it again: ask until it agrees.
            final String promoteUrl = "http://127.0.0.1:" + (aeronBase + 10 * asked + 4) + "/promote";
            final String[] answer = {""};
            await("the primary agrees to step down for node " + asked, 60, () ->
            {
                answer[0] = EdgeHttp.post(promoteUrl);
                return answer[0].startsWith("200");
            });
            assertThat(answer[0]).startsWith("200");
            final Primary promotedByAdmin = primaries.poll(30, TimeUnit.SECONDS);
            assertThat(promotedByAdmin).as("the standby promoted by the admin command").isNotNull();
            assertThat(promotedByAdmin.node()).isEqualTo(asked);
            final long adminMs = (promotedByAdmin.atNs() - askedNs) / 1_000_000;
            primary = promotedByAdmin;

            assertThat(node.await(TYPING_MS / 1000 + 120)).as("node script finished").isTrue();
            sampler.interrupt();
            sampler.join(5000);
            final String output = node.output();
            assertThat(node.exitValue()).as("node output:\n" + output).isZero();
            final JsonNode result = new ObjectMapper().readTree(node.lastLine());
            final List<Long> promoted = sorted(promotedMs);
            final List<Long> routed = sorted(routedMs);
            System.out.println("cluster chaos: admin promote -> standby primary in " + adminMs + " ms; " +
                spontaneous + " failover(s) without a kill (a primary's ZooKeeper session lost under load)");
            System.out.println("cluster chaos: " + kills + " SIGKILLs of the primary; kill -> standby promoted ms " +
                promotedMs + " (p50 " + promoted.get(promoted.size() / 2) + ", max " + promoted.get(promoted.size() - 1) +
                "); kill -> edge on the new epoch ms " + routedMs + " (p50 " + routed.get(routed.size() / 2) +
                ", max " + routed.get(routed.size() - 1) + "); clients: " + result + "; re-sent " +
                (long)EdgeHttp.metric(base, "quire_edge_failover_resent_requests_total") + ", held " +
                (long)EdgeHttp.metric(base, "quire_edge_failover_held_requests_total") + "; standby lag (" +
                lagRecords.size() + " samples) records p50 " + percentile(lagRecords, 0.5) + " p99 " +
                percentile(lagRecords, 0.99) + " max " + percentile(lagRecords, 1.0) + ", ms p50 " +
                percentile(lagMs, 0.5) + " p99 " + percentile(lagMs, 0.99) + " max " + percentile(lagMs, 1.0));
            assertThat(kills).isGreaterThanOrEqualTo(KILLS);
            assertThat(result.get("opens").asInt()).as("no client socket reconnected: " + output).isEqualTo(CLIENTS);
            assertThat(result.get("refused").asInt()).as("no op refused: " + output).isZero();
            assertThat(result.get("acked").asInt()).isEqualTo(result.get("submitted").asInt());

            // Both engines hold the same journal once the standby has caught up and the cluster stopped cleanly.
            primary = newest(primaries, primary);
            final int standby = primary.node() == 1 ? 2 : 1;
            await("the last standby caught up", 60, () -> caughtUpStandby(aeronBase, standby));
            cluster.destroy();
            assertThat(cluster.waitFor(60, TimeUnit.SECONDS)).as("cluster stopped").isTrue();
            for (int shard = 0; shard < 2; shard++)
            {
                final List<byte[]> one = ReplicaSystemTest.records(data.resolve("engine-1"), shard);
                final List<byte[]> two = ReplicaSystemTest.records(data.resolve("engine-2"), shard);
                assertThat(one).as("shard %d record count", shard).hasSameSizeAs(two);
                for (int i = 0; i < one.size(); i++)
                {
                    assertThat(one.get(i)).as("shard %d LSN %d", shard, i + 1).isEqualTo(two.get(i));
                }
                System.out.println("cluster chaos: shard " + shard + " journals equal, " + one.size() + " records");
            }
        }
        finally
        {
            if (node != null)
            {
                node.kill();
            }
            cluster.destroy();
            if (!cluster.waitFor(30, TimeUnit.SECONDS))
            {
                cluster.destroyForcibly();
            }
            killLeftovers(data);
        }
    }

    /** @return the most recently announced primary, or {@code known} if none was announced since. */
    private static Primary newest(final BlockingQueue<Primary> primaries, final Primary known)
    {
        Primary newest = known;
        for (Primary p = primaries.poll(); p != null; p = primaries.poll())
        {
            newest = p;
        }
        return newest;
    }

        /** Engines the supervisor started are its children; if it was killed, stop them by their pid files' owner. */
    private static void killLeftovers(final Path data)
    {
        ProcessHandle.current().descendants().forEach(ProcessHandle::destroyForcibly);
        if (Files.exists(data.resolve("run/primary.pid")))
        {
            try
            {
                final long pid = Long.parseLong(Files.readString(data.resolve("run/primary.pid")).trim());
                ProcessHandle.of(pid).ifPresent(ProcessHandle::destroyForcibly);
            }
            catch (final IOException | NumberFormatException ignored)
            {
                // best effort
            }
        }
    }

    private static boolean caughtUpStandby(final int aeronBase, final int node) throws Exception
    {
        final String body = EdgeHttp.getOrNull("http://127.0.0.1:" + (aeronBase + 10 * node + 4) + "/status");
        if (body == null)
        {
            return false;
        }
        final JsonNode status = new ObjectMapper().readTree(body);
        // Lag is -1 until the standby has heard where the primary's journal ends; a standby stands in the election
        // (may take the lease) only once it has reached that end in every shard.
        return "standby".equals(status.path("role").asText()) && status.path("lease.in-election").asBoolean(false) &&
            status.path("shard-0.lag-records").asLong(-1) == 0 && status.path("shard-1.lag-records").asLong(-1) == 0 &&
            status.path("shard-0.applied-lsn").asLong(0) > 0 && status.path("shard-1.applied-lsn").asLong(0) > 0;
    }

    private static void sampleLag(final int aeronBase, final List<Long> records, final List<Long> ms)
    {
        final ObjectMapper json = new ObjectMapper();
        while (!Thread.currentThread().isInterrupted())
        {
            for (int node = 1; node <= 2; node++)
            {
                final String body = EdgeHttp.getOrNull("http://127.0.0.1:" + (aeronBase + 10 * node + 4) + "/status");
                try
                {
                    final JsonNode status = body == null ? null : json.readTree(body);
                    if (status != null && "standby".equals(status.path("role").asText()) &&
                        status.path("shard-0.applied-lsn").asLong(0) > 0 &&
                        status.path("shard-0.lag-records").asLong(-1) >= 0 &&
                        status.path("shard-1.lag-records").asLong(-1) >= 0)
                    {
                        records.add(status.path("shard-0.lag-records").asLong() +
                            status.path("shard-1.lag-records").asLong());
                        ms.add(Math.max(status.path("shard-0.lag-ms").asLong(), status.path("shard-1.lag-ms").asLong()));
                    }
                }
                catch (final IOException ignored)
                {
                    // a node between roles
                }
            }
            try
            {
                Thread.sleep(200);
            }
            catch (final InterruptedException ex)
            {
                return;
            }
        }
    }

    private static long percentile(final List<Long> values, final double p)
    {
        final List<Long> copy;
        synchronized (values)
        {
            copy = sorted(values);
        }
        return copy.isEmpty() ? -1 : copy.get((int)Math.min(copy.size() - 1, Math.floor(p * copy.size())));
    }

    private static void readClusterOutput(
        final Process cluster, final BlockingQueue<Primary> primaries, final BlockingQueue<String> ready)
    {
        try (BufferedReader in = new BufferedReader(new InputStreamReader(cluster.getInputStream(),
            StandardCharsets.UTF_8)))
        {
            String line;
            while ((line = in.readLine()) != null)
            {
                final long now = System.nanoTime();
                if (line.startsWith("cluster ready"))
                {
                    ready.add(line);
                }
                else if (line.startsWith("cluster primary "))
                {
                    primaries.add(new Primary(now, Long.parseLong(field(line, "pid")),
                        Integer.parseInt(field(line, "node")), Long.parseLong(field(line, "epoch"))));
                }
            }
        }
        catch (final IOException ignored)
        {
            // the cluster stopped
        }
    }

    private static String field(final String line, final String name)
    {
        for (final String part : line.split(" "))
        {
            if (part.startsWith(name + "="))
            {
                return part.substring(name.length() + 1);
            }
        }
        throw new IllegalStateException("no " + name + " in " + line);
    }

    private static List<Long> sorted(final List<Long> values)
    {
        final List<Long> copy = new ArrayList<>(values);
        Collections.sort(copy);
        return copy;
    }

    @FunctionalInterface
    private interface Check
    {
        boolean ok() throws Exception;
    }

    private static void await(final String what, final int seconds, final Check check) throws Exception
    {
        final long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
        while (!check.ok())
        {
            assertThat(System.nanoTime() - deadline).as(what).isNegative();
            Thread.sleep(20);
        }
    }

    private static int freeTcpPort() throws IOException
    {
        try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress()))
        {
            return socket.getLocalPort();
        }
    }

    /** A base port B such that the UDP ports the cluster uses (B, B+11..B+14, B+21..B+24) are free now. */
    private static int freeUdpBase()
    {
        final Random random = new Random();
        for (int attempt = 0; attempt < 50; attempt++)
        {
            final int base = 42_000 + random.nextInt(18_000);
            if (udpFree(base) && udpFree(base + 11) && udpFree(base + 12) && udpFree(base + 13) &&
                udpFree(base + 21) && udpFree(base + 22) && udpFree(base + 23))
            {
                return base;
            }
        }
        throw new IllegalStateException("no free UDP port range found");
    }

    private static boolean udpFree(final int port)
    {
        try (DatagramSocket socket = new DatagramSocket(new InetSocketAddress(InetAddress.getLoopbackAddress(), port)))
        {
            return true;
        }
        catch (final IOException ex)
        {
            return false;
        }
    }
}
