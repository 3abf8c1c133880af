package io.quire.journal.snapshot;

/**
 * Receives text as UTF-16 chunks, in order. A chunk may end between the two halves of a surrogate pair; the next
 * chunk then starts with the low half. The array is only valid during the call.
 */
@FunctionalInterface
public interface CharChunkConsumer
{
    /**
     * @param chars  array holding the chunk.
     * @param offset first char of the chunk.
     * @param length number of chars.
     */
    void accept(char[] chars, int offset, int length);
}
