package io.quire.common;

import org.agrona.SystemUtil;

import java.io.IOException;
import java.io.Reader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Collections;
import java.util.HashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Properties;

/**
 * The layered configuration of one component ({@code engine}, {@code edge}, {@code journal}, ...).
 * <p>
 * An option such as {@code ring.size} of component {@code engine} is looked up, first match wins:
 * <ol>
 *   <li>explicit values, normally command-line flags ({@code --set ring.size=4096} or a dedicated flag);</li>
 *   <li>the system property {@code quire.engine.ring.size};</li>
 *   <li>the environment variable {@code QUIRE_ENGINE_RING_SIZE} (upper case, dots and dashes become underscores);</li>
 *   <li>the properties file given with {@code --config FILE}, key {@code quire.engine.ring.size};</li>
 *   <li>the default in the component's {@code *Configuration} class.</li>
 * </ol>
 * Malformed values fail fast with a {@link ConfigException} naming the option and its source.
 */
public final class Settings
{
    /** Where a value came from, in precedence order. */
    public enum Source
    {
        /** A command-line flag or a value set in code. */
        EXPLICIT,
        /** A JVM system property. */
        SYSTEM_PROPERTY,
        /** An environment variable. */
        ENVIRONMENT,
        /** The configuration file. */
        FILE,
        /** The built-in default. */
        DEFAULT
    }

    private final String component;
    private final Map<String, String> explicit;
    private final Properties systemProperties;
    private final Map<String, String> environment;
    private final Properties file;

    private Settings(
        final String component,
        final Map<String, String> explicit,
        final Properties systemProperties,
        final Map<String, String> environment,
        final Properties file)
    {
        this.component = component;
        this.explicit = Map.copyOf(explicit);
        this.systemProperties = systemProperties;
        this.environment = environment;
        this.file = file;
    }

    /**
     * Settings from this process's system properties and environment plus an optional file.
     *
     * @param component component name, e.g. {@code engine}.
     * @param explicit  explicit option values (highest precedence), keyed by option name without prefix.
     * @param file      properties file, or null.
     * @return the settings.
     */
    public static Settings load(final String component, final Map<String, String> explicit, final Path file)
    {
        return new Settings(component, explicit, System.getProperties(), System.getenv(), readFile(file));
    }

    /**
     * Settings from given sources, for tests and embedding.
     *
     * @param component        component name.
     * @param explicit         explicit values.
     * @param systemProperties stand-in for system properties.
     * @param environment      stand-in for the environment.
     * @param file             stand-in for the file.
     * @return the settings.
     */
    public static Settings of(
        final String component,
        final Map<String, String> explicit,
        final Properties systemProperties,
        final Map<String, String> environment,
        final Properties file)
    {
        return new Settings(component, explicit, systemProperties, environment, file);
    }

    /**
     * Only defaults (and explicit values): for tests that must not see the machine's environment.
     *
     * @param component component name.
     * @param explicit  explicit values.
     * @return the settings.
     */
    public static Settings defaults(final String component, final Map<String, String> explicit)
    {
        return new Settings(component, explicit, new Properties(), Collections.emptyMap(), new Properties());
    }

    /**
     * The same sources seen as another component (a node passes its file and flags to its parts).
     *
     * @param otherComponent the other component's name.
     * @param otherExplicit  explicit values for it.
     * @return settings for the other component.
     */
    public Settings forComponent(final String otherComponent, final Map<String, String> otherExplicit)
    {
        return new Settings(otherComponent, otherExplicit, systemProperties, environment, file);
    }

    /** @return the component name. */
    public String component()
    {
        return component;
    }

    /**
     * @param option option name, e.g. {@code ring.size}.
     * @return the system property / file key for it, e.g. {@code quire.engine.ring.size}.
     */
    public String propertyName(final String option)
    {
        return "quire." + component + "." + option;
    }

    /**
     * @param option option name.
     * @return the environment variable for it, e.g. {@code QUIRE_ENGINE_RING_SIZE}.
     */
    public String environmentName(final String option)
    {
        return ("QUIRE_" + component + "_" + option).toUpperCase(Locale.ROOT).replace('.', '_').replace('-', '_');
    }

    /**
     * @param option option name.
     * @return where the effective value comes from.
     */
    public Source source(final String option)
    {
        if (explicit.containsKey(option))
        {
            return Source.EXPLICIT;
        }
        if (systemProperties.getProperty(propertyName(option)) != null)
        {
            return Source.SYSTEM_PROPERTY;
        }
        if (environment.get(environmentName(option)) != null)
        {
            return Source.ENVIRONMENT;
        }
        if (file.getProperty(propertyName(option)) != null)
        {
            return Source.FILE;
        }
        return Source.DEFAULT;
    }

    /**
     * @param option       option name.
     * @param defaultValue value when no source sets it.
     * @return the effective raw value.
     */
    public String get(final String option, final String defaultValue)
    {
        switch (source(option))
        {
            case EXPLICIT:
                return explicit.get(option);
            case SYSTEM_PROPERTY:
                return systemProperties.getProperty(propertyName(option));
            case ENVIRONMENT:
                return environment.get(environmentName(option));
            case FILE:
                return file.getProperty(propertyName(option));
            default:
                return defaultValue;
        }
    }

    /**
     * @param option       option name.
     * @param defaultValue default.
     * @return the value as an int.
     */
    public int getInt(final String option, final int defaultValue)
    {
        final long value = getLong(option, defaultValue);
        if (value < Integer.MIN_VALUE || value > Integer.MAX_VALUE)
        {
            throw invalid(option, String.valueOf(value), "an int");
        }
        return (int)value;
    }

    /**
     * @param option       option name.
     * @param defaultValue default.
     * @return the value as a long.
     */
    public long getLong(final String option, final long defaultValue)
    {
        final String raw = get(option, null);
        if (raw == null)
        {
            return defaultValue;
        }
        try
        {
            return Long.parseLong(raw.trim().replace("_", ""));
        }
        catch (final NumberFormatException ex)
        {
            throw invalid(option, raw, "an integer");
        }
    }

    /**
     * A size in bytes, with an optional k/m/g suffix ({@code 64k}, {@code 16m}).
     *
     * @param option       option name.
     * @param defaultValue default in bytes.
     * @return the size in bytes.
     */
    public long getSize(final String option, final long defaultValue)
    {
        final String raw = get(option, null);
        if (raw == null)
        {
            return defaultValue;
        }
        try
        {
            return SystemUtil.parseSize(propertyName(option), raw.trim());
        }
        catch (final RuntimeException ex)
        {
            throw invalid(option, raw, "a size such as 65536, 64k, 16m or 1g");
        }
    }

    /**
     * A duration with a unit suffix ({@code 500us}, {@code 10ms}, {@code 2s}); a bare number is nanoseconds.
     *
     * @param option         option name.
     * @param defaultNanos   default in nanoseconds.
     * @return the duration in nanoseconds.
     */
    public long getDurationNs(final String option, final long defaultNanos)
    {
        final String raw = get(option, null);
        if (raw == null)
        {
            return defaultNanos;
        }
        try
        {
            return SystemUtil.parseDuration(propertyName(option), raw.trim());
        }
        catch (final RuntimeException ex)
        {
            throw invalid(option, raw, "a duration such as 500us, 10ms or 2s");
        }
    }

    /**
     * @param option       option name.
     * @param defaultValue default.
     * @return true for {@code true}/{@code yes}/{@code on}/{@code 1}, false for their opposites.
     */
    public boolean getBoolean(final String option, final boolean defaultValue)
    {
        final String raw = get(option, null);
        if (raw == null)
        {
            return defaultValue;
        }
        switch (raw.trim().toLowerCase(Locale.ROOT))
        {
            case "true":
            case "yes":
            case "on":
            case "1":
                return true;
            case "false":
            case "no":
            case "off":
            case "0":
                return false;
            default:
                throw invalid(option, raw, "true or false");
        }
    }

    /**
     * An enum value, matched case-insensitively with {@code -} read as {@code _}.
     *
     * @param option       option name.
     * @param type         enum class.
     * @param defaultValue default.
     * @param <E>          enum type.
     * @return the value.
     */
    public <E extends Enum<E>> E getEnum(final String option, final Class<E> type, final E defaultValue)
    {
        final String raw = get(option, null);
        if (raw == null)
        {
            return defaultValue;
        }
        final String name = raw.trim().toUpperCase(Locale.ROOT).replace('-', '_');
        for (final E constant : type.getEnumConstants())
        {
            if (constant.name().equals(name))
            {
                return constant;
            }
        }
        final StringBuilder accepted = new StringBuilder("one of");
        for (final E constant : type.getEnumConstants())
        {
            accepted.append(' ').append(constant.name().toLowerCase(Locale.ROOT).replace('_', '-'));
        }
        throw invalid(option, raw, accepted.toString());
    }

    private ConfigException invalid(final String option, final String raw, final String expected)
    {
        return new ConfigException(
            "invalid value '" + raw + "' for " + propertyName(option) + " (from " + describeSource(option) +
            "): expected " + expected);
    }

    private String describeSource(final String option)
    {
        switch (source(option))
        {
            case EXPLICIT:
                return "a command-line flag";
            case SYSTEM_PROPERTY:
                return "system property " + propertyName(option);
            case ENVIRONMENT:
                return "environment variable " + environmentName(option);
            case FILE:
                return "the configuration file";
            default:
                return "the default";
        }
    }

    private static Properties readFile(final Path path)
    {
        final Properties properties = new Properties();
        if (path == null)
        {
            return properties;
        }
        if (!Files.isRegularFile(path))
        {
            throw new ConfigException("configuration file not found: " + path.toAbsolutePath());
        }
        try (Reader reader = Files.newBufferedReader(path))
        {
            properties.load(reader);
            return properties;
        }
        catch (final IOException ex)
        {
            throw new ConfigException("cannot read configuration file " + path.toAbsolutePath() + ": " + ex.getMessage());
        }
    }

    /**
     * Parse {@code key=value} pairs (from repeated {@code --set} flags).
     *
     * @param pairs the pairs.
     * @return option name to value.
     */
    public static Map<String, String> parsePairs(final Iterable<String> pairs)
    {
        final Map<String, String> result = new HashMap<>();
        for (final String pair : pairs)
        {
            final int eq = pair.indexOf('=');
            if (eq <= 0)
            {
                throw new ConfigException("expected option=value, got '" + pair + "'");
            }
            result.put(pair.substring(0, eq).trim(), pair.substring(eq + 1).trim());
        }
        return result;
    }
}
