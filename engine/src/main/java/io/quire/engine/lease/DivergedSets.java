package io.quire.engine.lease;

import org.agrona.IoUtil;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.stream.Stream;

/**
 * The sets of shard directories a node moved aside under {@code data/diverged/<millis>/} when its journal diverged
 * from the primary's: a new set's name, and the retention that keeps the newest {@code lease.diverged-keep} of them
 * (each holds whole journals, so a node that diverges again and again would otherwise fill its disk). Cold path.
 */
final class DivergedSets
{
    private static final Logger LOG = LoggerFactory.getLogger(DivergedSets.class);

    private DivergedSets()
    {
    }

    /**
     * @param dataDir the node's data directory.
     * @return a new directory name under {@code data/diverged/} (not created), after every existing one.
     */
    static Path newSet(final Path dataDir)
    {
        final Path root = dataDir.resolve("diverged");
        long millis = System.currentTimeMillis();
        try
        {
            for (final Path existing : sets(root))
            {
                millis = Math.max(millis, Long.parseLong(existing.getFileName().toString()) + 1);
            }
        }
        catch (final UncheckedIOException ex)
        {
            LOG.warn("could not list {}; naming the new set by the clock alone", root, ex);
        }
        Path set = root.resolve(Long.toString(millis));
        while (Files.exists(set))
        {
            set = root.resolve(Long.toString(++millis));
        }
        return set;
    }

    /**
     * Delete all but the newest {@code keep} sets (by their time stamp names; anything else under {@code diverged/}
     * is left alone).
     *
     * @param dataDir the node's data directory.
     * @param keep    sets to keep; 0 keeps all.
     * @return the sets deleted, oldest first. Never throws: a failure is logged and the sets concerned are left.
     */
    static List<Path> prune(final Path dataDir, final int keep)
    {
        final List<Path> deleted = new ArrayList<>();
        if (keep <= 0)
        {
            return deleted;
        }
        final List<Path> sets;
        try
        {
            sets = sets(dataDir.resolve("diverged"));
        }
        catch (final UncheckedIOException ex)
        {
            // Retention must never stand in the way of what the node does after setting shards aside.
            LOG.warn("could not list the diverged sets to keep the newest {} (lease.diverged-keep)", keep, ex);
            return deleted;
        }
        if (sets.size() <= keep)
        {
            return deleted;
        }
        for (final Path set : sets.subList(0, sets.size() - keep))
        {
            try
            {
                final long bytes = bytes(set);
                IoUtil.delete(set.toFile(), false);
                deleted.add(set);
                LOG.warn("deleted the diverged shard directories set aside in {} ({} MiB): only the newest {} set(s) " +
                    "are kept (lease.diverged-keep)", set, bytes >> 20, keep);
            }
            catch (final Exception ex)
            {
                LOG.warn("could not delete the old diverged set {} (lease.diverged-keep={}); left as it is", set, keep,
                    ex);
            }
        }
        return deleted;
    }

    /** @return the sets under {@code root} (directories named by a time stamp), oldest first. */
    private static List<Path> sets(final Path root)
    {
        if (!Files.isDirectory(root))
        {
            return List.of();
        }
        try (Stream<Path> children = Files.list(root))
        {
            return children
                .filter(p -> Files.isDirectory(p) && p.getFileName().toString().matches("[0-9]{1,18}"))
                .sorted(Comparator.comparingLong(p -> Long.parseLong(p.getFileName().toString())))
                .toList();
        }
        catch (final IOException ex)
        {
            throw new UncheckedIOException("cannot list " + root, ex);
        }
    }

    /** @return bytes of the regular files under {@code dir}. */
    private static long bytes(final Path dir) throws IOException
    {
        try (Stream<Path> walk = Files.walk(dir))
        {
            long bytes = 0;
            for (final Path p : walk.filter(Files::isRegularFile).toList())
            {
                bytes += Files.size(p);
            }
            return bytes;
        }
    }
}
