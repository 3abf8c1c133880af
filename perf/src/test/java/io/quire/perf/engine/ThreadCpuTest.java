package io.quire.perf.engine;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledOnOs;
import org.junit.jupiter.api.condition.OS;

import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The per-thread CPU breakdown bench-engine logs: a named thread that burns 300 ms of CPU (by its own JMX clock, so
 * the test does not depend on how busy the machine is) shows up under its name with about that much.
 */
@EnabledOnOs(OS.LINUX)
class ThreadCpuTest
{
    private static final long BURN_NS = TimeUnit.MILLISECONDS.toNanos(300);

    @Test
    void attributesCpuToTheThreadThatSpentIt() throws InterruptedException
    {
        final ThreadMXBean threads = ManagementFactory.getThreadMXBean();
        final AtomicLong burned = new AtomicLong();
        final CountDownLatch done = new CountDownLatch(1);
        final ThreadCpu before = ThreadCpu.snapshot();
        final Thread spinner = new Thread(() ->
        {
            final long start = threads.getCurrentThreadCpuTime();
            final long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
            long x = 0;
            while (threads.getCurrentThreadCpuTime() - start < BURN_NS && System.nanoTime() < deadline)
            {
                for (int i = 0; i < 100_000; i++)
                {
                    x += i ^ (x << 1);
                }
            }
            burned.set(threads.getCurrentThreadCpuTime() - start + (x == 42 ? 1 : 0));
            done.countDown();
            // Stay alive until the second snapshot has read this thread's /proc entry.
            try
            {
                Thread.sleep(60_000);
            }
            catch (final InterruptedException ignored)
            {
                // done
            }
        }, "quire-test-spin");
        spinner.start();
        try
        {
            assertThat(done.await(40, TimeUnit.SECONDS)).as("the spinner finished in time").isTrue();
            assertThat(burned.get()).as("the spinner burned its CPU in time").isGreaterThanOrEqualTo(BURN_NS);
            final ThreadCpu after = ThreadCpu.snapshot();

            final List<Map.Entry<String, Long>> spent = after.since(before);
            final long spinnerNs = spent.stream().filter(e -> e.getKey().equals("quire-test-spin"))
                .mapToLong(Map.Entry::getValue).sum();
            // /proc counts 10 ms ticks: allow two of them either way.
            assertThat(spinnerNs).isBetween(burned.get() - 20_000_000L, burned.get() + 20_000_000L);
            assertThat(after.perOp(before, 1_000_000)).matches(".*quire-test-spin=0\\.[2-3][0-9].* total=[0-9.]+$");
        }
        finally
        {
            spinner.interrupt();
            spinner.join(5000);
        }
    }
}
