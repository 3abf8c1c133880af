package io.quire.engine.shard;

import io.quire.codec.CodecConstants;
import io.quire.engine.ot.Rope;
import io.quire.journal.snapshot.CharChunkConsumer;
import io.quire.journal.snapshot.CharChunkSource;
import io.quire.journal.snapshot.SnapshotMeta;
import io.quire.journal.snapshot.SnapshotRef;
import io.quire.journal.snapshot.SnapshotStore;
import org.agrona.concurrent.OneToOneConcurrentArrayQueue;
import org.agrona.concurrent.status.AtomicCounter;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.nio.charset.StandardCharsets;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;

/**
 * Writes a shard's periodic snapshots on a thread of its own, so the shard thread never waits for a file: on the
 * shard thread {@link #submit} copies the document's text (a memory copy, microseconds for a 100k-character
 * document) and its metadata into a reusable job; this thread encodes and writes the file.
 * <p>
 * Only documents whose every op the journal has passed are submitted, so a snapshot never describes an op that is
 * not journaled. Jobs are pooled and reused, so the shard thread allocates nothing once the pool is warm; when all
 * are in flight, {@link #submit} says so and the caller tries again later. A failed write costs that snapshot only
 * (logged and counted): loading a document never depends on a particular snapshot, it starts from the newest one
 * there is and replays the journal from there.
 */
public final class SnapshotWriter implements AutoCloseable
{
    /** Jobs in flight per shard. */
    static final int JOBS = 4;
    /** Copies larger than this (UTF-16 units) are not kept for reuse, so one huge document does not pin memory. */
    static final int KEEP_BUFFER_UNITS = 1 << 20;

    private static final Logger LOG = LoggerFactory.getLogger(SnapshotWriter.class);
    private static final long IDLE_PARK_NS = TimeUnit.MILLISECONDS.toNanos(100);

    private final int shardId;
    private final SnapshotStore store;
    private final AtomicCounter written;
    private final AtomicCounter failed;
    private final OneToOneConcurrentArrayQueue<Job> pending = new OneToOneConcurrentArrayQueue<>(JOBS);
    private final OneToOneConcurrentArrayQueue<Job> free = new OneToOneConcurrentArrayQueue<>(JOBS);
    private final Thread thread;
    private volatile boolean running = true;
    private volatile long bytesWritten;
    private int created;

    /**
     * Start the writer thread.
     *
     * @param shardId shard number (thread name, snapshot metadata).
     * @param store   the shard's snapshot store.
     * @param written counts snapshots written.
     * @param failed  counts snapshots that could not be written.
     */
    public SnapshotWriter(
        final int shardId, final SnapshotStore store, final AtomicCounter written, final AtomicCounter failed)
    {
        this.shardId = shardId;
        this.store = store;
        this.written = written;
        this.failed = failed;
        this.thread = new Thread(this::run, "quire-snapshots-" + shardId);
        thread.setDaemon(true);
        thread.start();
    }

    /**
     * Shard thread: take a snapshot of a document whose ops are all journaled, to be written in the background.
     *
     * @param doc       a loaded document.
     * @param epoch     current epoch.
     * @param timestamp wall clock now, ns since the Unix epoch.
     * @return false if every job is in flight (nothing was taken; try again later).
     */
    public boolean submit(final Document doc, final long epoch, final long timestamp)
    {
        return submit(doc, epoch, timestamp, false);
    }

    /**
     * Shard thread: take the snapshot of a document that is being unloaded. Its text is not copied: the job keeps the
     * document's rope, which the caller drops and never touches again.
     *
     * @param doc       a loaded document about to be unloaded.
     * @param epoch     current epoch.
     * @param timestamp wall clock now, ns since the Unix epoch.
     * @return false if every job is in flight (nothing was taken; the document must stay loaded or be saved here).
     */
    public boolean submitUnload(final Document doc, final long epoch, final long timestamp)
    {
        return submit(doc, epoch, timestamp, true);
    }

    private boolean submit(final Document doc, final long epoch, final long timestamp, final boolean keepText)
    {
        Job job = free.poll();
        if (job == null)
        {
            if (created == JOBS)
            {
                return false;
            }
            created++;
            job = new Job();
        }
        job.take(shardId, doc, epoch, timestamp, keepText);
        pending.offer(job);
        LockSupport.unpark(thread);
        return true;
    }

    /** @return bytes of snapshot files written so far. */
    public long bytesWritten()
    {
        return bytesWritten;
    }

    /** @return snapshot files written so far. */
    public long filesWritten()
    {
        return written.get();
    }

    /** Write every submitted snapshot, then stop the thread (bounded wait). */
    @Override
    public void close()
    {
        running = false;
        LockSupport.unpark(thread);
        try
        {
            thread.join(TimeUnit.SECONDS.toMillis(30));
        }
        catch (final InterruptedException ex)
        {
            Thread.currentThread().interrupt();
        }
        if (thread.isAlive())
        {
            LOG.warn("shard {}: snapshot writer did not finish in 30 s", shardId);
        }
    }

    private void run()
    {
        while (true)
        {
            final Job job = pending.poll();
            if (job == null)
            {
                if (!running)
                {
                    return;
                }
                LockSupport.parkNanos(this, IDLE_PARK_NS);
                continue;
            }
            write(job);
            free.offer(job);
        }
    }

    private void write(final Job job)
    {
        try
        {
            final SnapshotMeta meta = new SnapshotMeta(job.shardId, job.docHash, job.collection, job.docId,
                job.version, job.lsn, job.epoch, job.checksum, job.exists ? CodecConstants.TEXT_UNICODE_URI : null,
                job.createVersion, new String(job.createSource, StandardCharsets.UTF_8), job.createSeq,
                job.timestampNs, job.utf16Length, job.codePoints, job.acl);
            final SnapshotRef ref = store.write(meta, job);
            bytesWritten += ref.size();
            written.incrementOrdered();
        }
        catch (final RuntimeException ex)
        {
            failed.incrementOrdered();
            LOG.error("shard {}: snapshot of {}/{} at version {} could not be written", shardId, job.collection,
                job.docId, job.version, ex);
        }
        finally
        {
            job.release();
        }
    }

    /** One snapshot in flight: the document's metadata and a copy of its text (or an unloaded one's rope), reused. */
    private static final class Job implements Rope.ChunkVisitor, CharChunkSource
    {
        private int shardId;
        private long docHash;
        private String collection;
        private String docId;
        private long version;
        private long lsn;
        private long epoch;
        private long checksum;
        private boolean exists;
        private long createVersion;
        private byte[] createSource;
        private long createSeq;
        private long timestampNs;
        private long codePoints;
        private int units;
        private long utf16Length;
        private java.util.List<SnapshotMeta.AclEntry> acl;
        private char[] chars = new char[1024];
        /** An unloaded document's text, written as it is instead of {@link #chars}. */
        private Rope kept;

        void take(final int shardId, final Document doc, final long epoch, final long timestamp, final boolean keepText)
        {
            final Rope text = doc.text;
            this.shardId = shardId;
            docHash = doc.hash;
            collection = doc.collectionString;
            docId = doc.docIdString;
            version = doc.version;
            lsn = doc.lastLsn;
            this.epoch = epoch;
            exists = doc.exists;
            checksum = exists ? text.checksum() : 0;
            createVersion = doc.createVersion;
            createSource = doc.createSource;
            createSeq = doc.createSeq;
            // The ACL may change once the shard thread moves on: take a copy now (a few entries, once a snapshot).
            acl = doc.acl.toSnapshot();
            timestampNs = timestamp;
            codePoints = text.length();
            final long total = text.utf16Length();
            utf16Length = total;
            if (keepText)
            {
                // An unload: the rope is no longer the document's, so the writer's thread reads it as it is.
                kept = text;
                return;
            }
            if (total > Integer.MAX_VALUE - 8)
            {
                throw new IllegalStateException("a text of " + total + " UTF-16 units does not fit one array");
            }
            if (chars.length < total)
            {
                chars = new char[(int)Math.max(total, Math.min(KEEP_BUFFER_UNITS, 2L * chars.length))];
            }
            units = 0;
            text.forEachChunk(this);
        }

        void release()
        {
            kept = null;
            collection = null;
            docId = null;
            createSource = null;
            acl = null;
            if (chars.length > KEEP_BUFFER_UNITS)
            {
                chars = new char[1024];
            }
        }

        @Override
        public void onChunk(final char[] src, final int offset, final int length)
        {
            System.arraycopy(src, offset, chars, units, length);
            units += length;
        }

        @Override
        public void forEachChunk(final CharChunkConsumer consumer)
        {
            if (kept != null)
            {
                kept.forEachChunk(consumer::accept);
                return;
            }
            if (units > 0)
            {
                consumer.accept(chars, 0, units);
            }
        }
    }
}
