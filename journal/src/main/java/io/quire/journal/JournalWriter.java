package io.quire.journal;

import net.openhft.chronicle.bytes.Bytes;
import net.openhft.chronicle.bytes.SyncMode;
import net.openhft.chronicle.queue.ExcerptAppender;
import net.openhft.chronicle.queue.impl.single.SingleChronicleQueue;
import net.openhft.chronicle.queue.impl.single.SingleChronicleQueueBuilder;
import net.openhft.chronicle.queue.util.MicroTouched;
import net.openhft.chronicle.wire.DocumentContext;
import org.agrona.DirectBuffer;

import java.io.File;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.util.zip.CRC32C;

/**
 * Appends records to a shard's journal in batches: one Chronicle excerpt per ring batch (group commit).
 * <p>
 * Single writer: exactly one thread (the shard's journal stage) calls {@link #append} for each record of a ring
 * batch, then {@link #commitBatch()} at the end of the batch, and only then may acks for those records leave.
 * A batch larger than {@code batch.max-records} / {@code batch.max-bytes} is split over several excerpts, each
 * committed as it fills.
 * <p>
 * Records get consecutive LSNs; the caller (the sequencer, which puts LSNs into document chains and snapshots)
 * passes the LSN it assigned and the writer checks it is the next one, so a sequencing bug can never leave a gap
 * or a duplicate in the journal.
 */
public final class JournalWriter implements AutoCloseable
{
    private static final VarHandle TOUCH_POSITION;

    static
    {
        try
        {
            TOUCH_POSITION = MethodHandles.lookup().findVarHandle(JournalWriter.class, "touchPosition", long.class);
        }
        catch (final ReflectiveOperationException ex)
        {
            throw new ExceptionInInitializerError(ex);
        }
    }

    /**
     * The file the writer is appending to, as published for a {@link JournalPretoucher}: a new instance when the
     * writer moves to another cycle's file.
     *
     * @param file  the Chronicle cycle file.
     * @param cycle its cycle number.
     */
    public record TouchFile(File file, int cycle)
    {
    }

    private final JournalContext context;
    private final SingleChronicleQueue queue;
    private final ExcerptAppender appender;
    private final CRC32C crc = new CRC32C();
    private final byte[] crcScratch = new byte[12];
    private final int maxRecords;
    private final int maxBytes;
    private final boolean sync;
    private final SyncMode syncMode;

    private DocumentContext document;
    private Bytes<?> bytes;
    private long headerPosition;
    private int batchRecords;
    private long batchBytes;
    private long nextLsn;
    private long excerptFirstLsn;
    private long lastCommittedIndex = -1;
    private long bytesWritten;
    private long batchesCommitted;
    private volatile TouchFile touchFile;
    /** Written with release semantics by the writer after each commit; read by the pretoucher. */
    @SuppressWarnings("unused")
    private volatile long touchPosition;
    private int touchCycle = Integer.MIN_VALUE;

    /**
     * Open (or create) the journal for appending.
     *
     * @param context journal options; concluded here.
     */
    public JournalWriter(final JournalContext context)
    {
        this.context = context.conclude();
        this.maxRecords = context.batchMaxRecords();
        this.maxBytes = context.batchMaxBytes();
        this.sync = context.durability() == DurabilityPolicy.SYNC;
        this.syncMode = sync ? SyncMode.SYNC : SyncMode.NONE;
        this.queue = SingleChronicleQueueBuilder.binary(context.dir())
            .rollCycle(context.rollCycleValue())
            .blockSize(context.blockSize())
            .timeProvider(context.timeProvider())
            // Chronicle's default sync mode is asynchronous: sync() would return before the device has the data.
            .syncMode(syncMode)
            .build();
        try
        {
            this.appender = queue.createAppender();
            try (JournalReader reader = new JournalReader(queue))
            {
                nextLsn = reader.lastLsn() + 1;
                lastCommittedIndex = reader.lastBatchIndex();
            }
        }
        catch (final RuntimeException | Error ex)
        {
            // A journal whose end cannot be read (damaged) must not leave its files mapped.
            queue.close();
            throw ex;
        }
    }

    /** @return the LSN the next appended record must carry. */
    public long nextLsn()
    {
        return nextLsn;
    }

    /** @return the Chronicle index of the last committed excerpt, or -1. */
    public long lastCommittedIndex()
    {
        return lastCommittedIndex;
    }

    /** @return record bytes (with framing) written since open. */
    public long bytesWritten()
    {
        return bytesWritten;
    }

    /** @return excerpts committed since open. */
    public long batchesCommitted()
    {
        return batchesCommitted;
    }

    /**
     * A reader over this journal sharing its mapped files (for the shard's own cold lookups). Use it on one thread;
     * close it before the writer.
     *
     * @return a new reader positioned at the start.
     */
    public JournalReader newReader()
    {
        return new JournalReader(queue);
    }

    /** @return how Chronicle syncs this queue: {@link SyncMode#SYNC} (msync, waiting for the device) under SYNC. */
    public SyncMode syncMode()
    {
        return syncMode;
    }

    /**
     * Hand the writer to another thread: the thread that appended so far (e.g. a start-up thread that journaled an
     * {@code EpochRecord}) has committed and will not append again; the next thread to append owns the writer.
     */
    public void handOver()
    {
        if (document != null)
        {
            throw new IllegalStateException("hand-over with a batch open");
        }
        appender.singleThreadedCheckReset();
    }

    /** @return the options. */
    public JournalContext context()
    {
        return context;
    }

    /**
     * Append one record to the current batch.
     *
     * @param lsn    the record's LSN; must equal {@link #nextLsn()}.
     * @param record buffer holding the encoded record (an SBE message with header); must be byte-array backed.
     * @param offset first byte.
     * @param length length in bytes, at most {@link JournalContext#maxRecordBytes()}.
     */
    public void append(final long lsn, final DirectBuffer record, final int offset, final int length)
    {
        if (lsn != nextLsn)
        {
            throw new IllegalStateException("LSN " + lsn + " appended where " + nextLsn + " was expected");
        }
        if (length <= 0 || length > context.maxRecordBytes())
        {
            throw new IllegalArgumentException(
                "record of " + length + " bytes outside (0, " + context.maxRecordBytes() + "]");
        }
        final byte[] array = record.byteArray();
        if (array == null)
        {
            throw new IllegalArgumentException("journal records must be encoded into a byte-array backed buffer");
        }
        final int arrayOffset = (int)(record.addressOffset() - org.agrona.BufferUtil.ARRAY_BASE_OFFSET) + offset;

        if (document != null &&
            (batchRecords >= maxRecords || batchBytes + length + JournalFormat.FRAME_OVERHEAD > maxBytes))
        {
            closeExcerpt();
        }
        if (document == null)
        {
            openExcerpt(lsn);
        }
        bytes.writeInt(length);
        bytes.write(array, arrayOffset, length);
        bytes.writeInt(JournalFormat.frameCrc(crc, crcScratch, lsn, array, arrayOffset, length));
        batchRecords++;
        batchBytes += length + JournalFormat.FRAME_OVERHEAD;
        nextLsn++;
    }

    /**
     * Commit the current batch: close the excerpt (it becomes visible to readers and survives a process crash) and,
     * under {@link DurabilityPolicy#SYNC}, force it to the device. Acks for its records may leave after this.
     *
     * @return true if anything was committed.
     */
    public boolean commitBatch()
    {
        if (document == null)
        {
            return false;
        }
        closeExcerpt();
        if (sync)
        {
            appender.sync();
        }
        return true;
    }

    /**
     * Writer thread, between batches (when it has nothing else to do): fault in the page of the journal file the next
     * batch will start on, so that the next append does not stop to have the kernel allocate and zero it (a few µs,
     * once per page: every ~24 ops at ~170 bytes a record). Chronicle's own micro-touch: a compare-and-set of 0 with
     * 0 on the page's first word through the writer's mapping, which changes nothing that was written. Only helps
     * while batches are smaller than a page; under full load the writer is never idle and pages fault as before.
     *
     * @return true if a page was touched (false: the same page as last time, a batch open, or no file yet).
     */
    public boolean prefaultNextPage()
    {
        if (document != null || !(appender instanceof MicroTouched))
        {
            return false;
        }
        return ((MicroTouched)appender).microTouch();
    }

    /** @return the file the writer appends to (null before its first commit), for a {@link JournalPretoucher}. */
    public TouchFile touchFile()
    {
        return touchFile;
    }

    /** @return the file offset the writer's last commit ended at in {@link #touchFile()}. */
    public long touchPosition()
    {
        return (long)TOUCH_POSITION.getAcquire(this);
    }

    private void publishTouchPoint(final long position)
    {
        final int cycle = appender.cycle();
        if (cycle != touchCycle)
        {
            touchCycle = cycle;
            touchFile = new TouchFile(appender.currentFile(), cycle);
        }
        TOUCH_POSITION.setRelease(this, position);
    }

    /**
     * Drop the records appended since the current excerpt was opened: they never become visible, and the next
     * record must carry the first of their LSNs again. Records of excerpts already committed stay.
     *
     * @return records dropped.
     */
    public int abortBatch()
    {
        if (document == null)
        {
            return 0;
        }
        final int dropped = batchRecords;
        final DocumentContext dc = document;
        document = null;
        bytes = null;
        dc.rollbackOnClose();
        dc.close();
        nextLsn = excerptFirstLsn;
        return dropped;
    }

    private void openExcerpt(final long firstLsn)
    {
        document = appender.writingDocument();
        bytes = document.wire().bytes();
        headerPosition = bytes.writePosition();
        bytes.writeInt(JournalFormat.MAGIC);
        bytes.writeShort(JournalFormat.FORMAT_VERSION);
        bytes.writeShort((short)0);
        bytes.writeLong(firstLsn);
        excerptFirstLsn = firstLsn;
        batchRecords = 0;
        batchBytes = JournalFormat.BATCH_HEADER_LENGTH;
    }

    private void closeExcerpt()
    {
        bytes.writeShort(headerPosition + JournalFormat.RECORD_COUNT_OFFSET, (short)batchRecords);
        final long endPosition = bytes.writePosition();
        final DocumentContext dc = document;
        document = null;
        bytes = null;
        dc.close();
        publishTouchPoint(endPosition);
        lastCommittedIndex = appender.lastIndexAppended();
        bytesWritten += batchBytes;
        batchesCommitted++;
    }

    @Override
    public void close()
    {
        commitBatch();
        queue.close();
    }
}
