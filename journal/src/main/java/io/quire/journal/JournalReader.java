package io.quire.journal;

import net.openhft.chronicle.bytes.Bytes;
import net.openhft.chronicle.queue.ExcerptTailer;
import net.openhft.chronicle.queue.RollCycle;
import net.openhft.chronicle.queue.TailerDirection;
import net.openhft.chronicle.queue.impl.single.SingleChronicleQueue;
import net.openhft.chronicle.queue.impl.single.SingleChronicleQueueBuilder;
import net.openhft.chronicle.wire.DocumentContext;
import org.agrona.ExpandableArrayBuffer;
import org.agrona.concurrent.UnsafeBuffer;

import java.io.File;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.text.ParseException;
import java.util.function.Consumer;
import java.util.zip.CRC32C;

/**
 * Reads a shard's journal in LSN order, checking each batch header, frame length, CRC32C and LSN continuity.
 * <p>
 * Opened on a directory it is read-only and needs neither a media driver nor the network, so it can tail a live
 * journal while the engine keeps writing. Problems go to the problem handler with their exact location; without
 * one, the first problem throws {@link JournalCorruptedException}. After a problem the reader continues with the
 * next readable frame or batch, so a verifier can report every damaged place in one pass.
 * <p>
 * Not thread safe: one reader per thread.
 */
public final class JournalReader implements AutoCloseable
{
    private final SingleChronicleQueue queue;
    private final boolean ownsQueue;
    private final ExcerptTailer tailer;
    private final ExcerptTailer probe;
    private final ExpandableArrayBuffer excerpt = new ExpandableArrayBuffer(64 << 10);
    private final UnsafeBuffer recordView = new UnsafeBuffer(0, 0);
    private final CRC32C crc = new CRC32C();
    private final byte[] crcScratch = new byte[12];
    private Consumer<JournalProblem> problemHandler;
    private long expectedLsn = -1;
    private long skipBelowLsn = -1;
    private int probeCount;
    /** The batch the last seek found (cycle, sequence number, first and last LSN); no hint while the cycle is MIN. */
    private int hintCycle = Integer.MIN_VALUE;
    private long hintSeq;
    private long hintFirst;
    private long hintLast;
    private long recordsRead;
    private long batchesRead;

    /**
     * Open a journal directory read-only.
     *
     * @param dir the journal directory.
     * @return a reader positioned at the start.
     */
    public static JournalReader open(final Path dir)
    {
        if (!Files.isDirectory(dir))
        {
            throw new IllegalArgumentException("no journal directory at " + dir.toAbsolutePath());
        }
        final SingleChronicleQueue queue = SingleChronicleQueueBuilder.binary(dir).readOnly(true).build();
        return new JournalReader(queue, true);
    }

    /**
     * Read a queue opened elsewhere (the writer uses this to find where the journal ends).
     *
     * @param queue the queue; not closed by this reader.
     */
    public JournalReader(final SingleChronicleQueue queue)
    {
        this(queue, false);
    }

    private JournalReader(final SingleChronicleQueue queue, final boolean ownsQueue)
    {
        this.queue = queue;
        this.ownsQueue = ownsQueue;
        this.tailer = queue.createTailer();
        this.probe = queue.createTailer();
    }

    /**
     * @param handler receives problems instead of an exception being thrown.
     * @return this.
     */
    public JournalReader problemHandler(final Consumer<JournalProblem> handler)
    {
        this.problemHandler = handler;
        return this;
    }

    /** @return records delivered so far. */
    public long recordsRead()
    {
        return recordsRead;
    }

    /** @return batches (excerpts) read so far. */
    public long batchesRead()
    {
        return batchesRead;
    }

    /** @return the LSN the next record is expected to carry, or -1 before the first record. */
    public long expectedLsn()
    {
        return expectedLsn;
    }

    /**
     * The queue file the reader is in: during {@link JournalRecordHandler#onRecord}, the file holding that record.
     *
     * @return the file, or null before the first read.
     */
    public File currentFile()
    {
        return tailer.currentFile();
    }

    /**
     * Hand the reader to another thread: the thread that used it so far will not touch it again (Chronicle binds a
     * tailer to the first thread that uses it).
     */
    public void handOver()
    {
        tailer.singleThreadedCheckReset();
        probe.singleThreadedCheckReset();
    }

    /** Go back to the first record. */
    public void toStart()
    {
        tailer.direction(TailerDirection.FORWARD).toStart();
        expectedLsn = -1;
        skipBelowLsn = -1;
    }

    /**
     * Position the reader so that the next record delivered is the one with this LSN (or the first after it if it
     * does not exist). Binary search over batches: O(log n) excerpt reads, O(log distance) from the batch the last
     * seek found.
     *
     * @param lsn the LSN to start from.
     * @return true if a record with exactly this LSN exists.
     */
    public boolean seekLsn(final long lsn)
    {
        final long index = findBatch(lsn);
        if (index < 0)
        {
            toStart();
        }
        else
        {
            tailer.direction(TailerDirection.FORWARD).moveToIndex(index);
        }
        skipBelowLsn = lsn;
        expectedLsn = -1;
        if (index < 0)
        {
            return false;
        }
        if (hintCycle != Integer.MIN_VALUE && index == queue.rollCycle().toIndex(hintCycle, hintSeq))
        {
            return hintFirst <= lsn && lsn <= hintLast;
        }
        final long first = firstLsnAt(index);
        tailer.moveToIndex(index);
        return first <= lsn && lsn <= lastLsnOfBatchAt(index);
    }

    /**
     * Deliver the records of up to {@code maxBatches} batches.
     *
     * @param handler    receives the records.
     * @param maxBatches bound on the work done by this call.
     * @return the number of batches read; 0 when the reader is at the current end of the journal.
     */
    public int poll(final JournalRecordHandler handler, final int maxBatches)
    {
        int batches = 0;
        while (batches < maxBatches)
        {
            try (DocumentContext dc = tailer.readingDocument())
            {
                if (!dc.isPresent())
                {
                    break;
                }
                final Bytes<?> bytes = dc.wire().bytes();
                final int length = (int)bytes.readRemaining();
                excerpt.checkLimit(length);
                bytes.read(excerpt.byteArray(), 0, length);
                final long index = dc.index();
                parseBatch(handler, index, length);
                batches++;
                batchesRead++;
            }
        }
        return batches;
    }

    private void parseBatch(final JournalRecordHandler handler, final long index, final int length)
    {
        if (length < JournalFormat.BATCH_HEADER_LENGTH || excerpt.getInt(0, ByteOrder.LITTLE_ENDIAN) != JournalFormat.MAGIC)
        {
            problem(JournalProblem.Kind.BAD_BATCH_HEADER, index, -1, -1,
                "excerpt of " + length + " bytes without a valid batch header");
            return;
        }
        final short version = excerpt.getShort(4, ByteOrder.LITTLE_ENDIAN);
        if (version != JournalFormat.FORMAT_VERSION)
        {
            problem(JournalProblem.Kind.UNSUPPORTED_FORMAT, index, -1, -1, "journal format version " + version);
            return;
        }
        final int count = excerpt.getShort(JournalFormat.RECORD_COUNT_OFFSET, ByteOrder.LITTLE_ENDIAN);
        final long firstLsn = excerpt.getLong(JournalFormat.FIRST_LSN_OFFSET, ByteOrder.LITTLE_ENDIAN);
        if (count <= 0)
        {
            problem(JournalProblem.Kind.BAD_BATCH_HEADER, index, -1, firstLsn, "batch record count " + count);
            return;
        }
        checkContinuity(index, firstLsn);

        int offset = JournalFormat.BATCH_HEADER_LENGTH;
        for (int i = 0; i < count; i++)
        {
            final long lsn = firstLsn + i;
            if (offset + 4 > length)
            {
                problem(JournalProblem.Kind.TRUNCATED, index, i, lsn,
                    "batch announces " + count + " records, excerpt ends after " + i);
                expectedLsn = lsn;
                return;
            }
            final int recordLength = excerpt.getInt(offset, ByteOrder.LITTLE_ENDIAN);
            if (recordLength <= 0 || offset + 4L + recordLength + 4L > length)
            {
                problem(JournalProblem.Kind.BAD_FRAME_LENGTH, index, i, lsn,
                    "frame length " + recordLength + " at byte " + offset + " does not fit the " + length + "-byte excerpt");
                expectedLsn = lsn;
                return;
            }
            final int recordOffset = offset + 4;
            final int storedCrc = excerpt.getInt(recordOffset + recordLength, ByteOrder.LITTLE_ENDIAN);
            final int actualCrc = JournalFormat.frameCrc(
                crc, crcScratch, lsn, excerpt.byteArray(), recordOffset, recordLength);
            offset = recordOffset + recordLength + 4;
            if (storedCrc != actualCrc)
            {
                problem(JournalProblem.Kind.CRC_MISMATCH, index, i, lsn, String.format(
                    "stored crc32c %08x, computed %08x over %d bytes", storedCrc, actualCrc, recordLength));
                continue;
            }
            if (lsn < skipBelowLsn)
            {
                continue;
            }
            skipBelowLsn = -1;
            recordsRead++;
            recordView.wrap(excerpt, recordOffset, recordLength);
            handler.onRecord(lsn, recordView, 0, recordLength, index, i);
        }
        expectedLsn = firstLsn + count;
        if (offset != length)
        {
            problem(JournalProblem.Kind.TRAILING_BYTES, index, -1, -1,
                (length - offset) + " bytes after the last frame");
        }
    }

    private void checkContinuity(final long index, final long firstLsn)
    {
        if (expectedLsn < 0)
        {
            return;
        }
        if (firstLsn > expectedLsn)
        {
            problem(JournalProblem.Kind.LSN_GAP, index, 0, firstLsn,
                "expected LSN " + expectedLsn + ", batch starts at " + firstLsn + ": " +
                (firstLsn - expectedLsn) + " record(s) missing");
        }
        else if (firstLsn < expectedLsn)
        {
            problem(JournalProblem.Kind.LSN_REGRESSION, index, 0, firstLsn,
                "expected LSN " + expectedLsn + ", batch starts at " + firstLsn + ": records repeated");
        }
    }

    private void problem(
        final JournalProblem.Kind kind, final long index, final int position, final long lsn, final String detail)
    {
        final File file = tailer.currentFile();
        final JournalProblem problem = new JournalProblem(
            kind, file == null ? null : file.getPath(), index, position, lsn, detail);
        if (problemHandler == null)
        {
            throw new JournalCorruptedException(problem);
        }
        problemHandler.accept(problem);
    }

    /** @return the LSN of the last record in the journal, or 0 if it is empty. */
    public long lastLsn()
    {
        final long index = lastBatchIndex();
        return index < 0 ? JournalFormat.FIRST_LSN - 1 : lastLsnOfBatchAt(index);
    }

    /** @return the Chronicle index of the last batch, or -1 if the journal is empty. */
    public long lastBatchIndex()
    {
        final ExcerptTailer backward = queue.createTailer().direction(TailerDirection.BACKWARD).toEnd();
        try (DocumentContext dc = backward.readingDocument())
        {
            return dc.isPresent() ? dc.index() : -1;
        }
        finally
        {
            backward.close();
        }
    }

    private long lastLsnOfBatchAt(final long index)
    {
        final long first = firstLsnAt(index);
        if (first < 0)
        {
            throw new JournalCorruptedException(new JournalProblem(JournalProblem.Kind.BAD_BATCH_HEADER,
                String.valueOf(probe.currentFile()), index, -1, -1, "cannot read the batch header"));
        }
        return first + probeCount - 1;
    }

    /** First LSN of the batch at {@code index} (its record count is left in {@link #probeCount}), or -1. */
    private long firstLsnAt(final long index)
    {
        if (!probe.moveToIndex(index))
        {
            return -1;
        }
        try (DocumentContext dc = probe.readingDocument())
        {
            if (!dc.isPresent())
            {
                return -1;
            }
            final Bytes<?> bytes = dc.wire().bytes();
            final long start = bytes.readPosition();
            if (bytes.readRemaining() < JournalFormat.BATCH_HEADER_LENGTH || bytes.readInt(start) != JournalFormat.MAGIC)
            {
                return -1;
            }
            probeCount = bytes.readShort(start + JournalFormat.RECORD_COUNT_OFFSET);
            return bytes.readLong(start + JournalFormat.FIRST_LSN_OFFSET);
        }
    }

    /**
     * Index of the last batch whose first LSN is at most {@code lsn}, or -1. Successive seeks are usually near one
     * another (a document's records walked back along its {@code prevLsn} chain, loads of recently edited
     * documents), so the batch found last is remembered: a seek inside it reads nothing, and one elsewhere in its
     * cycle (the last cycle, when forward) searches outward from it, in O(log distance) reads.
     */
    private long findBatch(final long lsn)
    {
        if (hintCycle != Integer.MIN_VALUE)
        {
            if (hintFirst <= lsn && lsn <= hintLast)
            {
                return queue.rollCycle().toIndex(hintCycle, hintSeq);
            }
            final long near = lsn < hintFirst ? searchBack(lsn) : searchForward(lsn);
            if (near >= 0)
            {
                remember(near);
                // Past the found batch's last record, a cycle begun since (or none: an LSN past the end) may hold it.
                if (hintCycle != Integer.MIN_VALUE && lsn <= hintLast)
                {
                    return near;
                }
            }
        }
        final long index = searchAll(lsn);
        return index < 0 ? index : remember(index);
    }

    /** The batch at {@code index} becomes the hint (its first LSN and count are read again: one excerpt). */
    private long remember(final long index)
    {
        final long first = firstLsnAt(index);
        if (first < 0)
        {
            hintCycle = Integer.MIN_VALUE;
            return index;
        }
        final RollCycle rollCycle = queue.rollCycle();
        hintCycle = rollCycle.toCycle(index);
        hintSeq = rollCycle.toSequenceNumber(index);
        hintFirst = first;
        hintLast = first + probeCount - 1;
        return index;
    }

    /** Below the hint, in its cycle: -1 if the answer lies in an earlier cycle (or cannot be found this way). */
    private long searchBack(final long lsn)
    {
        final RollCycle rollCycle = queue.rollCycle();
        long hi = hintSeq;
        long lo = -1;
        for (long step = 1; lo < 0; step <<= 1)
        {
            final long candidate = Math.max(0, hintSeq - step);
            final long first = firstLsnAt(rollCycle.toIndex(hintCycle, candidate));
            if (first >= 0 && first <= lsn)
            {
                lo = candidate;
            }
            else if (candidate == 0)
            {
                return -1;
            }
            else
            {
                hi = candidate;
            }
        }
        return rollCycle.toIndex(hintCycle, bisect(lsn, hintCycle, lo, hi));
    }

    /** Above the hint, when its cycle is the last one: -1 otherwise (a later cycle may hold the answer). */
    private long searchForward(final long lsn)
    {
        if (hintCycle != queue.lastCycle())
        {
            return -1;
        }
        return queue.rollCycle().toIndex(hintCycle, probeFrom(lsn, hintCycle, hintSeq));
    }

    /**
     * From a batch of the cycle whose first LSN is at most {@code lsn}: exponential probe, then binary search.
     *
     * @return the sequence number of the last batch of the cycle whose first LSN is at most {@code lsn}.
     */
    private long probeFrom(final long lsn, final int cycle, final long from)
    {
        final RollCycle rollCycle = queue.rollCycle();
        long lo = from;
        long step = 1;
        while (true)
        {
            final long first = firstLsnAt(rollCycle.toIndex(cycle, lo + step));
            if (first < 0 || first > lsn)
            {
                break;
            }
            lo += step;
            step <<= 1;
        }
        return bisect(lsn, cycle, lo, lo + step);
    }

    /** Binary search in (lo, hi) given the batch at lo starts at or before {@code lsn} and the one at hi after it. */
    private long bisect(final long lsn, final int cycle, final long from, final long to)
    {
        final RollCycle rollCycle = queue.rollCycle();
        long lo = from;
        long hi = to;
        while (hi - lo > 1)
        {
            final long mid = (lo + hi) >>> 1;
            final long first = firstLsnAt(rollCycle.toIndex(cycle, mid));
            if (first >= 0 && first <= lsn)
            {
                lo = mid;
            }
            else
            {
                hi = mid;
            }
        }
        return lo;
    }

    /** The whole journal: the last cycle starting at or before {@code lsn}, then a search from its start. */
    private long searchAll(final long lsn)
    {
        final RollCycle rollCycle = queue.rollCycle();
        int cycle = queue.firstCycle();
        final int lastCycle = queue.lastCycle();
        if (cycle == Integer.MAX_VALUE || lastCycle == Integer.MIN_VALUE)
        {
            return -1;
        }
        int chosen = Integer.MIN_VALUE;
        while (true)
        {
            final long first = firstLsnAt(rollCycle.toIndex(cycle, 0));
            if (first >= 0 && first <= lsn)
            {
                chosen = cycle;
            }
            else if (first > lsn)
            {
                break;
            }
            if (cycle >= lastCycle)
            {
                break;
            }
            try
            {
                final int next = queue.nextCycle(cycle, TailerDirection.FORWARD);
                if (next < 0 || next == cycle)
                {
                    break;
                }
                cycle = next;
            }
            catch (final ParseException ex)
            {
                break;
            }
        }
        if (chosen == Integer.MIN_VALUE)
        {
            return -1;
        }
        // Exponential probe then binary search over the dense sequence numbers of the chosen cycle.
        return rollCycle.toIndex(chosen, probeFrom(lsn, chosen, 0));
    }

    @Override
    public void close()
    {
        probe.close();
        tailer.close();
        if (ownsQueue)
        {
            queue.close();
        }
    }
}
