package io.quire.engine.shard;

import io.quire.codec.CodecConstants;
import io.quire.engine.ot.Rope;
import io.quire.engine.ot.TextUnicode;
import io.quire.journal.snapshot.CorruptSnapshotPolicy;
import io.quire.journal.snapshot.SnapshotMeta;
import io.quire.journal.snapshot.SnapshotRef;
import io.quire.journal.snapshot.SnapshotStore;
import org.agrona.concurrent.EpochNanoClock;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.function.LongSupplier;

/**
 * Documents at rest: the latest snapshot at or before a document's version plus the journal records after it
 * (walked by {@code prevLsn}), verified against the checksum the journal recorded after the last op.
 */
public final class SnapshotPersistence implements DocumentPersistence
{
    private static final Logger LOG = LoggerFactory.getLogger(SnapshotPersistence.class);

    private final int shardId;
    private final SnapshotStore store;
    private final JournalHistory journal;
    private final LongSupplier epoch;
    private final EpochNanoClock clock;
    private final TextUnicode ot = new TextUnicode();
    private final List<HistoryEntry> tail = new ArrayList<>();
    private final Set<Path> contradicted = new HashSet<>();
    private long snapshotsWritten;
    private long snapshotBytes;
    private SnapshotWriter background;

    /**
     * @param shardId shard number.
     * @param store   the shard's snapshot store.
     * @param records journal lookups.
     * @param epoch   current epoch (stamped on snapshots).
     * @param clock   wall clock.
     */
    public SnapshotPersistence(
        final int shardId, final SnapshotStore store, final RecordLookup records, final LongSupplier epoch,
        final EpochNanoClock clock)
    {
        this.shardId = shardId;
        this.store = store;
        this.journal = new JournalHistory(records);
        this.epoch = epoch;
        this.clock = clock;
    }

    @Override
    public void find(final Document shell)
    {
        final Optional<SnapshotRef> ref = store.latest(
            shell.hash, shell.collectionString, shell.docIdString, CorruptSnapshotPolicy.SKIP);
        if (ref.isPresent())
        {
            final SnapshotMeta meta = store.readMeta(ref.get());
            shell.version = meta.version();
            shell.exists = meta.docType() != null;
            shell.lastLsn = meta.lsn();
            shell.snapshotVersion = meta.version();
            shell.createVersion = meta.createVersion();
            shell.createSeq = meta.createSeq();
            shell.createSource = meta.createSource().getBytes(java.nio.charset.StandardCharsets.UTF_8);
            shell.acl.fromSnapshot(meta.acl());
        }
    }

    @Override
    public void load(final Document doc)
    {
        final Rope text = new Rope();
        final long found = loadChecked(doc, doc.version, text, true);
        final long version = Math.max(found, 0);
        if (found >= 0)
        {
            doc.snapshotVersion = found;
        }
        tail.clear();
        if (version < doc.version && !journal.collect(doc.lastLsn, doc.version - 1, version, doc.version,
            Long.MAX_VALUE, tail))
        {
            throw new IllegalStateException("cannot load " + doc + ": " + journal.problem());
        }
        for (final HistoryEntry e : tail)
        {
            applyRecord(ot, text, e);
            if (e.checksum != (e.kind == HistoryEntry.DELETE ? 0 : text.checksum()))
            {
                throw new IllegalStateException("rebuilding " + doc + ": text after version " + e.version +
                    " does not match the journaled checksum");
            }
            final HistoryEntry slot = doc.history.append(e.version, Long.MAX_VALUE);
            JournalHistory.copy(e, slot);
            slot.ringSequence = -1;
        }
        doc.text = text;
        doc.opsSinceSnapshot = doc.version - version;
        doc.journalBytesSinceSnapshot = tail.isEmpty() ? 0 : journal.collectedBytes();
    }

    @Override
    public long loadAtOrBefore(final Document doc, final long version, final Rope out)
    {
        return Math.max(loadChecked(doc, version, out, false), 0);
    }

    /**
     * Load the newest snapshot at or before a version whose text matches its own checksum and which the journal does
     * not contradict ({@link JournalHistory#contradiction}); snapshots that fail are passed over (and logged once
     * each), so the caller starts from an older one or from the journal's start.
     *
     * @param doc      the document.
     * @param version  the newest version wanted.
     * @param out      receives the snapshot's text (left empty when there is none).
     * @param strict   whether a snapshot that does not match its own checksum stops the load (an engine load) rather
     *                 than being passed over (a past version's rebuild).
     * @return the snapshot's version, or -1 when there is none.
     */
    private long loadChecked(final Document doc, final long version, final Rope out, final boolean strict)
    {
        long upTo = version;
        while (upTo >= 0)
        {
            final Optional<SnapshotRef> ref = store.latestAtOrBefore(
                doc.hash, doc.collectionString, doc.docIdString, upTo, CorruptSnapshotPolicy.SKIP);
            if (ref.isEmpty())
            {
                break;
            }
            out.clear();
            final RopeAppender appender = new RopeAppender(out);
            final SnapshotMeta meta = store.load(ref.get(), appender);
            appender.finish();
            if (out.checksum() != meta.checksum())
            {
                if (strict)
                {
                    throw new IllegalStateException("snapshot " + ref.get().path() + " of " + doc +
                        " does not match its checksum: refusing to load it");
                }
                break;
            }
            final String contradiction = journal.contradiction(meta.lsn(), meta.version(), meta.checksum());
            if (contradiction == null)
            {
                return meta.version();
            }
            if (contradicted.add(ref.get().path()))
            {
                LOG.warn("shard {}: snapshot {} of {} at version {} is passed over: {} (engines before this " +
                    "check could write such a file while recovering; `scripts/quire replay verify` reports them)",
                    shardId, ref.get().path(), doc, meta.version(), contradiction);
            }
            upTo = meta.version() - 1;
        }
        out.clear();
        return -1;
    }

    /**
     * Apply a journaled op (create / edit / delete) to a text.
     *
     * @param ot    the OT type.
     * @param text  the text at the op's version.
     * @param entry the op.
     */
    public static void applyRecord(final TextUnicode ot, final Rope text, final HistoryEntry entry)
    {
        switch (entry.kind)
        {
            case HistoryEntry.CREATE:
                text.clear();
                if (entry.op.size() > 0)
                {
                    text.insert(0, entry.op.textBuffer(), entry.op.textStart(0), entry.op.textLength(0));
                }
                break;
            case HistoryEntry.DELETE:
                text.clear();
                break;
            default:
                ot.apply(entry.op, text);
                break;
        }
    }

    @Override
    public void save(final Document doc)
    {
        final Rope text = doc.text;
        final SnapshotMeta meta = new SnapshotMeta(shardId, doc.hash, doc.collectionString, doc.docIdString,
            doc.version, doc.lastLsn, epoch.getAsLong(), doc.exists ? text.checksum() : 0,
            doc.exists ? CodecConstants.TEXT_UNICODE_URI : null, doc.createVersion,
            new String(doc.createSource, java.nio.charset.StandardCharsets.UTF_8), doc.createSeq, clock.nanoTime(),
            text.utf16Length(), text.length(), doc.acl.toSnapshot());
        final SnapshotRef ref = store.write(meta, consumer -> text.forEachChunk(consumer::accept));
        doc.snapshotVersion = doc.version;
        doc.snapshotTaken();
        snapshotsWritten++;
        snapshotBytes += ref.size();
    }

    @Override
    public boolean saveInBackground(final Document doc)
    {
        return saveInBackground(doc, false);
    }

    @Override
    public boolean saveForUnload(final Document doc)
    {
        return saveInBackground(doc, true);
    }

    private boolean saveInBackground(final Document doc, final boolean unloading)
    {
        if (background == null)
        {
            save(doc);
            return true;
        }
        final boolean taken = unloading ? background.submitUnload(doc, epoch.getAsLong(), clock.nanoTime()) :
            background.submit(doc, epoch.getAsLong(), clock.nanoTime());
        if (!taken)
        {
            return false;
        }
        doc.snapshotVersion = doc.version;
        doc.snapshotTaken();
        snapshotsWritten++;
        return true;
    }

    /**
     * Write periodic snapshots on a background thread from now on ({@link #saveInBackground}); saves for unloads
     * and at shutdown stay synchronous.
     *
     * @param writer the shard's snapshot writer.
     */
    public void writeInBackground(final SnapshotWriter writer)
    {
        this.background = writer;
    }

    /** @return snapshots written (or handed to the background writer) since start. */
    public long snapshotsWritten()
    {
        return snapshotsWritten;
    }

    /** @return bytes of snapshots written since start. */
    public long snapshotBytes()
    {
        return snapshotBytes + (background == null ? 0 : background.bytesWritten());
    }

    /** @return the store. */
    public SnapshotStore store()
    {
        return store;
    }
}
