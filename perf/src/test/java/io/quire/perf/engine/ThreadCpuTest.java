package io.quire.perf.engine;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledOnOs;
import org.junit.jupiter.api.condition.OS;

import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.util.ArrayList;
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
            burned.set(burn(threads, 30));
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

    /**
     * More spinning threads than CPUs: the scheduler must keep some of them runnable but off a CPU, and must force
     * switches on them, so their run-queue wait and preemptions are above zero and show in the line.
     */
    @Test
    void showsTheRunQueueWaitOfThreadsThatHadToShareACpu() throws InterruptedException
    {
        final ThreadMXBean threads = ManagementFactory.getThreadMXBean();
        final int count = Runtime.getRuntime().availableProcessors() + 1;
        final CountDownLatch done = new CountDownLatch(count);
        final CountDownLatch read = new CountDownLatch(1);
        final List<Thread> spinners = new ArrayList<>();
        final ThreadCpu before = ThreadCpu.snapshot();
        final long start = System.nanoTime();
        for (int t = 0; t < count; t++)
        {
            final Thread spinner = new Thread(() ->
            {
                burn(threads, 20);
                done.countDown();
                try
                {
                    // Stay alive (and off the CPU) until the second snapshot has read this thread's /proc entry.
                    read.await(60, TimeUnit.SECONDS);
                }
                catch (final InterruptedException ignored)
                {
                    // done
                }
            }, "quire-test-rq");
            spinners.add(spinner);
            spinner.start();
        }
        try
        {
            assertThat(done.await(40, TimeUnit.SECONDS)).as("the spinners finished in time").isTrue();
            final ThreadCpu after = ThreadCpu.snapshot();
            final long periodNs = System.nanoTime() - start;
            final long waitedNs = after.runQueueWaitSince(before).stream()
                .filter(e -> e.getKey().equals("quire-test-rq")).mapToLong(Map.Entry::getValue).sum();
            assertThat(waitedNs).as("%d spinners on %d CPUs waited for one", count, count - 1).isPositive();
            assertThat(after.runQueue(before, periodNs, 20))
                .matches(".*quire-test-rq=[0-9]+\\.[0-9]%/[1-9][0-9]*( .*)? steal=[0-9]+\\.[0-9]%$");
        }
        finally
        {
            read.countDown();
            for (final Thread spinner : spinners)
            {
                spinner.interrupt();
                spinner.join(5000);
            }
        }
    }

    /**
     * Spin until this thread has used {@link #BURN_NS} of CPU by its own clock, or the deadline passes.
     *
     * @return the CPU time used.
     */
    private static long burn(final ThreadMXBean threads, final long deadlineSeconds)
    {
        final long start = threads.getCurrentThreadCpuTime();
        final long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(deadlineSeconds);
        long x = 0;
        while (threads.getCurrentThreadCpuTime() - start < BURN_NS && System.nanoTime() < deadline)
        {
            for (int i = 0; i < 100_000; i++)
            {
                x += i ^ (x << 1);
            }
        }
        return threads.getCurrentThreadCpuTime() - start + (x == 42 ? 1 : 0);
    }
}
