package io.quire.common;

import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Properties;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class SettingsTest
{
    private static Properties props(final String key, final String value)
    {
        final Properties p = new Properties();
        p.setProperty(key, value);
        return p;
    }

    @Test
    void precedenceIsExplicitThenSystemPropertyThenEnvironmentThenFileThenDefault()
    {
        final String prop = "quire.engine.ring.size";
        final String env = "QUIRE_ENGINE_RING_SIZE";

        assertThat(Settings.of("engine", Map.of(), new Properties(), Map.of(), new Properties())
            .getInt("ring.size", 1)).isEqualTo(1);
        assertThat(Settings.of("engine", Map.of(), new Properties(), Map.of(), props(prop, "5"))
            .getInt("ring.size", 1)).isEqualTo(5);
        assertThat(Settings.of("engine", Map.of(), new Properties(), Map.of(env, "4"), props(prop, "5"))
            .getInt("ring.size", 1)).isEqualTo(4);
        assertThat(Settings.of("engine", Map.of(), props(prop, "3"), Map.of(env, "4"), props(prop, "5"))
            .getInt("ring.size", 1)).isEqualTo(3);
        final Settings all = Settings.of("engine", Map.of("ring.size", "2"), props(prop, "3"), Map.of(env, "4"), props(prop, "5"));
        assertThat(all.getInt("ring.size", 1)).isEqualTo(2);
        assertThat(all.source("ring.size")).isEqualTo(Settings.Source.EXPLICIT);
    }

    @Test
    void namesFollowTheConvention()
    {
        final Settings s = Settings.defaults("edge", Map.of());
        assertThat(s.propertyName("max-frame.bytes")).isEqualTo("quire.edge.max-frame.bytes");
        assertThat(s.environmentName("max-frame.bytes")).isEqualTo("QUIRE_EDGE_MAX_FRAME_BYTES");
    }

    enum Mode
    {
        SHARED, DEDICATED_SPIN
    }

    @Test
    void parsesTypedValues()
    {
        final Settings s = Settings.defaults("x", Map.of(
            "size", "64k", "dur", "10ms", "flag", "yes", "mode", "dedicated-spin", "n", "1_000"));
        assertThat(s.getSize("size", 0)).isEqualTo(65536);
        assertThat(s.getDurationNs("dur", 0)).isEqualTo(10_000_000L);
        assertThat(s.getBoolean("flag", false)).isTrue();
        assertThat(s.getEnum("mode", Mode.class, Mode.SHARED)).isEqualTo(Mode.DEDICATED_SPIN);
        assertThat(s.getLong("n", 0)).isEqualTo(1000);
    }

    @Test
    void malformedValuesNameOptionAndSource()
    {
        final Settings s = Settings.of("engine", Map.of(), new Properties(), Map.of("QUIRE_ENGINE_SHARDS", "two"),
            new Properties());
        assertThatThrownBy(() -> s.getInt("shards", 1))
            .isInstanceOf(ConfigException.class)
            .hasMessageContaining("quire.engine.shards")
            .hasMessageContaining("environment variable QUIRE_ENGINE_SHARDS")
            .hasMessageContaining("'two'");
        assertThatThrownBy(() -> Settings.defaults("e", Map.of("mode", "turbo")).getEnum("mode", Mode.class, Mode.SHARED))
            .hasMessageContaining("one of shared dedicated-spin");
    }

    @Test
    void readsFileAndRejectsMissingFile() throws Exception
    {
        final Path file = Files.createTempFile("quire", ".properties");
        Files.writeString(file, "quire.engine.shards=7\n");
        try
        {
            assertThat(Settings.load("engine", Map.of(), file).getInt("shards", 1)).isEqualTo(7);
        }
        finally
        {
            Files.delete(file);
        }
        assertThatThrownBy(() -> Settings.load("engine", Map.of(), Path.of("/nonexistent/quire.properties")))
            .isInstanceOf(ConfigException.class).hasMessageContaining("not found");
    }

    @Test
    void parsesSetPairs()
    {
        assertThat(Settings.parsePairs(java.util.List.of("a=1", "b.c = x=y"))).containsEntry("a", "1").containsEntry("b.c", "x=y");
        assertThatThrownBy(() -> Settings.parsePairs(java.util.List.of("novalue"))).isInstanceOf(ConfigException.class);
    }

    @Test
    void idleStrategiesByName()
    {
        for (final String name : IdleStrategies.NAMES.split(", "))
        {
            assertThat(IdleStrategies.parse(name)).isNotNull();
        }
        assertThatThrownBy(() -> IdleStrategies.parse("warp")).isInstanceOf(ConfigException.class);
    }
}
