package io.quire.replay;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Finds the shards of a data directory: {@code <data>/shard-<N>/journal} and {@code <data>/shard-<N>/snapshots}.
 * A shard directory itself (one holding {@code journal/}) is accepted too, so an SRE can point at a single shard
 * copied off a node.
 */
public final class DataDir
{
    private static final Pattern SHARD = Pattern.compile("shard-(\\d{1,5})");

    private DataDir()
    {
    }

    /**
     * @param dir   the data directory (or a shard directory).
     * @param shard the only shard wanted, or null for all.
     * @return the shards, by number.
     * @throws ToolException ({@link ExitCodes#NOT_FOUND}) if there is no such directory or shard.
     */
    public static List<ShardData> shards(final Path dir, final Integer shard)
    {
        if (!Files.isDirectory(dir))
        {
            throw ToolException.notFound("no data directory at " + dir.toAbsolutePath());
        }
        final List<ShardData> found = new ArrayList<>();
        if (Files.isDirectory(dir.resolve("journal")))
        {
            final Matcher m = SHARD.matcher(dir.toAbsolutePath().normalize().getFileName().toString());
            found.add(new ShardData(m.matches() ? Integer.parseInt(m.group(1)) : 0, dir));
        }
        else
        {
            try (DirectoryStream<Path> entries = Files.newDirectoryStream(dir))
            {
                for (final Path entry : entries)
                {
                    final Matcher m = SHARD.matcher(entry.getFileName().toString());
                    if (m.matches() && Files.isDirectory(entry))
                    {
                        found.add(new ShardData(Integer.parseInt(m.group(1)), entry));
                    }
                }
            }
            catch (final IOException ex)
            {
                throw new UncheckedIOException("cannot list " + dir, ex);
            }
        }
        found.sort(Comparator.comparingInt(ShardData::id));
        if (found.isEmpty())
        {
            throw ToolException.notFound("no shard directories (shard-<N>/journal) in " + dir.toAbsolutePath());
        }
        if (shard == null)
        {
            return found;
        }
        for (final ShardData s : found)
        {
            if (s.id() == shard)
            {
                return List.of(s);
            }
        }
        throw ToolException.notFound("no shard " + shard + " in " + dir.toAbsolutePath() + " (shards there: " +
            found.stream().map(s -> String.valueOf(s.id())).reduce((a, b) -> a + ", " + b).orElse("none") + ")");
    }
}
