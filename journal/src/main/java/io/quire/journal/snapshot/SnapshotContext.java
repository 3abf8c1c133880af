package io.quire.journal.snapshot;

import io.quire.codec.CodecLimits;
import io.quire.common.ConfigException;
import io.quire.common.Settings;

import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Options of one {@link SnapshotStore} (a directory, one per shard, e.g. {@code <data>/shard-3/snapshots}).
 * Component name {@code snapshot}: properties {@code quire.snapshot.<option>}, environment
 * {@code QUIRE_SNAPSHOT_<OPTION>}.
 *
 * <table>
 *   <caption>Options</caption>
 *   <tr><th>option</th><th>default</th><th>meaning</th></tr>
 *   <tr><td>fsync</td><td>false</td><td>force each snapshot file and its directory to the device before it counts
 *       as written; the engine sets it under the journal's {@code sync} durability</td></tr>
 *   <tr><td>retain</td><td>0</td><td>snapshots kept per document (the highest versions); 0 keeps all, which the
 *       replay tool needs to rebuild any version quickly</td></tr>
 *   <tr><td>read-only</td><td>false</td><td>for tools: never write, delete or clean up; the directory must exist</td></tr>
 * </table>
 * The directory and the {@link CodecLimits} that headers are checked against are set in code.
 */
public final class SnapshotContext
{
    /** Default fsync. */
    public static final boolean FSYNC_DEFAULT = false;
    /** Default retention: keep all. */
    public static final int RETAIN_DEFAULT = 0;
    /** Default read-only. */
    public static final boolean READ_ONLY_DEFAULT = false;

    private Path dir;
    private boolean fsync = FSYNC_DEFAULT;
    private int retain = RETAIN_DEFAULT;
    private boolean readOnly = READ_ONLY_DEFAULT;
    private CodecLimits limits = CodecLimits.DEFAULT;
    private boolean checkDocHash = true;
    private boolean concluded;

    /**
     * Read the options from settings (component {@code snapshot}).
     *
     * @param settings the settings.
     * @return this.
     */
    public SnapshotContext apply(final Settings settings)
    {
        fsync = settings.getBoolean("fsync", fsync);
        retain = settings.getInt("retain", retain);
        readOnly = settings.getBoolean("read-only", readOnly);
        return this;
    }

    /**
     * Validate and freeze. Called by {@link SnapshotStore#open}.
     *
     * @return this.
     */
    public SnapshotContext conclude()
    {
        if (concluded)
        {
            return this;
        }
        if (dir == null)
        {
            throw new ConfigException("snapshot directory not set");
        }
        if (retain < 0)
        {
            throw new ConfigException("quire.snapshot.retain must be 0 (keep all) or positive, got " + retain);
        }
        if (readOnly && !Files.isDirectory(dir))
        {
            throw new ConfigException("no snapshot directory at " + dir.toAbsolutePath() + " to open read-only");
        }
        if (limits == null)
        {
            throw new ConfigException("snapshot codec limits not set");
        }
        concluded = true;
        return this;
    }

    /** @return the snapshot directory. */
    public Path dir()
    {
        return dir;
    }

    /**
     * @param dir the snapshot directory (created if missing, unless read-only).
     * @return this.
     */
    public SnapshotContext dir(final Path dir)
    {
        this.dir = dir;
        return this;
    }

    /** @return whether snapshot files and their directories are forced to the device. */
    public boolean fsync()
    {
        return fsync;
    }

    /**
     * @param fsync force snapshot files and their directories to the device.
     * @return this.
     */
    public SnapshotContext fsync(final boolean fsync)
    {
        this.fsync = fsync;
        return this;
    }

    /** @return snapshots kept per document, 0 for all. */
    public int retain()
    {
        return retain;
    }

    /**
     * @param retain snapshots kept per document (the highest versions), 0 for all.
     * @return this.
     */
    public SnapshotContext retain(final int retain)
    {
        this.retain = retain;
        return this;
    }

    /** @return whether the store is opened read-only. */
    public boolean readOnly()
    {
        return readOnly;
    }

    /**
     * @param readOnly open read-only (tools): no writes, deletes or clean-up.
     * @return this.
     */
    public SnapshotContext readOnly(final boolean readOnly)
    {
        this.readOnly = readOnly;
        return this;
    }

    /** @return the limits headers are checked against, on write and on read. */
    public CodecLimits limits()
    {
        return limits;
    }

    /**
     * @param limits the limits headers are checked against; the engine passes the ones its edges enforce.
     * @return this.
     */
    public SnapshotContext limits(final CodecLimits limits)
    {
        this.limits = limits;
        return this;
    }

    boolean checkDocHash()
    {
        return checkDocHash;
    }

    /** Tests turn this off to make two documents share a hash; production always checks. */
    SnapshotContext checkDocHash(final boolean checkDocHash)
    {
        this.checkDocHash = checkDocHash;
        return this;
    }
}
