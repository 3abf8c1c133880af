package io.quire.engine.ring;

import com.lmax.disruptor.EventHandler;
import com.lmax.disruptor.EventPoller;
import com.lmax.disruptor.RingBuffer;

/**
 * All three stages of a shard on one thread (the shard's own in the shared threading mode, the engine's only one in
 * the single mode, through an {@link EventPoller}). Stage 1 and the journal append run per slot; at the end of each
 * batch (or every {@code maxBatch} slots, to bound ack latency under load) the journal commits once and only then
 * does stage 3 send the batch's outbound messages, in ring order. Same stages, same ordering guarantee as the
 * dedicated mode, no cross-thread hand-offs: the right choice for a small box.
 */
public final class SharedPipelineHandler implements EventHandler<CommandEvent>
{
    private final RingBuffer<CommandEvent> ring;
    private final SequencerStage sequencer;
    private final JournalStage journal;
    private final EgressStage egress;
    private final int maxBatch;
    private final EventPoller.Handler<CommandEvent> pollerHandler = this::onPolled;
    private long batchStart = -1;
    private int polled;

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

    /** @return the handler for an {@link EventPoller} over the ring (single mode). */
    EventPoller.Handler<CommandEvent> pollerHandler()
    {
        return pollerHandler;
    }

    /**
     * Poller callback (single mode): stop the poll once a full batch has been committed and sent, so that one
     * shard's backlog cannot starve the ingress and the other shards of the thread.
     */
    private boolean onPolled(final CommandEvent event, final long sequence, final boolean endOfBatch)
    {
        polled++;
        return !handle(event, sequence, endOfBatch);
    }

    /** @return slots handled through the poller since the last call; resets the count. */
    int drainPolled()
    {
        final int n = polled;
        polled = 0;
        return n;
    }

    /** @return true if the slot closed a batch on reaching {@code maxBatch} rather than the end of what was there. */
    private boolean handle(final CommandEvent event, final long sequence, final boolean endOfBatch)
    {
        if (batchStart < 0)
        {
            batchStart = sequence;
        }
        sequencer.onEvent(event, sequence, false);
        journal.append(event, sequence);
        final boolean full = sequence - batchStart + 1 >= maxBatch;
        if (endOfBatch || full)
        {
            journal.commit(sequence);
            for (long s = batchStart; s <= sequence; s++)
            {
                egress.onEvent(ring.get(s), s, s == sequence);
            }
            batchStart = -1;
        }
        return full && !endOfBatch;
    }

    /** @return the ring sequence the journal has committed (read by stage 1 on this same thread). */
    public long journaledSequence()
    {
        return journal.committedSequence();
    }
}
