package io.quire.replay;

import io.quire.codec.ShardRouter;
import io.quire.codec.journal.JournalRecordDecoder;
import io.quire.engine.ot.Rope;
import io.quire.engine.ot.TextUnicode;
import io.quire.engine.shard.HistoryEntry;
import io.quire.engine.shard.JournalRecords;
import io.quire.engine.shard.RopeAppender;
import io.quire.engine.shard.SnapshotPersistence;
import io.quire.journal.JournalReader;
import io.quire.journal.JournalRecordHandler;
import io.quire.journal.snapshot.SnapshotCorruptedException;
import io.quire.journal.snapshot.SnapshotMeta;
import io.quire.journal.snapshot.SnapshotRef;
import io.quire.journal.snapshot.SnapshotStore;
import org.agrona.DirectBuffer;
import org.agrona.collections.Long2LongHashMap;
import org.agrona.collections.Long2ObjectHashMap;

import java.io.File;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.function.Consumer;

/**
 * Verifies one shard: a single pass over its journal that replays every document with the engine's OT code
 * ({@link SnapshotPersistence#applyRecord}) and recomputes each record's checksum, while checking what the journal
 * promises: CRCs and LSN continuity (from the {@link JournalReader}), consecutive versions and an unbroken
 * {@code prevLsn} chain per document, no client op committed twice, no epoch going back, and snapshots that agree
 * with the journal at their version.
 * <p>
 * After a problem the pass goes on: a document whose state is lost (a missing record, an op that does not apply)
 * is resynchronised at its next create or delete, or from a snapshot at the version of its next record, and
 * repeated checksum mismatches of one diverged document are counted rather than printed one by one.
 */
public final class JournalVerifier implements JournalRecordHandler
{
    /** Recent client ops remembered per document for exact duplicate detection. */
    static final int DUPLICATE_WINDOW = 4096;

    /** Per-shard totals. */
    public record Summary(
        long records, long firstLsn, long lastLsn, int documents, int snapshotsChecked, long problems, long nanos)
    {
    }

    private static final class Snapshot
    {
        final SnapshotRef ref;
        final SnapshotMeta meta;
        boolean reached;

        Snapshot(final SnapshotRef ref, final SnapshotMeta meta)
        {
            this.ref = ref;
            this.meta = meta;
        }
    }

    private static final class DocState
    {
        final byte[] collection;
        final byte[] docId;
        final String collectionName;
        final String docIdName;
        final String name;
        DocState nextWithSameHash;
        final Rope text = new Rope();
        long nextVersion;
        long lastLsn = -1;
        boolean synced = true;
        boolean diverged;
        long suppressed;
        final Long2LongHashMap lastSeq = new Long2LongHashMap(Long.MIN_VALUE);
        long[] recentRing = new long[16];
        int recentCount;
        int ringHead;
        List<Snapshot> snapshots = List.of();
        int snapshotCursor;

        DocState(final byte[] collection, final byte[] docId)
        {
            this.collection = collection;
            this.docId = docId;
            this.collectionName = new String(collection, StandardCharsets.UTF_8);
            this.docIdName = new String(docId, StandardCharsets.UTF_8);
            this.name = collectionName + "/" + docIdName;
        }
    }

    private final ShardData shard;
    private final Consumer<VerifyProblem> problems;
    private final JournalRecords records = new JournalRecords();
    private final HistoryEntry entry = new HistoryEntry();
    private final TextUnicode ot = new TextUnicode();
    private final Rope scratch = new Rope();
    private final Long2ObjectHashMap<DocState> docs = new Long2ObjectHashMap<>();
    private final Long2ObjectHashMap<List<Snapshot>> snapshotsByHash = new Long2ObjectHashMap<>();
    private SnapshotStore store;
    private JournalReader reader;
    private long problemCount;
    private long recordCount;
    private long firstLsn = -1;
    private long lastLsn = -1;
    private long maxEpoch = Long.MIN_VALUE;
    private long maxEpochLsn = -1;
    private int documents;
    private int snapshotsChecked;

    /**
     * @param shard    the shard.
     * @param problems receives each problem as it is found.
     */
    public JournalVerifier(final ShardData shard, final Consumer<VerifyProblem> problems)
    {
        this.shard = shard;
        this.problems = problems;
    }

    /**
     * Verify the shard.
     *
     * @param progress called every few thousand records with (records, last LSN, LSN of the journal's end).
     * @return the totals.
     */
    public Summary run(final ProgressListener progress)
    {
        final long start = System.nanoTime();
        store = shard.openSnapshots();
        try (JournalReader r = shard.openReader())
        {
            reader = r;
            loadSnapshotCatalog();
            r.problemHandler(p -> report(VerifyProblem.of(shard.id(), p)));
            final long end = r.lastLsn();
            while (r.poll(this, 64) > 0)
            {
                progress.onProgress(recordCount, lastLsn, end);
            }
            finish();
        }
        finally
        {
            if (store != null)
            {
                store.close();
            }
        }
        return new Summary(recordCount, firstLsn, lastLsn, documents, snapshotsChecked, problemCount,
            System.nanoTime() - start);
    }

    /** Receives progress. */
    @FunctionalInterface
    public interface ProgressListener
    {
        /**
         * @param records records read so far.
         * @param lsn     LSN of the last record read.
         * @param endLsn  LSN of the journal's last record when the pass started.
         */
        void onProgress(long records, long lsn, long endLsn);
    }

    private void report(final VerifyProblem problem)
    {
        problemCount++;
        problems.accept(problem);
    }

    private void report(
        final VerifyProblem.Kind kind, final long lsn, final long index, final int position, final String doc,
        final long version, final String detail)
    {
        final File file = reader.currentFile();
        report(new VerifyProblem(kind, shard.id(), file == null ? null : file.getPath(), index, position, lsn, doc,
            version, detail));
    }

    private void loadSnapshotCatalog()
    {
        if (store == null)
        {
            return;
        }
        for (final SnapshotRef ref : store.all())
        {
            try
            {
                final SnapshotMeta meta = store.readMeta(ref);
                snapshotsByHash.computeIfAbsent(ref.docHash(), h -> new ArrayList<>()).add(new Snapshot(ref, meta));
            }
            catch (final SnapshotCorruptedException | UncheckedIOException ex)
            {
                report(new VerifyProblem(VerifyProblem.Kind.SNAPSHOT_DAMAGED, shard.id(), ref.path().toString(), -1,
                    -1, -1, null, ref.version(), "header unreadable: " + ex.getMessage()));
            }
        }
    }

    @Override
    public void onRecord(
        final long lsn, final DirectBuffer buffer, final int offset, final int length, final long index,
        final int position)
    {
        recordCount++;
        if (firstLsn < 0)
        {
            firstLsn = lsn;
        }
        lastLsn = lsn;
        if (!records.isOpRecord(buffer, offset))
        {
            return;
        }
        final JournalRecordDecoder d;
        final long epoch;
        final long codePointLength;
        final int shardId;
        final DocState doc;
        try
        {
            d = records.wrap(buffer, offset);
            final long hash = d.docHash();
            epoch = d.epoch();
            codePointLength = d.codePointLength();
            shardId = d.shardId();
            records.decode(buffer, offset, lsn, entry);
            doc = document(hash, buffer, lsn, index, position);
        }
        catch (final RuntimeException ex)
        {
            report(VerifyProblem.Kind.MALFORMED_RECORD, lsn, index, position, null, -1,
                "CRC matches but the record cannot be decoded: " + ex);
            return;
        }
        final long version = entry.version();
        if (epoch < maxEpoch)
        {
            report(VerifyProblem.Kind.EPOCH_REGRESSION, lsn, index, position, doc.name, version,
                "epoch " + epoch + " after epoch " + maxEpoch + " (lsn " + maxEpochLsn + ")");
        }
        else if (epoch > maxEpoch)
        {
            maxEpoch = epoch;
            maxEpochLsn = lsn;
        }
        if (shardId != shard.id())
        {
            report(VerifyProblem.Kind.SHARD_MISMATCH, lsn, index, position, doc.name, version,
                "record names shard " + shardId);
        }
        if (checkDuplicate(doc, lsn, index, position, version) && version < doc.nextVersion)
        {
            return;
        }
        if (version < doc.nextVersion)
        {
            report(VerifyProblem.Kind.VERSION_REPEAT, lsn, index, position, doc.name, version,
                "the document is already at version " + doc.nextVersion + "; record not applied");
            return;
        }
        if (version > doc.nextVersion)
        {
            report(VerifyProblem.Kind.VERSION_GAP, lsn, index, position, doc.name, version,
                "versions " + doc.nextVersion + ".." + (version - 1) + " missing (previous record lsn " + doc.lastLsn +
                ", this record's prevLsn " + entry.prevLsn() + ")");
            doc.synced = false;
        }
        else if (entry.prevLsn() != doc.lastLsn)
        {
            report(VerifyProblem.Kind.CHAIN_BROKEN, lsn, index, position, doc.name, version,
                "prevLsn " + entry.prevLsn() + ", but the document's previous record is lsn " + doc.lastLsn);
        }
        skipSnapshotsBefore(doc, version);
        if (!doc.synced && entry.kind() == HistoryEntry.EDIT)
        {
            resyncFromSnapshot(doc, version);
        }
        doc.nextVersion = version + 1;
        doc.lastLsn = lsn;
        if (doc.synced || entry.kind() != HistoryEntry.EDIT)
        {
            apply(doc, lsn, index, position, version, codePointLength);
        }
        checkSnapshot(doc, lsn, version + 1);
    }

    private void apply(
        final DocState doc, final long lsn, final long index, final int position, final long version,
        final long codePointLength)
    {
        try
        {
            SnapshotPersistence.applyRecord(ot, doc.text, entry);
        }
        catch (final RuntimeException ex)
        {
            report(VerifyProblem.Kind.OP_NOT_APPLICABLE, lsn, index, position, doc.name, version,
                "op " + entry.op().toJson() + " does not apply to the " + doc.text.length() + "-code-point text: " +
                ex.getMessage());
            doc.synced = false;
            return;
        }
        if (entry.kind() != HistoryEntry.EDIT)
        {
            doc.synced = true;
            doc.diverged = false;
        }
        final long actual = entry.kind() == HistoryEntry.DELETE ? 0 : doc.text.checksum();
        final boolean lengthOk = codePointLength == doc.text.length();
        if (actual == entry.checksum() && lengthOk)
        {
            return;
        }
        if (doc.diverged)
        {
            doc.suppressed++;
            return;
        }
        doc.diverged = true;
        report(VerifyProblem.Kind.CHECKSUM_MISMATCH, lsn, index, position, doc.name, version,
            "text after the op has checksum " + Long.toHexString(actual) + " and " + doc.text.length() +
            " code points; the record says " + Long.toHexString(entry.checksum()) + " and " + codePointLength +
            " (later mismatches of this document are counted, not printed)");
    }

    /** @return true if the record is a duplicate of a client op already committed to the document. */
    private boolean checkDuplicate(
        final DocState doc, final long lsn, final long index, final int position, final long version)
    {
        final int sourceLength = entry.sourceLength();
        if (sourceLength == 0)
        {
            return false;
        }
        final byte[] source = entry.source();
        long sourceKey = 0xcbf29ce484222325L;
        for (int i = 0; i < sourceLength; i++)
        {
            sourceKey = (sourceKey ^ source[i]) * 0x100000001b3L;
        }
        final long seq = entry.seq();
        final long key = (sourceKey * 0x9E3779B97F4A7C15L) ^ seq;
        final long last = doc.lastSeq.get(sourceKey);
        if (last != Long.MIN_VALUE && seq <= last)
        {
            // Rare: committed seqs of a source only grow on a document, so only now is the window searched.
            final String src = new String(source, 0, sourceLength, StandardCharsets.UTF_8);
            if (recentlySeen(doc, key))
            {
                report(VerifyProblem.Kind.DUPLICATE_OP, lsn, index, position, doc.name, version,
                    "(source " + src + ", seq " + seq + ") was already committed to this document" +
                    (version < doc.nextVersion ? "; this record repeats version " + version : ""));
                return true;
            }
            report(VerifyProblem.Kind.SEQ_REGRESSION, lsn, index, position, doc.name, version,
                "seq " + seq + " of source " + src + " after seq " + last + " (a duplicate older than the last " +
                DUPLICATE_WINDOW + " ops of the document, or reordering)");
        }
        else
        {
            doc.lastSeq.put(sourceKey, seq);
        }
        remember(doc, key);
        return false;
    }

    private static boolean recentlySeen(final DocState doc, final long key)
    {
        for (int i = 0; i < doc.recentCount; i++)
        {
            if (doc.recentRing[i] == key)
            {
                return true;
            }
        }
        return false;
    }

    private static void remember(final DocState doc, final long key)
    {
        if (doc.recentCount < DUPLICATE_WINDOW)
        {
            if (doc.recentCount == doc.recentRing.length)
            {
                doc.recentRing = Arrays.copyOf(doc.recentRing, Math.min(DUPLICATE_WINDOW, doc.recentRing.length * 2));
            }
            doc.recentRing[doc.recentCount++] = key;
        }
        else
        {
            doc.recentRing[doc.ringHead] = key;
            doc.ringHead = (doc.ringHead + 1) % DUPLICATE_WINDOW;
        }
    }

    private DocState document(
        final long hash, final DirectBuffer buffer, final long lsn, final long index, final int position)
    {
        final int cOffset = records.lastCollectionOffset();
        final int cLength = records.lastCollectionLength();
        final int dOffset = records.lastDocIdOffset();
        final int dLength = records.lastDocIdLength();
        final DocState first = docs.get(hash);
        for (DocState s = first; s != null; s = s.nextWithSameHash)
        {
            if (ShardAccess.equal(buffer, cOffset, cLength, s.collection) &&
                ShardAccess.equal(buffer, dOffset, dLength, s.docId))
            {
                return s;
            }
        }
        final byte[] collection = new byte[cLength];
        buffer.getBytes(cOffset, collection);
        final byte[] docId = new byte[dLength];
        buffer.getBytes(dOffset, docId);
        final DocState doc = new DocState(collection, docId);
        doc.nextWithSameHash = first;
        docs.put(hash, doc);
        documents++;
        final long expected = ShardRouter.docHash(buffer, cOffset, cLength, buffer, dOffset, dLength);
        if (expected != hash)
        {
            report(VerifyProblem.Kind.DOC_HASH_MISMATCH, lsn, index, position, doc.name, entry.version(),
                String.format("docHash %016x, the hash of the name is %016x", hash, expected));
        }
        final List<Snapshot> candidates = snapshotsByHash.get(hash);
        if (candidates != null)
        {
            final List<Snapshot> own = new ArrayList<>();
            for (final Snapshot s : candidates)
            {
                if (s.meta.isOf(doc.collectionName, doc.docIdName))
                {
                    own.add(s);
                }
            }
            own.sort(Comparator.comparingLong(s -> s.meta.version()));
            doc.snapshots = own;
        }
        return doc;
    }

    private static void skipSnapshotsBefore(final DocState doc, final long version)
    {
        while (doc.snapshotCursor < doc.snapshots.size() &&
            doc.snapshots.get(doc.snapshotCursor).meta.version() < version)
        {
            doc.snapshots.get(doc.snapshotCursor++).reached = true;
        }
    }

    private void resyncFromSnapshot(final DocState doc, final long version)
    {
        for (int i = doc.snapshotCursor; i < doc.snapshots.size(); i++)
        {
            final Snapshot s = doc.snapshots.get(i);
            if (s.meta.version() != version)
            {
                break;
            }
            s.reached = true;
            if (loadInto(s, doc.text))
            {
                snapshotsChecked++;
                doc.synced = true;
                doc.diverged = false;
                return;
            }
        }
    }

    /** Load a snapshot's text, checking its CRC and its own checksum; a damaged one is reported. */
    private boolean loadInto(final Snapshot s, final Rope text)
    {
        text.clear();
        try
        {
            final RopeAppender appender = new RopeAppender(text);
            store.load(s.ref, appender);
            appender.finish();
        }
        catch (final SnapshotCorruptedException | UncheckedIOException | IllegalStateException ex)
        {
            report(new VerifyProblem(VerifyProblem.Kind.SNAPSHOT_DAMAGED, shard.id(), s.ref.path().toString(), -1,
                -1, s.meta.lsn(), s.meta.collection() + "/" + s.meta.docId(), s.meta.version(), ex.getMessage()));
            text.clear();
            return false;
        }
        if (text.checksum() != s.meta.checksum())
        {
            report(new VerifyProblem(VerifyProblem.Kind.SNAPSHOT_DAMAGED, shard.id(), s.ref.path().toString(), -1,
                -1, s.meta.lsn(), s.meta.collection() + "/" + s.meta.docId(), s.meta.version(),
                "its text has checksum " + Long.toHexString(text.checksum()) + ", its header says " +
                Long.toHexString(s.meta.checksum())));
            text.clear();
            return false;
        }
        return true;
    }

    /** Compare the snapshots of the document at {@code version} (its version after the record at lsn). */
    private void checkSnapshot(final DocState doc, final long lsn, final long version)
    {
        while (doc.snapshotCursor < doc.snapshots.size())
        {
            final Snapshot s = doc.snapshots.get(doc.snapshotCursor);
            if (s.meta.version() != version)
            {
                return;
            }
            doc.snapshotCursor++;
            s.reached = true;
            snapshotsChecked++;
            if (!loadInto(s, scratch))
            {
                continue;
            }
            final StringBuilder why = new StringBuilder();
            if (s.meta.lsn() != lsn)
            {
                why.append("covers lsn ").append(s.meta.lsn()).append(", the record at its version is lsn ")
                    .append(lsn).append("; ");
            }
            if (doc.synced && !doc.diverged)
            {
                if (scratch.checksum() != doc.text.checksum())
                {
                    why.append("text checksum ").append(Long.toHexString(s.meta.checksum()))
                        .append(", the journal's text has ").append(Long.toHexString(doc.text.checksum())).append("; ");
                }
                if (scratch.length() != doc.text.length())
                {
                    why.append(scratch.length()).append(" code points, the journal's text has ")
                        .append(doc.text.length()).append("; ");
                }
            }
            final boolean exists = entry.kind() != HistoryEntry.DELETE;
            if ((s.meta.docType() != null) != exists)
            {
                why.append("type ").append(s.meta.docType()).append(", but the document ")
                    .append(exists ? "exists" : "is deleted").append("; ");
            }
            if (why.length() > 0)
            {
                why.setLength(why.length() - 2);
                report(new VerifyProblem(VerifyProblem.Kind.SNAPSHOT_MISMATCH, shard.id(), s.ref.path().toString(),
                    -1, -1, lsn, doc.name, version, why.toString()));
            }
        }
    }

    private void finish()
    {
        for (final List<Snapshot> list : snapshotsByHash.values())
        {
            for (final Snapshot s : list)
            {
                if (!s.reached)
                {
                    report(new VerifyProblem(VerifyProblem.Kind.SNAPSHOT_BEYOND_JOURNAL, shard.id(),
                        s.ref.path().toString(), -1, -1, s.meta.lsn(), s.meta.collection() + "/" + s.meta.docId(),
                        s.meta.version(), "the journal never brings the document to this version (covers lsn " +
                        s.meta.lsn() + ", journal ends at lsn " + lastLsn + ")"));
                }
            }
        }
        for (final DocState doc : docs.values())
        {
            for (DocState d = doc; d != null; d = d.nextWithSameHash)
            {
                if (d.suppressed > 0)
                {
                    report(new VerifyProblem(VerifyProblem.Kind.CHECKSUM_MISMATCH, shard.id(), null, -1, -1, -1,
                        d.name, -1, d.suppressed + " further records of this document did not match their checksum " +
                        "after it diverged"));
                }
            }
        }
    }
}
