package io.quire.engine.ring;

import com.lmax.disruptor.EventHandler;
import io.quire.engine.shard.ShardSequencer;

/**
 * Stage 1: validate, de-duplicate, transform, apply and version (the shard's {@link ShardSequencer}).
 */
public final class SequencerStage implements EventHandler<CommandEvent>
{
    private final ShardSequencer sequencer;

    /**
     * @param sequencer the shard's sequencer.
     */
    public SequencerStage(final ShardSequencer sequencer)
    {
        this.sequencer = sequencer;
    }

    @Override
    public void onEvent(final CommandEvent event, final long sequence, final boolean endOfBatch)
    {
        sequencer.onEvent(event, sequence);
    }
}
