package io.quire.replay;

import java.time.Instant;
import java.time.LocalDateTime;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.time.format.DateTimeParseException;

/**
 * Times on the command line and in output: ISO-8601 instants ({@code 2026-11-22T03:14:00Z}, an offset, or a local
 * date-time taken as UTC) or epoch milliseconds; printed as ISO-8601 UTC with nanoseconds.
 */
public final class Times
{
    private Times()
    {
    }

    /**
     * @param text an ISO-8601 instant or date-time, or epoch milliseconds.
     * @return nanoseconds since the Unix epoch.
     * @throws ToolException ({@link ExitCodes#USAGE}) if it is neither.
     */
    public static long parseNanos(final String text)
    {
        final String t = text.trim();
        if (!t.isEmpty() && t.chars().allMatch(Character::isDigit))
        {
            return Math.multiplyExact(Long.parseLong(t), 1_000_000L);
        }
        Instant instant;
        try
        {
            instant = Instant.parse(t);
        }
        catch (final DateTimeParseException ex)
        {
            try
            {
                instant = OffsetDateTime.parse(t).toInstant();
            }
            catch (final DateTimeParseException ex2)
            {
                try
                {
                    instant = LocalDateTime.parse(t).toInstant(ZoneOffset.UTC);
                }
                catch (final DateTimeParseException ex3)
                {
                    throw ToolException.usage("'" + text + "' is neither an ISO-8601 time (2026-11-22T03:14:00Z) " +
                        "nor epoch milliseconds");
                }
            }
        }
        return instant.getEpochSecond() * 1_000_000_000L + instant.getNano();
    }

    /**
     * @param nanos nanoseconds since the Unix epoch.
     * @return ISO-8601 UTC, e.g. {@code 2026-11-22T03:14:00.123456789Z}.
     */
    public static String iso(final long nanos)
    {
        return Instant.ofEpochSecond(Math.floorDiv(nanos, 1_000_000_000L), Math.floorMod(nanos, 1_000_000_000L))
            .toString();
    }
}
