package io.quire.engine.ring;

import com.lmax.disruptor.EventHandler;
import org.HdrHistogram.SingleWriterRecorder;
import org.agrona.DirectBuffer;
import org.agrona.concurrent.status.AtomicCounter;

/**
 * Stage 3: send each slot's outbound messages (acks, broadcasts, replies) to the edges, strictly after the journal
 * stage has passed the slot. Records commit latency (ingress receive to the ack about to be handed to the transport)
 * for committed and duplicate ops, and stamps acks and broadcasts with the engine's times for the edge's latency
 * breakdown ({@link Outbound#stamp}).
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
                // One clock read per slot: the stamp the acks and broadcasts carry is also the commit latency's end.
                final long now = System.nanoTime();
                Outbound.stamp(event.outBuffer(), event.outLength(), event.receivedNanos(), event.sequencedNanos(), now);
                Outbound.forEach(event.outBuffer(), event.outLength(), this);
                final byte result = event.result();
                if (result == CommandEvent.RESULT_COMMITTED || result == CommandEvent.RESULT_DUPLICATE)
                {
                    commitLatency.recordValue(Math.max(0, now - event.receivedNanos()));
                }
            }
        }
        event.shrinkIfLarge();
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
