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
    public void onBatchStart(final long batchSize, final long queueDepth)
    {
        sequencer.beginBatch();
    }

    @Override
    public void onEvent(final CommandEvent event, final long sequence, final boolean endOfBatch)
    {
        sequencer.onEvent(event, sequence);
        if (endOfBatch)
        {
            sequencer.endBatch();
        }
    }

    /** A batch begins on a thread that runs the stages itself ({@link SharedPipelineHandler}). */
    void beginBatch()
    {
        sequencer.beginBatch();
    }

    /** That batch ends. */
    void endBatch()
    {
        sequencer.endBatch();
    }
}
