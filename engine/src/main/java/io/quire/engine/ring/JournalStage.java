package io.quire.engine.ring;

import com.lmax.disruptor.EventHandler;
import io.quire.journal.JournalWriter;
import org.HdrHistogram.SingleWriterRecorder;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Stage 2: append each slot's record to the shard's journal and commit once per ring batch (group commit; forced
 * to disk per batch under the {@code sync} policy). Acks for a slot leave only after this stage has passed it.
 * <p>
 * A journal failure (disk full, I/O error) is fail-stop: the shard's memory is now ahead of its journal, so from
 * that slot on nothing more is acknowledged; {@link #failedAt()} tells the egress stage and health checks, and a
 * restart recovers from the journal.
 */
public final class JournalStage implements EventHandler<CommandEvent>
{
    private static final Logger LOG = LoggerFactory.getLogger(JournalStage.class);

    private final JournalWriter writer;
    private final SingleWriterRecorder commitLatency;
    private final SingleWriterRecorder batchSlots;
    private final int shardId;
    private volatile long failedAt = Long.MAX_VALUE;
    private long committedSequence = -1;
    private boolean pending;

    /**
     * @param shardId       shard number (for logs).
     * @param writer        the shard's journal.
     * @param commitLatency records the time each batch commit takes, in ns.
     * @param batchSlots    records the ring slots each batch commit covers (how many commands share one group
     *                      commit, and under bursts how many wait for one another's acks).
     */
    public JournalStage(
        final int shardId,
        final JournalWriter writer,
        final SingleWriterRecorder commitLatency,
        final SingleWriterRecorder batchSlots)
    {
        this.shardId = shardId;
        this.writer = writer;
        this.commitLatency = commitLatency;
        this.batchSlots = batchSlots;
    }

    @Override
    public void onEvent(final CommandEvent event, final long sequence, final boolean endOfBatch)
    {
        append(event, sequence);
        if (endOfBatch)
        {
            commit(sequence);
        }
    }

    /**
     * Append a slot's record, if any, to the current batch.
     *
     * @param event    the slot.
     * @param sequence its sequence.
     */
    void append(final CommandEvent event, final long sequence)
    {
        if (event.journalLength() == 0 || sequence >= failedAt)
        {
            return;
        }
        try
        {
            writer.append(event.lsn(), event.journalBuffer(), 0, event.journalLength());
            pending = true;
        }
        catch (final RuntimeException ex)
        {
            fail(sequence, ex);
        }
    }

    /**
     * Commit the batch: everything appended up to {@code sequence} becomes durable per policy.
     *
     * @param sequence last sequence of the batch.
     */
    void commit(final long sequence)
    {
        if (pending && sequence < failedAt)
        {
            final long start = System.nanoTime();
            try
            {
                writer.commitBatch();
                commitLatency.recordValue(Math.max(0, System.nanoTime() - start));
            }
            catch (final RuntimeException ex)
            {
                fail(sequence, ex);
                return;
            }
            pending = false;
        }
        if (sequence < failedAt)
        {
            batchSlots.recordValue(sequence - committedSequence);
            committedSequence = sequence;
        }
    }

    /**
     * Single mode, on the engine's thread when it is idle: fault in the journal page the next batch will start on.
     *
     * @return true if a page was touched.
     */
    boolean prefault()
    {
        if (pending || failedAt != Long.MAX_VALUE)
        {
            return false;
        }
        try
        {
            return writer.prefaultNextPage();
        }
        catch (final RuntimeException ex)
        {
            // A touch is an optimisation: a failure here changes nothing written; the next append reports real trouble.
            return false;
        }
    }

    private void fail(final long sequence, final RuntimeException ex)
    {
        if (failedAt == Long.MAX_VALUE)
        {
            LOG.error("shard {}: journal failed at ring sequence {}; nothing more will be acknowledged until restart",
                shardId, sequence, ex);
            failedAt = sequence;
        }
    }

    /** @return the ring sequence the journal has durably passed (shared mode reads it on the same thread). */
    long committedSequence()
    {
        return committedSequence;
    }

    /** @return the first ring sequence that could not be journaled, {@link Long#MAX_VALUE} if none. */
    public long failedAt()
    {
        return failedAt;
    }

    /** @return the journal writer. */
    public JournalWriter writer()
    {
        return writer;
    }
}
