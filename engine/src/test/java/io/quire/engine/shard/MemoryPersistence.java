package io.quire.engine.shard;

import io.quire.engine.ot.Rope;

import java.util.HashMap;
import java.util.Map;

/**
 * Snapshots kept in a map, for sequencer tests that exercise unloading without files. The engine itself uses
 * snapshot files (see SnapshotPersistence).
 */
final class MemoryPersistence implements DocumentPersistence
{
    record Saved(long version, boolean exists, String text, long lastLsn, long createVersion, long createSeq,
        byte[] createSource, long checksum)
    {
    }

    final Map<String, Saved> saved = new HashMap<>();
    int saves;
    int loadsFromSnapshot;
    /** Whether {@link #saveInBackground} takes a snapshot (as a background writer with a free job does) or refuses. */
    boolean backgroundFree = true;
    int backgroundSaves;

    private static String key(final Document d)
    {
        return d.collection() + "/" + d.docId();
    }

    @Override
    public void find(final Document shell)
    {
        final Saved s = saved.get(key(shell));
        if (s != null)
        {
            shell.version = s.version();
            shell.exists = s.exists();
            shell.lastLsn = s.lastLsn();
            shell.snapshotVersion = s.version();
            shell.createVersion = s.createVersion();
            shell.createSeq = s.createSeq();
            shell.createSource = s.createSource();
        }
    }

    @Override
    public void load(final Document document)
    {
        final Saved s = saved.get(key(document));
        if (s == null || s.version() != document.version)
        {
            throw new IllegalStateException("no snapshot of " + document + " at its version");
        }
        document.text = new Rope(s.text());
        if (document.text.checksum() != s.checksum())
        {
            throw new IllegalStateException("checksum mismatch loading " + document);
        }
        loadsFromSnapshot++;
    }

    @Override
    public long loadAtOrBefore(final Document document, final long version, final Rope out)
    {
        return 0;
    }

    /** A background writer whose job is done at once: taken, or refused while {@link #backgroundFree} is false. */
    @Override
    public boolean saveInBackground(final Document document)
    {
        if (!backgroundFree)
        {
            return false;
        }
        save(document);
        backgroundSaves++;
        return true;
    }

    @Override
    public void save(final Document d)
    {
        saved.put(key(d), new Saved(d.version, d.exists, d.text.toString(), d.lastLsn, d.createVersion, d.createSeq,
            d.createSource, d.text.checksum()));
        d.snapshotVersion = d.version;
        saves++;
    }
}
