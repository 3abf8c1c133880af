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
import java.util.concurrent.ArrayBlockingQueue;
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
 * <p>
 * Documents are independent, so with more than one worker the reading thread checks the journal and decodes each
 * record, and hands it to the worker that owns its document (by hash), in batches; each worker replays its
 * documents in LSN order. Problems are then reported as workers find them, not strictly in LSN order.
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

    /** Records handed to a worker at once. */
    static final int BATCH = 256;

    /** One decoded op record on its way to the worker owning its document. */
    private static final class Slot
    {
        final HistoryEntry entry = new HistoryEntry();
        long hash;
        long lsn;
        long index;
        int position;
        File file;
        long codePointLength;
        byte[] collection = new byte[32];
        int collectionLength;
        byte[] docId = new byte[32];
        int docIdLength;
    }

    /** A batch of slots; an empty batch with {@code last} set ends a worker. */
    private static final class Batch
    {
        final Slot[] slots = new Slot[BATCH];
        int size;
        boolean last;

        Batch()
        {
            for (int i = 0; i < BATCH; i++)
            {
                slots[i] = new Slot();
            }
        }
    }

    private final ShardData shard;
    private final Consumer<VerifyProblem> problems;
    private final int workerCount;
    private final JournalRecords records = new JournalRecords();
    private final Long2ObjectHashMap<List<Snapshot>> snapshotsByHash = new Long2ObjectHashMap<>();
    private final List<Replayer> replayers = new ArrayList<>();
    private final List<Thread> threads = new ArrayList<>();
    private Batch[] filling;
    private SnapshotStore store;
    private JournalReader reader;
    private long problemCount;
    private long recordCount;
    private long firstLsn = -1;
    private long lastLsn = -1;
    private long maxEpoch = Long.MIN_VALUE;
    private long maxEpochLsn = -1;
    private volatile Throwable workerFailure;

    /**
     * @param shard    the shard.
     * @param problems receives each problem as it is found (from several threads, one call at a time).
     * @param workers  threads replaying documents; 1 replays them on the reading thread.
     */
    public JournalVerifier(final ShardData shard, final Consumer<VerifyProblem> problems, final int workers)
    {
        this.shard = shard;
        this.problems = problems;
        this.workerCount = Math.max(1, workers);
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
            startWorkers();
            r.problemHandler(p -> report(VerifyProblem.of(shard.id(), p)));
            final long end = r.lastLsn();
            while (r.poll(this, 64) > 0)
            {
                progress.onProgress(recordCount, lastLsn, end);
                checkWorkers();
            }
            stopWorkers();
            finish();
        }
        finally
        {
            for (final Thread t : threads)
            {
                t.interrupt();
            }
            if (store != null)
            {
                store.close();
            }
        }
        int documents = 0;
        int snapshotsChecked = 0;
        for (final Replayer replayer : replayers)
        {
            documents += replayer.documents;
            snapshotsChecked += replayer.snapshotsChecked;
        }
        return new Summary(recordCount, firstLsn, lastLsn, documents, snapshotsChecked, problemCount,
            System.nanoTime() - start);
    }

    private void startWorkers()
    {
        for (int i = 0; i < workerCount; i++)
        {
            replayers.add(new Replayer());
        }
        if (workerCount == 1)
        {
            filling = new Batch[] {new Batch()};
            return;
        }
        filling = new Batch[workerCount];
        for (int i = 0; i < workerCount; i++)
        {
            final Replayer replayer = replayers.get(i);
            filling[i] = new Batch();
            for (int k = 0; k < 3; k++)
            {
                replayer.free.add(new Batch());
            }
            final Thread t = new Thread(replayer::drain, "quire-verify-shard-" + shard.id() + "-" + i);
            t.setDaemon(true);
            threads.add(t);
            t.start();
        }
    }

    private void stopWorkers()
    {
        if (workerCount == 1)
        {
            return;
        }
        for (int i = 0; i < workerCount; i++)
        {
            hand(i);
            filling[i].last = true;
            hand(i);
        }
        for (final Thread t : threads)
        {
            try
            {
                t.join();
            }
            catch (final InterruptedException ex)
            {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("interrupted while waiting for the verify workers", ex);
            }
        }
        checkWorkers();
    }

    private void checkWorkers()
    {
        final Throwable failure = workerFailure;
        if (failure instanceof RuntimeException ex)
        {
            throw ex;
        }
        if (failure != null)
        {
            throw new IllegalStateException("verify worker failed", failure);
        }
    }

    /** Give worker i its filling batch (even a partial or empty one) and take a free one. */
    private void hand(final int i)
    {
        final Replayer replayer = replayers.get(i);
        try
        {
            replayer.inbox.put(filling[i]);
            Batch next;
            while ((next = replayer.free.poll(100, java.util.concurrent.TimeUnit.MILLISECONDS)) == null)
            {
                checkWorkers();
            }
            next.size = 0;
            next.last = false;
            filling[i] = next;
        }
        catch (final InterruptedException ex)
        {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while handing records to a verify worker", ex);
        }
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

    private synchronized void report(final VerifyProblem problem)
    {
        problemCount++;
        problems.accept(problem);
    }

    private void report(
        final VerifyProblem.Kind kind, final File file, final long lsn, final long index, final int position,
        final String doc, final long version, final String detail)
    {
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
        final long hash;
        final long epoch;
        final int shardId;
        final int worker;
        final Slot slot;
        try
        {
            final JournalRecordDecoder d = records.wrap(buffer, offset);
            hash = d.docHash();
            epoch = d.epoch();
            shardId = d.shardId();
            worker = workerCount == 1 ? 0 : (int)Long.remainderUnsigned(hash * 0x9E3779B97F4A7C15L, workerCount);
            slot = filling[worker].slots[filling[worker].size];
            slot.codePointLength = d.codePointLength();
            records.decode(buffer, offset, lsn, slot.entry);
        }
        catch (final RuntimeException ex)
        {
            report(VerifyProblem.Kind.MALFORMED_RECORD, reader.currentFile(), lsn, index, position, null, -1,
                "CRC matches but the record cannot be decoded: " + ex);
            return;
        }
        slot.hash = hash;
        slot.lsn = lsn;
        slot.index = index;
        slot.position = position;
        slot.file = reader.currentFile();
        slot.collectionLength = records.lastCollectionLength();
        slot.collection = copy(buffer, records.lastCollectionOffset(), slot.collectionLength, slot.collection);
        slot.docIdLength = records.lastDocIdLength();
        slot.docId = copy(buffer, records.lastDocIdOffset(), slot.docIdLength, slot.docId);
        if (epoch < maxEpoch)
        {
            report(VerifyProblem.Kind.EPOCH_REGRESSION, slot.file, lsn, index, position, name(slot),
                slot.entry.version(), "epoch " + epoch + " after epoch " + maxEpoch + " (lsn " + maxEpochLsn + ")");
        }
        else if (epoch > maxEpoch)
        {
            maxEpoch = epoch;
            maxEpochLsn = lsn;
        }
        if (shardId != shard.id())
        {
            report(VerifyProblem.Kind.SHARD_MISMATCH, slot.file, lsn, index, position, name(slot),
                slot.entry.version(), "record names shard " + shardId);
        }
        if (workerCount == 1)
        {
            replayers.get(0).process(slot);
        }
        else if (++filling[worker].size == BATCH)
        {
            hand(worker);
        }
    }

    private static byte[] copy(final DirectBuffer buffer, final int offset, final int length, final byte[] into)
    {
        final byte[] out = into.length >= length ? into : new byte[Math.max(length, into.length * 2)];
        buffer.getBytes(offset, out, 0, length);
        return out;
    }

    private static String name(final Slot slot)
    {
        return new String(slot.collection, 0, slot.collectionLength, StandardCharsets.UTF_8) + "/" +
            new String(slot.docId, 0, slot.docIdLength, StandardCharsets.UTF_8);
    }

    /** Replays the documents it owns, in LSN order; on its own thread when there are several workers. */
    private final class Replayer
    {
        final ArrayBlockingQueue<Batch> inbox = new ArrayBlockingQueue<>(4);
        final ArrayBlockingQueue<Batch> free = new ArrayBlockingQueue<>(4);
        private final TextUnicode ot = new TextUnicode();
        private final Rope scratch = new Rope();
        private final Long2ObjectHashMap<DocState> docs = new Long2ObjectHashMap<>();
        private HistoryEntry entry;
        private File file;
        int documents;
        int snapshotsChecked;

        void drain()
        {
            try
            {
                while (true)
                {
                    final Batch batch = inbox.take();
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
                workerFailure = ex;
            }
        }

        void process(final Slot slot)
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
                report(VerifyProblem.Kind.VERSION_REPEAT, file, lsn, index, position, doc.name, version,
                    "the document is already at version " + doc.nextVersion + "; record not applied");
                return;
            }
            if (version > doc.nextVersion)
            {
                report(VerifyProblem.Kind.VERSION_GAP, file, lsn, index, position, doc.name, version,
                    "versions " + doc.nextVersion + ".." + (version - 1) + " missing (previous record lsn " +
                    doc.lastLsn + ", this record's prevLsn " + entry.prevLsn() + ")");
                doc.synced = false;
            }
            else if (entry.prevLsn() != doc.lastLsn)
            {
                report(VerifyProblem.Kind.CHAIN_BROKEN, file, lsn, index, position, doc.name, version,
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
                report(VerifyProblem.Kind.OP_NOT_APPLICABLE, file, lsn, index, position, doc.name, version,
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
            report(VerifyProblem.Kind.CHECKSUM_MISMATCH, file, lsn, index, position, doc.name, version,
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
                    report(VerifyProblem.Kind.DUPLICATE_OP, file, lsn, index, position, doc.name, version,
                        "(source " + src + ", seq " + seq + ") was already committed to this document" +
                        (version < doc.nextVersion ? "; this record repeats version " + version : ""));
                    return true;
                }
                report(VerifyProblem.Kind.SEQ_REGRESSION, file, lsn, index, position, doc.name, version,
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

        private DocState document(final Slot slot)
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
                report(VerifyProblem.Kind.DOC_HASH_MISMATCH, file, slot.lsn, slot.index, slot.position, doc.name,
                    entry.version(), String.format("docHash %016x, the hash of the name is %016x", slot.hash,
                    expected));
            }
            final List<Snapshot> candidates = snapshotsByHash.get(slot.hash);
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
        for (final Replayer replayer : replayers)
        {
            for (final DocState doc : replayer.docs.values())
            {
                for (DocState d = doc; d != null; d = d.nextWithSameHash)
                {
                    if (d.suppressed > 0)
                    {
                        report(new VerifyProblem(VerifyProblem.Kind.CHECKSUM_MISMATCH, shard.id(), null, -1, -1, -1,
                            d.name, -1, d.suppressed + " further records of this document did not match their " +
                            "checksum after it diverged"));
                    }
                }
            }
        }
    }
}
