package io.quire.journal.snapshot;

/**
 * A text that can be walked as UTF-16 chunks, e.g. the engine's rope. A snapshot writer walks it twice (once to
 * measure, once to encode), so both walks must deliver the same text.
 */
@FunctionalInterface
public interface CharChunkSource
{
    /**
     * Deliver the whole text to the consumer, in order.
     *
     * @param consumer receives the chunks.
     */
    void forEachChunk(CharChunkConsumer consumer);
}
