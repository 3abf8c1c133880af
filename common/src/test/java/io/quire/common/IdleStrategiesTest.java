package io.quire.common;

import org.agrona.concurrent.BackoffIdleStrategy;
import org.agrona.concurrent.BusySpinIdleStrategy;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class IdleStrategiesTest
{
    @Test
    void namedStrategies()
    {
        assertThat(IdleStrategies.parse("backoff")).isInstanceOf(BackoffIdleStrategy.class);
        assertThat(IdleStrategies.parse(" Busy-Spin ")).isInstanceOf(BusySpinIdleStrategy.class);
    }

    @Test
    void tunedBackoff()
    {
        assertThat(IdleStrategies.parse("backoff:10:5:1us:1ms")).isInstanceOf(BackoffIdleStrategy.class);
        assertThat(IdleStrategies.parse("backoff:0:0:1ms:1ms")).isInstanceOf(BackoffIdleStrategy.class);
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
