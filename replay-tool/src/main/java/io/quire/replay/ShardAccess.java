package io.quire.replay;

import io.quire.engine.shard.HistoryEntry;
import io.quire.engine.shard.JournalRecordLookup;
import io.quire.engine.shard.JournalRecords;
import io.quire.journal.JournalProblem;
import io.quire.journal.JournalReader;
import io.quire.journal.JournalRecordHandler;
import io.quire.journal.snapshot.SnapshotCorruptedException;
import io.quire.journal.snapshot.SnapshotMeta;
import io.quire.journal.snapshot.SnapshotRef;
import io.quire.journal.snapshot.SnapshotStore;
import org.agrona.DirectBuffer;

import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * One shard opened for document lookups: random access to records by LSN (the engine's
 * {@link JournalRecordLookup}), a reader for short scans, and the snapshot store, all read-only. Damage met on the
 * way is collected as warnings rather than thrown, so a lookup still answers from the readable records.
 */
public final class ShardAccess implements AutoCloseable
{
    private static final int FIRST_WINDOW = 4096;
    private static final int MAX_WINDOW = 1 << 20;

    /**
     * A snapshot with its metadata.
     *
     * @param ref  the file.
     * @param meta its header.
     */
    public record Snapshot(SnapshotRef ref, SnapshotMeta meta)
    {
    }

    /**
     * Where a document's record is: the record at {@code version} has LSN {@code lsn}.
     *
     * @param version the record's version.
     * @param lsn     its LSN.
     */
    public record Anchor(long version, long lsn)
    {
    }

    private final ShardData shard;
    private final JournalRecordLookup lookup;
    private final JournalReader scanner;
    private final SnapshotStore snapshots;
    private final JournalRecords records = new JournalRecords();
    private final HistoryEntry scratch = new HistoryEntry();
    private final List<String> warnings = new ArrayList<>();

    /**
     * @param shard the shard.
     * @throws ToolException ({@link ExitCodes#NOT_FOUND}) if its journal cannot be opened.
     */
    public ShardAccess(final ShardData shard)
    {
        this.shard = shard;
        final JournalReader lookupReader = shard.openReader().problemHandler(this::warn);
        this.lookup = new JournalRecordLookup(lookupReader);
        this.scanner = shard.openReader().problemHandler(this::warn);
        this.snapshots = shard.openSnapshots();
    }

    private void warn(final JournalProblem problem)
    {
        final String text = "shard " + shard.id() + ": " + problem;
        if (!warnings.contains(text))
        {
            warnings.add(text);
        }
    }

    /** @return the shard. */
    public ShardData shard()
    {
        return shard;
    }

    /** @return random access by LSN. */
    public JournalRecordLookup lookup()
    {
        return lookup;
    }

    /** @return the snapshot store, or null if the shard has none. */
    public SnapshotStore snapshots()
    {
        return snapshots;
    }

    /** @return damage met so far (journal problems, unreadable snapshots), one line each. */
    public List<String> warnings()
    {
        return warnings;
    }

    /** @return the LSN of the journal's last record, 0 if empty. */
    public long lastLsn()
    {
        return scanner.lastLsn();
    }

    /**
     * The document's snapshots whose headers can be read, oldest first.
     *
     * @param doc the document.
     * @return its snapshots.
     */
    public List<Snapshot> snapshotsOf(final DocRef doc)
    {
        final List<Snapshot> out = new ArrayList<>();
        if (snapshots == null)
        {
            return out;
        }
        for (final SnapshotRef ref : snapshots.list(doc.hash()))
        {
            try
            {
                final SnapshotMeta meta = snapshots.readMeta(ref);
                if (meta.isOf(doc.collection(), doc.docId()))
                {
                    out.add(new Snapshot(ref, meta));
                }
            }
            catch (final SnapshotCorruptedException | UncheckedIOException ex)
            {
                warnings.add("shard " + shard.id() + ": snapshot " + ref.path() + " unreadable, skipped: " +
                    ex.getMessage());
            }
        }
        out.sort(Comparator.comparingLong(s -> s.meta().version()));
        return out;
    }

    /**
     * Find the document's last record at or after {@code lowerLsn}: scans windows of the journal backwards from its
     * end, doubling their size, so a recently edited document is found after reading a few batches.
     *
     * @param doc      the document.
     * @param lowerLsn an LSN known to be at or before the document's last record (1 if none is known).
     * @return the anchor, or null if the document has no record there.
     */
    public Anchor lastRecord(final DocRef doc, final long lowerLsn)
    {
        final long hash = doc.hash();
        final byte[] collection = doc.collection().getBytes(StandardCharsets.UTF_8);
        final byte[] docId = doc.docId().getBytes(StandardCharsets.UTF_8);
        long hi = lastLsn();
        long window = FIRST_WINDOW;
        final long lower = Math.max(1, lowerLsn);
        while (hi >= lower)
        {
            final long lo = Math.max(lower, hi - window + 1);
            final Anchor found = lastInRange(hash, collection, docId, lo, hi);
            if (found != null)
            {
                return found;
            }
            hi = lo - 1;
            window = Math.min(MAX_WINDOW, window * 2);
        }
        return null;
    }

    private Anchor lastInRange(final long hash, final byte[] collection, final byte[] docId, final long lo,
        final long hi)
    {
        final long[] found = {-1, -1};
        final boolean[] done = {false};
        final JournalRecordHandler handler = (lsn, buffer, offset, length, index, position) ->
        {
            if (lsn > hi)
            {
                done[0] = true;
                return;
            }
            if (lsn < lo || !records.isOpRecord(buffer, offset) || records.wrap(buffer, offset).docHash() != hash)
            {
                return;
            }
            records.decode(buffer, offset, lsn, scratch);
            if (equal(buffer, records.lastCollectionOffset(), records.lastCollectionLength(), collection) &&
                equal(buffer, records.lastDocIdOffset(), records.lastDocIdLength(), docId))
            {
                found[0] = scratch.version();
                found[1] = lsn;
            }
        };
        scanner.seekLsn(lo);
        while (!done[0] && scanner.poll(handler, 16) > 0)
        {
            // The handler marks the end of the range; the last batch may run past it.
        }
        return found[1] < 0 ? null : new Anchor(found[0], found[1]);
    }

    /**
     * Read a document's records in an LSN range in one sequential pass: one seek, then a stream that decodes only
     * the records whose hash and name are the document's.
     *
     * @param doc     the document.
     * @param fromLsn first LSN of the range.
     * @param toLsn   last LSN of the range.
     * @return the document's records in the range, by LSN.
     */
    public Map<Long, HistoryEntry> scan(final DocRef doc, final long fromLsn, final long toLsn)
    {
        final long hash = doc.hash();
        final byte[] collection = doc.collection().getBytes(StandardCharsets.UTF_8);
        final byte[] docId = doc.docId().getBytes(StandardCharsets.UTF_8);
        final Map<Long, HistoryEntry> out = new HashMap<>();
        final boolean[] done = {false};
        final JournalRecordHandler handler = (lsn, buffer, offset, length, index, position) ->
        {
            if (lsn > toLsn)
            {
                done[0] = true;
                return;
            }
            if (lsn < fromLsn || !records.isOpRecord(buffer, offset) || records.wrap(buffer, offset).docHash() != hash)
            {
                return;
            }
            final HistoryEntry entry = new HistoryEntry();
            records.decode(buffer, offset, lsn, entry);
            if (equal(buffer, records.lastCollectionOffset(), records.lastCollectionLength(), collection) &&
                equal(buffer, records.lastDocIdOffset(), records.lastDocIdLength(), docId))
            {
                out.put(lsn, entry);
            }
        };
        scanner.seekLsn(Math.max(1, fromLsn));
        while (!done[0] && scanner.poll(handler, 16) > 0)
        {
            // The handler marks the end of the range.
        }
        return out;
    }

    /**
     * Read one op record.
     *
     * @param lsn  its LSN.
     * @param view receives it.
     * @return false if there is no readable op record with that LSN.
     */
    public boolean read(final long lsn, final RecordView view)
    {
        final boolean[] ok = {false};
        return lookup.read(lsn, (l, buffer, offset, length, index, position) ->
        {
            if (records.isOpRecord(buffer, offset))
            {
                view.decode(l, buffer, offset, length, index, position);
                ok[0] = true;
            }
        }) && ok[0];
    }

    /**
     * @param buffer a buffer.
     * @param offset first byte.
     * @param length length.
     * @param bytes  bytes to compare with.
     * @return true if equal.
     */
    static boolean equal(final DirectBuffer buffer, final int offset, final int length, final byte[] bytes)
    {
        if (length != bytes.length)
        {
            return false;
        }
        for (int i = 0; i < length; i++)
        {
            if (buffer.getByte(offset + i) != bytes[i])
            {
                return false;
            }
        }
        return true;
    }

    @Override
    public void close()
    {
        lookup.close();
        scanner.close();
        if (snapshots != null)
        {
            snapshots.close();
        }
    }
}
