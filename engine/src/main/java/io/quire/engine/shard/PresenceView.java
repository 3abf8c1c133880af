package io.quire.engine.shard;

import org.agrona.DirectBuffer;

/**
 * The var-data fields of an inbound {@code PresenceUpdate}, as offsets into the slot's inbound buffer, so they can
 * be copied into outbound messages without allocating.
 */
final class PresenceView
{
    DirectBuffer buffer;
    int channelOffset;
    int channelLength;
    int presenceIdOffset;
    int presenceIdLength;
    int sourceOffset;
    int sourceLength;
    int collectionOffset;
    int collectionLength;
    int docIdOffset;
    int docIdLength;
    int principalOffset;
    int principalLength;
    int valueOffset;
    int valueLength;
}
