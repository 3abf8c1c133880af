package io.quire.engine.shard;

import io.quire.codec.CodecConstants;
import io.quire.engine.ot.Rope;
import io.quire.engine.ot.TextUnicode;
import io.quire.journal.snapshot.CorruptSnapshotPolicy;
import io.quire.journal.snapshot.SnapshotMeta;
import io.quire.journal.snapshot.SnapshotRef;
import io.quire.journal.snapshot.SnapshotStore;
import org.agrona.concurrent.EpochNanoClock;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.function.LongSupplier;

/**
 * Documents at rest: the latest snapshot at or before a document's version plus the journal records after it
 * (walked by {@code prevLsn}), verified against the checksum the journal recorded after the last op.
 */
public final class SnapshotPersistence implements DocumentPersistence
{
    private final int shardId;
    private final SnapshotStore store;
    private final JournalHistory journal;
    private final LongSupplier epoch;
    private final EpochNanoClock clock;
    private final TextUnicode ot = new TextUnicode();
    private final List<HistoryEntry> tail = new ArrayList<>();
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
        long version = 0;
        final Optional<SnapshotRef> ref = store.latestAtOrBefore(
            doc.hash, doc.collectionString, doc.docIdString, doc.version, CorruptSnapshotPolicy.SKIP);
        if (ref.isPresent())
        {
            final RopeAppender appender = new RopeAppender(text);
            final SnapshotMeta meta = store.load(ref.get(), appender);
            appender.finish();
            if (text.checksum() != meta.checksum())
            {
                throw new IllegalStateException("snapshot " + ref.get().path() + " of " + doc +
                    " does not match its checksum: refusing to load it");
            }
            version = meta.version();
            doc.snapshotVersion = version;
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
        final Optional<SnapshotRef> ref = store.latestAtOrBefore(
            doc.hash, doc.collectionString, doc.docIdString, version, CorruptSnapshotPolicy.SKIP);
        if (ref.isEmpty())
        {
            return 0;
        }
        out.clear();
        final RopeAppender appender = new RopeAppender(out);
        final SnapshotMeta meta = store.load(ref.get(), appender);
        appender.finish();
        if (out.checksum() != meta.checksum())
        {
            out.clear();
            return 0;
        }
        return meta.version();
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
        if (background == null)
        {
            save(doc);
            return true;
        }
        if (!background.submit(doc, epoch.getAsLong(), clock.nanoTime()))
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
