package io.quire.engine.ring;

import com.lmax.disruptor.EventHandler;
import com.lmax.disruptor.RingBuffer;
import org.HdrHistogram.SingleWriterRecorder;
import org.agrona.DirectBuffer;
import org.agrona.concurrent.status.AtomicCounter;

import java.util.Arrays;

/**
 * Stage 3: send each slot's outbound messages (acks, broadcasts, replies) to the edges, strictly after the journal
 * stage has passed the slot. Records commit latency (ingress receive to the ack about to be handed to the transport)
 * for committed and duplicate ops, and stamps acks and broadcasts with the engine's times for the edge's latency
 * breakdown ({@link Outbound#stamp}).
 * <p>
 * A thread that sends a whole batch itself (the single and shared threading modes) brackets it with
 * {@link #beginBatch()} and {@link #endBatch()}: the batch's messages share one stamp, read when its first slot is
 * sent, and its commit latencies end once the last slot has been handed over (a clock read after the batch, so they
 * are over- rather than underestimated); two clock reads per batch instead of one per slot.
 */
public final class EgressStage implements EventHandler<CommandEvent>, Outbound.EntryHandler
{
    private final EgressSink sink;
    private final JournalStage journal;
    private final SingleWriterRecorder commitLatency;
    private final AtomicCounter sent;
    private final AtomicCounter undelivered;
    private final AtomicCounter suppressed;
    private final ReplicationGate gate;
    private long lastJournaledLsn;
    private boolean inBatch;
    private long batchNanos;
    // Receive times of the batch's sent commits and duplicates, whose latency is recorded when the batch ends.
    private long[] batchReceived = new long[256];
    private int batchCommits;

    /**
     * @param sink          the edges' publications.
     * @param journal       the journal stage (nothing is sent for slots it could not journal).
     * @param commitLatency records ingress-to-ack latency in ns.
     * @param sent          messages handed to the transport.
     * @param undelivered   messages the transport refused after bounded retries.
     * @param suppressed    messages withheld because the journal failed (or, under the replicated ack policy, were
     *                      never replicated before shutdown).
     * @param gate          the replicated ack policy's barrier.
     */
    public EgressStage(
        final EgressSink sink,
        final JournalStage journal,
        final SingleWriterRecorder commitLatency,
        final AtomicCounter sent,
        final AtomicCounter undelivered,
        final AtomicCounter suppressed,
        final ReplicationGate gate)
    {
        this.gate = gate;
        this.sink = sink;
        this.journal = journal;
        this.commitLatency = commitLatency;
        this.sent = sent;
        this.undelivered = undelivered;
        this.suppressed = suppressed;
    }

    @Override
    public void onEvent(final CommandEvent event, final long sequence, final boolean endOfBatch)
    {
        if (event.journalLength() > 0)
        {
            lastJournaledLsn = event.lsn();
        }
        if (event.outLength() > 0)
        {
            // Under the replicated policy nothing leaves before a replica journaled every record up to this slot:
            // a reply must not show a client state that a failover could lose.
            if (sequence >= journal.failedAt() || !gate.await(lastJournaledLsn))
            {
                suppressed.incrementOrdered();
            }
            else
            {
                final long now;
                if (!inBatch)
                {
                    // One clock read per slot: the stamp the acks and broadcasts carry is also the latency's end.
                    now = System.nanoTime();
                }
                else
                {
                    if (batchNanos == 0)
                    {
                        batchNanos = System.nanoTime();
                    }
                    now = batchNanos;
                }
                Outbound.stamp(event.outBuffer(), event.outLength(), event.receivedNanos(), event.sequencedNanos(), now);
                Outbound.forEach(event.outBuffer(), event.outLength(), this);
                final byte result = event.result();
                if (result == CommandEvent.RESULT_COMMITTED || result == CommandEvent.RESULT_DUPLICATE)
                {
                    if (inBatch)
                    {
                        noteBatchCommit(event.receivedNanos());
                    }
                    else
                    {
                        commitLatency.recordValue(Math.max(0, now - event.receivedNanos()));
                    }
                }
            }
        }
        event.shrinkIfLarge();
    }

    /** A batch of slots is about to be sent by this thread, in ring order (until {@link #endBatch()}). */
    void beginBatch()
    {
        inBatch = true;
        batchNanos = 0;
        batchCommits = 0;
    }

    /** The batch has been sent: record its commit latencies, all ending now. */
    void endBatch()
    {
        inBatch = false;
        if (batchCommits > 0)
        {
            final long end = System.nanoTime();
            for (int i = 0; i < batchCommits; i++)
            {
                commitLatency.recordValue(Math.max(0, end - batchReceived[i]));
            }
            batchCommits = 0;
        }
    }

    /**
     * Shared threading mode: send a journaled batch's slots in ring order, as one batch.
     *
     * @param ring the shard ring.
     * @param from first slot of the batch.
     * @param to   last slot of the batch.
     */
    void sendBatch(final RingBuffer<CommandEvent> ring, final long from, final long to)
    {
        beginBatch();
        try
        {
            for (long s = from; s <= to; s++)
            {
                onEvent(ring.get(s), s, s == to);
            }
        }
        finally
        {
            endBatch();
        }
    }

    private void noteBatchCommit(final long receivedNanos)
    {
        if (batchCommits == batchReceived.length)
        {
            batchReceived = Arrays.copyOf(batchReceived, batchCommits * 2);
        }
        batchReceived[batchCommits++] = receivedNanos;
    }

    /**
     * Single threading mode: the slot's messages, unless the replicated ack policy holds them back. Never waits: a
     * slot a replica has not yet covered is left untouched for a later call (slots must be offered in ring order,
     * each until accepted). Once the gate is released (shutdown) held slots are suppressed, as {@link #onEvent} does.
     *
     * @param event    the slot, journaled and committed.
     * @param sequence its sequence.
     * @return false if the slot must wait for a replica: nothing was done.
     */
    boolean offer(final CommandEvent event, final long sequence)
    {
        if (event.outLength() > 0 && sequence < journal.failedAt())
        {
            final long needed = event.journalLength() > 0 ? event.lsn() : lastJournaledLsn;
            if (!gate.passed(needed) && !gate.released())
            {
                return false;
            }
        }
        onEvent(event, sequence, false);
        return true;
    }

    @Override
    public void onMessage(final int edgeId, final DirectBuffer buffer, final int offset, final int length)
    {
        if (sink.send(edgeId, buffer, offset, length))
        {
            sent.incrementOrdered();
        }
        else
        {
            undelivered.incrementOrdered();
        }
    }
}
