package io.quire.engine;

import io.aeron.Aeron;
import io.quire.common.ConfigException;
import io.quire.engine.client.DocRef;
import io.quire.engine.client.EngineClient;
import io.quire.engine.ingress.IngressAgent;
import io.quire.engine.ring.ShardRing;
import io.quire.engine.ring.ThreadingMode;
import net.openhft.affinity.Affinity;
import org.agrona.CloseHelper;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicReference;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * {@code affinity.engine} and {@code affinity.background} on a real node (embedded driver, journal in a temp dir):
 * the write path's threads end up on the engine's CPUs and every other thread of the JVM on the background ones, as
 * the kernel reports them ({@code /proc/self/task/TID/status}), and the pinned node still acks. The JVM's threads
 * are given every online CPU back afterwards.
 */
class EngineAffinityTest
{
    private static final Path TASKS = Path.of("/proc/self/task");

    @TempDir
    Path dir;

    private EngineNode node;
    private Aeron aeron;
    private EngineClient client;

    @AfterEach
    void close()
    {
        CloseHelper.closeAll(client, aeron, node);
        CpuSet.online().pinEveryThread("test teardown");
    }

    @Test
    void cpuListsParseAndPrintLikeTheKernels()
    {
        assertThat(CpuSet.parse("x", "").isEmpty()).isTrue();
        assertThat(CpuSet.parse("x", " none ")).isEqualTo(CpuSet.NONE);
        assertThat(CpuSet.parse("x", "1")).hasToString("1");
        assertThat(CpuSet.parse("x", "3,0-1, 7")).hasToString("0-1,3,7");
        assertThat(CpuSet.parse("x", "2-3").containsAll(CpuSet.parse("x", "3"))).isTrue();
        assertThat(CpuSet.parse("x", "2-3").containsAll(CpuSet.parse("x", "1,3"))).isFalse();
        for (final String bad : new String[] {"a", "1-", "-1", "3-1", "1-2-3", "1,,2", "4096"})
        {
            assertThatThrownBy(() -> CpuSet.parse("quire.engine.affinity.engine", bad))
                .as(bad).isInstanceOf(ConfigException.class)
                .hasMessageContaining("quire.engine.affinity.engine must be a CPU list");
        }
    }

    @Test
    void aCpuThatIsNotOnlineIsRefusedAtConclude()
    {
        final EngineContext ctx = EngineNodeTest.testContext(dir).affinityEngine("4095");
        assertThatThrownBy(ctx::conclude).isInstanceOf(ConfigException.class)
            .hasMessageContaining("quire.engine.affinity.engine = 4095 names CPUs that are not online here");
    }

    @ParameterizedTest
    @EnumSource(value = ThreadingMode.class, names = {"SINGLE", "SHARED"})
    void writePathThreadsRunOnTheEngineCpusAndTheRestOnTheBackgroundOnes(final ThreadingMode threading)
        throws Exception
    {
        assumeTrue(CpuSet.online().containsAll(CpuSet.parse("x", "0-1")), "needs CPUs 0 and 1 online");
        final CpuSet engine = CpuSet.parse("x", "1");
        final CpuSet background = CpuSet.parse("x", "0");

        node = EngineNode.launch(EngineNodeTest.testContext(dir).threading(threading)
            .affinityEngine("1").affinityBackground("0"));
        final String shard = ShardRing.THREAD_NAME_PREFIX;
        final List<String> hot = threading == ThreadingMode.SINGLE ? List.of(EngineAgent.THREAD_NAME) :
            List.of(IngressAgent.THREAD_NAME, shard + "0-0", shard + "1-0");

        // The hot threads pin themselves as they start: wait (bounded) until the kernel says so for each.
        final long deadline = System.nanoTime() + 10_000_000_000L;
        List<Task> tasks = threads();
        while (!pinned(tasks, hot, engine))
        {
            assertThat(System.nanoTime() - deadline).as("hot threads pinned in time: %s", tasks).isNegative();
            Thread.sleep(20);
            tasks = threads();
        }
        // Everything else, this thread and the driver's included, is on the background CPU; so is a thread started
        // from here after the launch (it inherits this one's affinity).
        final List<Task> others = tasks.stream().filter(task -> !hot.contains(task.name())).toList();
        assertThat(others).isNotEmpty().allSatisfy(task ->
            assertThat(task.cpus()).as(task.name()).isEqualTo(background));
        // A second round of background pinning (another node starting in this JVM) leaves the write path alone.
        background.pinEveryThread("test: a second node");
        final List<Task> again = threads();
        assertThat(pinned(again, hot, engine)).as("hot threads still on the engine CPU: %s", again).isTrue();
        final AtomicReference<CpuSet> child = new AtomicReference<>();
        final Thread t = new Thread(() -> child.set(allowedCpus(TASKS.resolve(Long.toString(Affinity.getThreadId())))), "affinity-child");
        t.start();
        t.join(10_000);
        assertThat(child.get()).isEqualTo(background);

        // The pinned node still does its job.
        aeron = Aeron.connect(new Aeron.Context().aeronDirectoryName(node.aeronDirectoryName()));
        final EngineNodeTest.Recorder recorder = new EngineNodeTest.Recorder();
        client = EngineClient.connect(aeron, node.ingressChannel(), node.ingressStream(), 11, "aeron:ipc", 2001,
            recorder);
        EngineNodeTest.await("engine up", () -> recorder.engineUps == 1, client);
        final long create = client.submitCreate(1, new DocRef("docs", "pinned"), -1,
            "A".getBytes(StandardCharsets.UTF_8), 1, "hello");
        EngineNodeTest.await("create ack", () -> recorder.has("ack s1 r" + create + " v0"), client);
    }

    /** A thread of this JVM: its kernel name (comm) and allowed CPUs. */
    private record Task(String name, CpuSet cpus)
    {
    }

    /** @return true if every thread with one of {@code names} is there and allowed exactly {@code cpus}. */
    private static boolean pinned(final List<Task> tasks, final List<String> names, final CpuSet cpus)
    {
        return names.stream().allMatch(name ->
            tasks.stream().anyMatch(task -> task.name().equals(name)) &&
            tasks.stream().filter(task -> task.name().equals(name)).allMatch(task -> cpus.equals(task.cpus())));
    }

    /**
     * @param task a thread's directory under {@code /proc/self/task}.
     * @return the thread's allowed CPUs as the kernel reports them ({@code Cpus_allowed_list}), or null if unknown.
     */
    private static CpuSet allowedCpus(final Path task)
    {
        try
        {
            for (final String line : Files.readAllLines(task.resolve("status")))
            {
                if (line.startsWith("Cpus_allowed_list:"))
                {
                    return CpuSet.parse("Cpus_allowed_list", line.substring("Cpus_allowed_list:".length()));
                }
            }
        }
        catch (final IOException ex)
        {
            // the thread has exited
        }
        return null;
    }

    /** @return every live thread of this JVM (threads that exit meanwhile are left out). */
    private static List<Task> threads() throws IOException
    {
        final List<Path> dirs = new ArrayList<>();
        try (DirectoryStream<Path> stream = Files.newDirectoryStream(TASKS))
        {
            stream.forEach(dirs::add);
        }
        final List<Task> tasks = new ArrayList<>();
        for (final Path dir : dirs)
        {
            try
            {
                final CpuSet allowed = allowedCpus(dir);
                if (allowed != null)
                {
                    tasks.add(new Task(Files.readString(dir.resolve("comm")).trim(), allowed));
                }
            }
            catch (final IOException ex)
            {
                // exited since the listing
            }
        }
        return tasks;
    }
}
