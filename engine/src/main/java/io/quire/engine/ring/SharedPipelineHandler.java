package io.quire.engine.ring;

import com.lmax.disruptor.EventHandler;
import com.lmax.disruptor.EventPoller;
import com.lmax.disruptor.RingBuffer;
import com.lmax.disruptor.Sequence;

/**
 * All three stages of a shard on one thread (the shard's own in the shared threading mode, the engine's only one in
 * the single mode, through an {@link EventPoller}). Stage 1 and the journal append run per slot; at the end of each
 * batch (or every {@code maxBatch} slots, to bound ack latency under load) the journal commits once and only then
 * does stage 3 send the batch's outbound messages, in ring order. Same stages, same ordering guarantee as the
 * dedicated mode, no cross-thread hand-offs: the right choice for a small box.
 * <p>
 * Under the {@code replicated} ack policy the shared mode's thread waits at the {@link ReplicationGate} before it
 * sends. The single mode's thread must not (it also runs the ingress, heartbeats and the other shards): it sends what
 * the gate lets through and holds the rest, still in ring order, for a later poll, and keeps sequencing and
 * journaling meanwhile. The slots it holds are not released to the producer ({@link #releasedSequence()} gates the
 * ring instead of the poller's sequence), so a replica that falls behind fills the ring and the ingress rejects
 * commands as overloaded, as with a waiting shard thread.
 */
public final class SharedPipelineHandler implements EventHandler<CommandEvent>
{
    private final RingBuffer<CommandEvent> ring;
    private final SequencerStage sequencer;
    private final JournalStage journal;
    private final EgressStage egress;
    private final int maxBatch;
    private final EventPoller.Handler<CommandEvent> pollerHandler = this::onPolled;
    private final Sequence released = new Sequence(-1);
    private long batchStart = -1;
    private int polled;
    // Single mode: slots [unsent, committed] are journaled and committed but not yet sent (held by the gate).
    private long unsent;
    private long committed = -1;

    /**
     * @param ring      the shard ring (to revisit the batch's slots for stage 3).
     * @param sequencer stage 1.
     * @param journal   stage 2.
     * @param egress    stage 3.
     * @param maxBatch  commit and send at least every this many slots.
     */
    public SharedPipelineHandler(
        final RingBuffer<CommandEvent> ring,
        final SequencerStage sequencer,
        final JournalStage journal,
        final EgressStage egress,
        final int maxBatch)
    {
        this.ring = ring;
        this.sequencer = sequencer;
        this.journal = journal;
        this.egress = egress;
        this.maxBatch = maxBatch;
    }

    @Override
    public void onEvent(final CommandEvent event, final long sequence, final boolean endOfBatch)
    {
        handle(event, sequence, endOfBatch);
    }

    /**
     * Single mode: the last slot whose messages were sent (or suppressed). The ring's producer is gated on this, not
     * on the poller's sequence, so slots held by the replication gate are not overwritten.
     *
     * @return the sequence.
     */
    Sequence releasedSequence()
    {
        return released;
    }

    /**
     * Single mode, on the polling thread: send the held slots the replication gate now lets through, in ring order.
     *
     * @return slots sent (or suppressed).
     */
    int flush()
    {
        if (unsent > committed)
        {
            return 0;
        }
        final long from = unsent;
        egress.beginBatch();
        try
        {
            while (unsent <= committed && egress.offer(ring.get(unsent), unsent))
            {
                unsent++;
            }
        }
        finally
        {
            egress.endBatch();
        }
        if (unsent > from)
        {
            released.set(unsent - 1);
        }
        return (int)(unsent - from);
    }

    /** @return the handler for an {@link EventPoller} over the ring (single mode). */
    EventPoller.Handler<CommandEvent> pollerHandler()
    {
        return pollerHandler;
    }

    /**
     * Poller callback (single mode): stop the poll once a full batch has been committed and sent (or held for a
     * replica), so that one shard's backlog cannot starve the ingress and the other shards of the thread.
     */
    private boolean onPolled(final CommandEvent event, final long sequence, final boolean endOfBatch)
    {
        polled++;
        final boolean full = sequenceAndJournal(event, sequence);
        if (endOfBatch || full)
        {
            sequencer.endBatch();
            journal.commit(sequence);
            committed = sequence;
            batchStart = -1;
            flush();
        }
        return !(full && !endOfBatch);
    }

    /**
     * Both modes: sequence one slot and append its record to the open journal batch.
     *
     * @return true if the batch has reached {@code ring.max-batch} slots.
     */
    private boolean sequenceAndJournal(final CommandEvent event, final long sequence)
    {
        if (batchStart < 0)
        {
            batchStart = sequence;
            sequencer.beginBatch();
        }
        sequencer.onEvent(event, sequence, false);
        journal.append(event, sequence);
        return sequence - batchStart + 1 >= maxBatch;
    }

    /** @return slots handled through the poller since the last call; resets the count. */
    int drainPolled()
    {
        final int n = polled;
        polled = 0;
        return n;
    }

    /** Shared mode: one slot; at the end of a batch commit, then send (waiting at the replication gate). */
    private void handle(final CommandEvent event, final long sequence, final boolean endOfBatch)
    {
        final boolean full = sequenceAndJournal(event, sequence);
        if (endOfBatch || full)
        {
            sequencer.endBatch();
            journal.commit(sequence);
            egress.sendBatch(ring, batchStart, sequence);
            batchStart = -1;
        }
    }

    /** @return the ring sequence the journal has committed (read by stage 1 on this same thread). */
    public long journaledSequence()
    {
        return journal.committedSequence();
    }
}
