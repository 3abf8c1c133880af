package io.quire.engine.ring;

import com.lmax.disruptor.EventHandler;
import com.lmax.disruptor.RingBuffer;

/**
 * Shared threading mode: one thread runs all three stages of a shard. Stage 1 and the journal append run per slot;
 * at the end of each batch (or every {@code maxBatch} slots, to bound ack latency under load) the journal commits
 * once and only then does stage 3 send the batch's outbound messages, in ring order. Same stages, same ordering
 * guarantee as the dedicated mode, no cross-thread hand-offs: the right default for a small box.
 */
public final class SharedPipelineHandler implements EventHandler<CommandEvent>
{
    private final RingBuffer<CommandEvent> ring;
    private final SequencerStage sequencer;
    private final JournalStage journal;
    private final EgressStage egress;
    private final int maxBatch;
    private long batchStart = -1;

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
        if (batchStart < 0)
        {
            batchStart = sequence;
        }
        sequencer.onEvent(event, sequence, false);
        journal.append(event, sequence);
        if (endOfBatch || sequence - batchStart + 1 >= maxBatch)
        {
            journal.commit(sequence);
            for (long s = batchStart; s <= sequence; s++)
            {
                egress.onEvent(ring.get(s), s, s == sequence);
            }
            batchStart = -1;
        }
    }

    /** @return the ring sequence the journal has committed (read by stage 1 on this same thread). */
    public long journaledSequence()
    {
        return journal.committedSequence();
    }
}
