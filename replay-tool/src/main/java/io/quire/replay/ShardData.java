package io.quire.replay;

import io.quire.journal.JournalReader;
import io.quire.journal.snapshot.SnapshotContext;
import io.quire.journal.snapshot.SnapshotStore;

import java.nio.file.Files;
import java.nio.file.Path;

/**
 * One shard's directory: {@code shard-N/journal} (a Chronicle Queue) and {@code shard-N/snapshots}. Everything is
 * opened read-only, so a live engine may keep writing.
 *
 * @param id  shard number.
 * @param dir the shard directory.
 */
public record ShardData(int id, Path dir)
{
    /** @return the journal directory. */
    public Path journal()
    {
        return dir.resolve("journal");
    }

    /** @return the snapshot directory. */
    public Path snapshots()
    {
        return dir.resolve("snapshots");
    }

    /** @return true if the shard has a snapshot directory. */
    public boolean hasSnapshots()
    {
        return Files.isDirectory(snapshots());
    }

    /**
     * @return a read-only reader at the start of the journal.
     * @throws ToolException ({@link ExitCodes#NOT_FOUND}) if the journal cannot be opened.
     */
    public JournalReader openReader()
    {
        if (!Files.isDirectory(journal()))
        {
            throw ToolException.notFound("shard " + id + ": no journal at " + journal());
        }
        try
        {
            return JournalReader.open(journal());
        }
        catch (final RuntimeException ex)
        {
            throw ToolException.notFound("shard " + id + ": cannot open the journal at " + journal() + ": " + ex);
        }
    }

    /** @return the snapshot store opened read-only, or null if the shard has none. */
    public SnapshotStore openSnapshots()
    {
        if (!hasSnapshots())
        {
            return null;
        }
        try
        {
            return SnapshotStore.open(new SnapshotContext().dir(snapshots()).readOnly(true));
        }
        catch (final RuntimeException ex)
        {
            throw ToolException.notFound("shard " + id + ": cannot open the snapshots at " + snapshots() + ": " + ex);
        }
    }

    @Override
    public String toString()
    {
        return "shard " + id;
    }
}
