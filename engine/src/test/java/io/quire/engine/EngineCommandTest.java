package io.quire.engine;

import io.quire.common.ConfigException;
import io.quire.common.Settings;
import io.quire.engine.ring.ThreadingMode;
import io.quire.journal.DurabilityPolicy;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class EngineCommandTest
{
    private static EngineContext parse(final String... args)
    {
        final EngineCommand command = new EngineCommand();
        new CommandLine(command).parseArgs(args);
        return command.context().conclude();
    }

    @Test
    void flagsAndSetsBecomeTheExplicitLayer()
    {
        final EngineContext ctx = parse("--data", "/tmp/q", "--node-id", "4", "--shards", "8", "--shard-range", "2-6",
            "--ingress", "aeron:udp?endpoint=127.0.0.1:40999", "--durability", "sync", "--aeron-dir", "/tmp/q-aeron",
            "--set", "ring.size=1024", "--set", "journal.block-size=32m", "--set", "snapshot.interval-ops=10",
            "--set", "snapshot.journal-ratio=10");
        assertThat(ctx.nodeId()).isEqualTo(4);
        assertThat(ctx.shardCount()).isEqualTo(8);
        assertThat(ctx.shardBegin()).isEqualTo(2);
        assertThat(ctx.shardEnd()).isEqualTo(6);
        assertThat(ctx.ringSize()).isEqualTo(1024);
        assertThat(ctx.ingressChannel()).isEqualTo("aeron:udp?endpoint=127.0.0.1:40999");
        assertThat(ctx.aeronDir()).isEqualTo("/tmp/q-aeron");
        assertThat(ctx.journalTemplate().durability()).isEqualTo(DurabilityPolicy.SYNC);
        assertThat(ctx.journalTemplate().blockSize()).isEqualTo(32 << 20);
        assertThat(ctx.describe()).containsEntry("snapshot.interval-ops", 10);
        assertThat(ctx.describe()).containsEntry("snapshot.journal-ratio", 10);
        assertThat(ctx.shardSettings(3).sequencer().snapshotJournalRatio()).isEqualTo(10);
        assertThat(parse().describe()).containsEntry("snapshot.journal-ratio", 4);
        assertThatThrownBy(() -> parse("--set", "snapshot.journal-ratio=-1"))
            .isInstanceOf(io.quire.common.ConfigException.class).hasMessageContaining("snapshot");
        assertThat(ctx.shardSettings(3).journal().dir().toString()).isEqualTo("/tmp/q/shard-3/journal");
    }

    @Test
    void dedicatedThreadingSpinsUnlessToldOtherwise()
    {
        final EngineContext dedicated = parse("--threading", "dedicated");
        assertThat(dedicated.threading()).isEqualTo(ThreadingMode.DEDICATED);
        assertThat(dedicated.waitStrategy()).isEqualTo("busy-spin");
        assertThat(dedicated.idleStrategy()).isEqualTo("busy-spin");
        assertThat(dedicated.driverIdleStrategy()).isEqualTo("busy-spin");
        assertThat(dedicated.driverThreading()).isEqualTo(io.aeron.driver.ThreadingMode.DEDICATED);

        final EngineContext told = parse("--threading", "dedicated", "--set", "wait-strategy=blocking",
            "--set", "driver.threading=shared");
        assertThat(told.waitStrategy()).isEqualTo("blocking");
        assertThat(told.idleStrategy()).isEqualTo("busy-spin");
        assertThat(told.driverThreading()).isEqualTo(io.aeron.driver.ThreadingMode.SHARED);

        final EngineContext defaults = parse();
        assertThat(defaults.threading()).isEqualTo(ThreadingMode.SINGLE);
        assertThat(defaults.waitStrategy()).isEqualTo("backoff");
        assertThat(defaults.idleStrategy()).isEqualTo("backoff");
        assertThat(defaults.driverThreading()).isEqualTo(io.aeron.driver.ThreadingMode.SHARED);
        assertThat(defaults.timerSlackNs()).isEqualTo(EngineContext.TIMER_SLACK_DEFAULT_NS);
    }

    @Test
    void timerSlackAndTunedBackoffAreOptions()
    {
        final EngineContext ctx = parse("--set", "timer-slack=0", "--set", "idle-strategy=backoff:0:0:10us:1ms",
            "--threading", "shared");
        assertThat(ctx.timerSlackNs()).isZero();
        assertThat(ctx.idleStrategy()).isEqualTo("backoff:0:0:10us:1ms");
        assertThat(ctx.threading()).isEqualTo(ThreadingMode.SHARED);
        assertThat(ctx.describe()).containsEntry("timer-slack-ns", 0L);
    }

    @Test
    void opLimitsFollowTheTermLengthUnlessSet()
    {
        final EngineContext small = new EngineContext().apply(Settings.defaults("engine", Map.of("term-length", "64k")))
            .conclude();
        assertThat(small.opMaxComponents()).isEqualTo(128);
        assertThat(small.opMaxBytes()).isEqualTo(8192 - 2048 - 9 * 128);
        assertThat(small.codecLimits().maxOpTextBytes()).isEqualTo(small.opMaxBytes());

        final EngineContext large = new EngineContext().conclude();
        assertThat(large.opMaxBytes()).isEqualTo(1 << 20);
        assertThat(large.opMaxComponents()).isEqualTo(4096);

        assertThatThrownBy(() -> new EngineContext()
            .apply(Settings.defaults("engine", Map.of("term-length", "64k", "op.max-bytes", "1m"))).conclude())
            .isInstanceOf(ConfigException.class)
            .hasMessageContaining("does not fit an Aeron message");
    }
}
