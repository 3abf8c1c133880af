package io.quire.engine.ring;

import org.agrona.DirectBuffer;

/**
 * Where stage 3 sends outbound messages: the engine's publications to edges. Implementations retry a bounded
 * number of times on back-pressure and count what they could not deliver; they never block the ring forever.
 */
public interface EgressSink
{
    /**
     * @param edgeId destination edge.
     * @param buffer buffer holding a complete SBE message.
     * @param offset message start.
     * @param length message length.
     * @return true if handed to the transport.
     */
    boolean send(int edgeId, DirectBuffer buffer, int offset, int length);
}
