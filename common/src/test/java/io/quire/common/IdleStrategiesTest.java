package io.quire.common;

import org.agrona.concurrent.BusySpinIdleStrategy;
import org.agrona.concurrent.IdleStrategy;
import org.junit.jupiter.api.Test;

import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class IdleStrategiesTest
{
    @Test
    void namedStrategies()
    {
        assertThat(IdleStrategies.parse("backoff")).isInstanceOf(WakeableIdleStrategy.class);
        assertThat(IdleStrategies.parse(" Busy-Spin ")).isInstanceOf(BusySpinIdleStrategy.class);
    }

    @Test
    void tunedBackoff()
    {
        assertThat(IdleStrategies.parse("backoff:10:5:1us:1ms")).isInstanceOf(WakeableIdleStrategy.class);
        assertThat(IdleStrategies.parse("backoff:0:0:1ms:1ms")).isInstanceOf(WakeableIdleStrategy.class);
    }

    @Test
    void wakeEndsALongPark() throws Exception
    {
        final IdleStrategy idle = IdleStrategies.parse("backoff:0:0:60s:60s");
        final Runnable waker = IdleStrategies.waker(idle);
        final CountDownLatch parkedAndWoken = new CountDownLatch(1);
        final Thread agent = new Thread(() ->
        {
            idle.idle(0); // first call of an idle streak: no park yet
            idle.idle(0); // past the (zero) spins and yields
            idle.idle(0); // parks for up to 60 s unless woken
            parkedAndWoken.countDown();
        });
        agent.setDaemon(true);
        agent.start();
        // Waking repeatedly: some wakes land while it parks, some before (then it does not park at all).
        for (int i = 0; i < 10_000 && !parkedAndWoken.await(1, TimeUnit.MILLISECONDS); i++)
        {
            waker.run();
        }
        assertThat(parkedAndWoken.getCount()).as("the 60 s park was cut short").isZero();
        agent.join(10_000);

        // A wake that comes before the agent parks (work offered just after its last poll) is not lost either.
        final IdleStrategy early = IdleStrategies.parse("backoff:0:0:60s:60s");
        early.idle(0);
        early.idle(0);
        IdleStrategies.waker(early).run();
        final CountDownLatch done = new CountDownLatch(1);
        final Thread late = new Thread(() ->
        {
            early.idle(0); // would park 60 s
            done.countDown();
        });
        late.setDaemon(true);
        late.start();
        assertThat(done.await(30, TimeUnit.SECONDS)).as("the earlier wake kept the agent from parking").isTrue();
        assertThat(IdleStrategies.waker(IdleStrategies.parse("busy-spin"))).isNotNull();
    }

    @Test
    void boundedParkEndsOnWakeOrAtOnceIfAWakeIsPending() throws Exception
    {
        final WakeableIdleStrategy idle = (WakeableIdleStrategy)IdleStrategies.parse(IdleStrategies.WOKEN);
        final CountDownLatch woken = new CountDownLatch(1);
        final Thread sender = new Thread(() ->
        {
            idle.parkAtMost(TimeUnit.SECONDS.toNanos(60));
            woken.countDown();
        });
        sender.setDaemon(true);
        sender.start();
        for (int i = 0; i < 10_000 && !woken.await(1, TimeUnit.MILLISECONDS); i++)
        {
            idle.wake();
        }
        assertThat(woken.getCount()).as("the 60 s bounded park was cut short by a wake").isZero();
        sender.join(10_000);

        // A wake raised before the park (a reply that arrived after the sender's last poll) is not lost.
        final WakeableIdleStrategy early = (WakeableIdleStrategy)IdleStrategies.parse(IdleStrategies.WOKEN);
        early.wake();
        final CountDownLatch done = new CountDownLatch(1);
        final Thread late = new Thread(() ->
        {
            early.parkAtMost(TimeUnit.SECONDS.toNanos(60));
            done.countDown();
        });
        late.setDaemon(true);
        late.start();
        assertThat(done.await(30, TimeUnit.SECONDS)).as("the pending wake kept it from parking").isTrue();
    }

    @Test
    void rejectsMalformedBackoff()
    {
        assertThatThrownBy(() -> IdleStrategies.parse("backoff:10:5:1us")).isInstanceOf(ConfigException.class);
        assertThatThrownBy(() -> IdleStrategies.parse("backoff:x:5:1us:1ms")).isInstanceOf(ConfigException.class);
        assertThatThrownBy(() -> IdleStrategies.parse("backoff:1:5:1ms:1us")).isInstanceOf(ConfigException.class);
        assertThatThrownBy(() -> IdleStrategies.parse("backoff:-1:5:1us:1ms")).isInstanceOf(ConfigException.class);
        assertThatThrownBy(() -> IdleStrategies.parse("spinny")).isInstanceOf(ConfigException.class);
    }

    @Test
    void timerSlackOfTheCallingThread() throws Exception
    {
        final long[] seen = new long[2];
        final Thread t = new Thread(() ->
        {
            if (TimerSlack.setForCurrentThread(2_000))
            {
                seen[0] = TimerSlack.currentThread();
            }
            else
            {
                seen[0] = 2_000; // not offered here (not Linux or no /proc): nothing to check
            }
            seen[1] = 1;
        });
        t.start();
        t.join();
        assertThat(seen[1]).isEqualTo(1);
        assertThat(seen[0]).isEqualTo(2_000);
        assertThatThrownBy(() -> TimerSlack.setForCurrentThread(0)).isInstanceOf(IllegalArgumentException.class);
    }
}
