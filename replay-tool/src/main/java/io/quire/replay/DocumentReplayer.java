package io.quire.replay;

import io.quire.codec.ShardRouter;
import io.quire.engine.ot.Rope;
import io.quire.engine.ot.TextUnicode;
import io.quire.engine.shard.HistoryEntry;
import io.quire.engine.shard.RopeAppender;
import io.quire.engine.shard.SnapshotPersistence;
import io.quire.journal.snapshot.SnapshotCorruptedException;
import org.agrona.collections.Long2LongHashMap;
import org.agrona.collections.Long2ObjectHashMap;

import java.io.File;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.ArrayBlockingQueue;

/**
 * Replays the documents one {@link JournalVerifier} worker owns, record by record in LSN order, with the engine's OT
 * code: version and chain checks, duplicate client ops, the checksum after every op, and the snapshots at each
 * version. Runs on its own thread when a shard has several workers, on the reading thread otherwise.
 */
final class DocumentReplayer
{
    /** A document being replayed: its text, where its history stands, its snapshots. */
    static final class DocState
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
        List<JournalVerifier.Snapshot> snapshots = List.of();
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

    private final JournalVerifier verifier;
    final ArrayBlockingQueue<JournalVerifier.Batch> inbox = new ArrayBlockingQueue<>(4);
    final ArrayBlockingQueue<JournalVerifier.Batch> free = new ArrayBlockingQueue<>(4);
    private final TextUnicode ot = new TextUnicode();
    private final Rope scratch = new Rope();
    private final Long2ObjectHashMap<DocState> docs = new Long2ObjectHashMap<>();
    private HistoryEntry entry;
    private File file;
    int documents;
    int snapshotsChecked;

    /**
     * @param verifier the shard's verifier: snapshots, problem reports.
     */
    DocumentReplayer(final JournalVerifier verifier)
    {
        this.verifier = verifier;
    }

    /** @return the documents replayed, by hash (colliding documents chained). */
    Long2ObjectHashMap<DocState> documents()
    {
        return docs;
    }

    /** @return documents seen. */
    int documentCount()
    {
        return documents;
    }

    /** @return snapshots compared with the journal. */
    int snapshotsChecked()
    {
        return snapshotsChecked;
    }

    /** A worker thread's loop: replay batches until the last one. */
    void drain()
    {
        try
        {
            while (true)
            {
                final JournalVerifier.Batch batch = inbox.take();
                for (int i = 0; i < batch.size; i++)
                {
                    process(batch.slots[i]);
                }
                final boolean last = batch.last;
                free.put(batch);
                if (last)
                {
                    return;
                }
            }
        }
        catch (final InterruptedException ex)
        {
            Thread.currentThread().interrupt();
        }
        catch (final RuntimeException | Error ex)
        {
            verifier.fail(ex);
        }
    }

    void process(final JournalVerifier.Slot slot)
    {
        entry = slot.entry;
        file = slot.file;
        final long lsn = slot.lsn;
        final long index = slot.index;
        final int position = slot.position;
        final DocState doc = document(slot);
        final long version = entry.version();
        if (checkDuplicate(doc, lsn, index, position, version) && version < doc.nextVersion)
        {
            return;
        }
        if (version < doc.nextVersion)
        {
            verifier.report(VerifyProblem.Kind.VERSION_REPEAT, file, lsn, index, position, doc.name, version,
                "the document is already at version " + doc.nextVersion + "; record not applied");
            return;
        }
        if (version > doc.nextVersion)
        {
            verifier.report(VerifyProblem.Kind.VERSION_GAP, file, lsn, index, position, doc.name, version,
                "versions " + doc.nextVersion + ".." + (version - 1) + " missing (previous record lsn " +
                doc.lastLsn + ", this record's prevLsn " + entry.prevLsn() + ")");
            doc.synced = false;
        }
        else if (entry.prevLsn() != doc.lastLsn)
        {
            verifier.report(VerifyProblem.Kind.CHAIN_BROKEN, file, lsn, index, position, doc.name, version,
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
            apply(doc, lsn, index, position, version, slot.codePointLength);
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
            verifier.report(VerifyProblem.Kind.OP_NOT_APPLICABLE, file, lsn, index, position, doc.name, version,
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
        verifier.report(VerifyProblem.Kind.CHECKSUM_MISMATCH, file, lsn, index, position, doc.name, version,
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
                verifier.report(VerifyProblem.Kind.DUPLICATE_OP, file, lsn, index, position, doc.name, version,
                    "(source " + src + ", seq " + seq + ") was already committed to this document" +
                    (version < doc.nextVersion ? "; this record repeats version " + version : ""));
                return true;
            }
            verifier.report(VerifyProblem.Kind.SEQ_REGRESSION, file, lsn, index, position, doc.name, version,
                "seq " + seq + " of source " + src + " after seq " + last + " (a duplicate older than the last " +
                JournalVerifier.DUPLICATE_WINDOW + " ops of the document, or reordering)");
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
        if (doc.recentCount < JournalVerifier.DUPLICATE_WINDOW)
        {
            if (doc.recentCount == doc.recentRing.length)
            {
                doc.recentRing = Arrays.copyOf(doc.recentRing,
                    Math.min(JournalVerifier.DUPLICATE_WINDOW, doc.recentRing.length * 2));
            }
            doc.recentRing[doc.recentCount++] = key;
        }
        else
        {
            doc.recentRing[doc.ringHead] = key;
            doc.ringHead = (doc.ringHead + 1) % JournalVerifier.DUPLICATE_WINDOW;
        }
    }

    private DocState document(final JournalVerifier.Slot slot)
    {
        final DocState first = docs.get(slot.hash);
        for (DocState s = first; s != null; s = s.nextWithSameHash)
        {
            if (Arrays.equals(s.collection, 0, s.collection.length, slot.collection, 0, slot.collectionLength) &&
                Arrays.equals(s.docId, 0, s.docId.length, slot.docId, 0, slot.docIdLength))
            {
                return s;
            }
        }
        final DocState doc = new DocState(Arrays.copyOf(slot.collection, slot.collectionLength),
            Arrays.copyOf(slot.docId, slot.docIdLength));
        doc.nextWithSameHash = first;
        docs.put(slot.hash, doc);
        documents++;
        final long expected = ShardRouter.docHash(doc.collectionName, doc.docIdName);
        if (expected != slot.hash)
        {
            verifier.report(VerifyProblem.Kind.DOC_HASH_MISMATCH, file, slot.lsn, slot.index, slot.position, doc.name,
                entry.version(), String.format("docHash %016x, the hash of the name is %016x", slot.hash,
                expected));
        }
        final List<JournalVerifier.Snapshot> candidates = verifier.snapshotsFor(slot.hash);
        if (candidates != null)
        {
            final List<JournalVerifier.Snapshot> own = new ArrayList<>();
            for (final JournalVerifier.Snapshot s : candidates)
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
            final JournalVerifier.Snapshot s = doc.snapshots.get(i);
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
    private boolean loadInto(final JournalVerifier.Snapshot s, final Rope text)
    {
        text.clear();
        try
        {
            final RopeAppender appender = new RopeAppender(text);
            verifier.store().load(s.ref, appender);
            appender.finish();
        }
        catch (final SnapshotCorruptedException | UncheckedIOException | IllegalStateException ex)
        {
            verifier.report(new VerifyProblem(VerifyProblem.Kind.SNAPSHOT_DAMAGED, verifier.shardId(),
                s.ref.path().toString(), -1, -1, s.meta.lsn(), s.meta.collection() + "/" + s.meta.docId(),
                s.meta.version(), ex.getMessage()));
            text.clear();
            return false;
        }
        if (text.checksum() != s.meta.checksum())
        {
            verifier.report(new VerifyProblem(VerifyProblem.Kind.SNAPSHOT_DAMAGED, verifier.shardId(),
                s.ref.path().toString(), -1, -1, s.meta.lsn(), s.meta.collection() + "/" + s.meta.docId(),
                s.meta.version(), "its text has checksum " + Long.toHexString(text.checksum()) + ", its header says " +
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
            final JournalVerifier.Snapshot s = doc.snapshots.get(doc.snapshotCursor);
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
                verifier.report(new VerifyProblem(VerifyProblem.Kind.SNAPSHOT_MISMATCH, verifier.shardId(),
                    s.ref.path().toString(), -1, -1, lsn, doc.name, version, why.toString()));
            }
        }
    }
}
