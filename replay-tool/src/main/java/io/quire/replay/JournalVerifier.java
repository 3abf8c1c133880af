package io.quire.replay;

import io.quire.codec.journal.JournalRecordDecoder;
import io.quire.engine.shard.HistoryEntry;
import io.quire.engine.shard.JournalRecords;
import io.quire.engine.shard.SnapshotPersistence;
import io.quire.journal.JournalReader;
import io.quire.journal.JournalRecordHandler;
import io.quire.journal.snapshot.SnapshotCorruptedException;
import io.quire.journal.snapshot.SnapshotMeta;
import io.quire.journal.snapshot.SnapshotRef;
import io.quire.journal.snapshot.SnapshotStore;
import org.agrona.DirectBuffer;
import org.agrona.collections.Long2ObjectHashMap;

import java.io.File;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
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

    static final class Snapshot
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

    /** Records handed to a worker at once. */
    static final int BATCH = 256;

    /** One decoded op record on its way to the worker owning its document. */
    static final class Slot
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
    static final class Batch
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
    private final List<DocumentReplayer> replayers = new ArrayList<>();
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
        for (final DocumentReplayer replayer : replayers)
        {
            documents += replayer.documentCount();
            snapshotsChecked += replayer.snapshotsChecked();
        }
        return new Summary(recordCount, firstLsn, lastLsn, documents, snapshotsChecked, problemCount,
            System.nanoTime() - start);
    }

    private void startWorkers()
    {
        for (int i = 0; i < workerCount; i++)
        {
            replayers.add(new DocumentReplayer(this));
        }
        if (workerCount == 1)
        {
            filling = new Batch[] {new Batch()};
            return;
        }
        filling = new Batch[workerCount];
        for (int i = 0; i < workerCount; i++)
        {
            final DocumentReplayer replayer = replayers.get(i);
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
        final DocumentReplayer replayer = replayers.get(i);
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

    synchronized void report(final VerifyProblem problem)
    {
        problemCount++;
        problems.accept(problem);
    }

    void report(
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

    /** @return the shard's snapshots filed under a hash, or null. */
    List<Snapshot> snapshotsFor(final long hash)
    {
        return snapshotsByHash.get(hash);
    }

    /** @return the shard's snapshot store, or null. */
    SnapshotStore store()
    {
        return store;
    }

    /** @return the shard number. */
    int shardId()
    {
        return shard.id();
    }

    /** @param failure what stopped a worker; the reading thread rethrows it. */
    void fail(final Throwable failure)
    {
        workerFailure = failure;
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
        for (final DocumentReplayer replayer : replayers)
        {
            for (final DocumentReplayer.DocState doc : replayer.documents().values())
            {
                for (DocumentReplayer.DocState d = doc; d != null; d = d.nextWithSameHash)
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
