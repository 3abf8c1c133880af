package io.quire.engine.ring;

import io.quire.codec.protocol.MessageHeaderEncoder;
import io.quire.codec.protocol.OpAckEncoder;
import io.quire.codec.protocol.OpBroadcastEncoder;
import org.agrona.DirectBuffer;
import org.agrona.ExpandableArrayBuffer;
import org.agrona.MutableDirectBuffer;

import java.nio.ByteOrder;

/**
 * The outbound messages of one ring slot, encoded by stage 1 and sent by stage 3, laid out in {@link CommandEvent}'s
 * {@code out} buffer as a sequence of entries:
 * <pre>
 *   int32 messageLength, int32 destinationCount, int32 edgeId[destinationCount], byte message[messageLength]
 * </pre>
 * The message is a complete SBE message (header included). One entry can go to several edges: a broadcast is
 * encoded once however many edges are subscribed.
 */
public final class Outbound
{
    private static final int LENGTH_OFFSET = 0;
    private static final int COUNT_OFFSET = 4;
    private static final int DESTINATIONS_OFFSET = 8;

    private ExpandableArrayBuffer buffer;
    private CommandEvent event;
    private int entryStart;
    private int destinationCount;

    /**
     * Start writing a slot's outbound messages (after anything already there).
     *
     * @param event the slot.
     */
    public void wrap(final CommandEvent event)
    {
        this.event = event;
        this.buffer = event.out;
    }

    /**
     * Start an entry.
     *
     * @param destinations number of edges it goes to.
     * @return the offset in {@link #buffer()} at which to encode the message.
     */
    public int begin(final int destinations)
    {
        entryStart = event.outLength;
        destinationCount = destinations;
        buffer.putInt(entryStart + COUNT_OFFSET, destinations);
        return entryStart + DESTINATIONS_OFFSET + 4 * destinations;
    }

    /**
     * @param index  destination index in [0, destinations).
     * @param edgeId the edge.
     */
    public void destination(final int index, final int edgeId)
    {
        buffer.putInt(entryStart + DESTINATIONS_OFFSET + 4 * index, edgeId);
    }

    /**
     * Finish the entry.
     *
     * @param messageLength bytes encoded at the offset {@link #begin} returned.
     */
    public void end(final int messageLength)
    {
        buffer.putInt(entryStart + LENGTH_OFFSET, messageLength);
        event.outLength = entryStart + DESTINATIONS_OFFSET + 4 * destinationCount + messageLength;
    }

    /** Drop the entry being written (an encoding step failed). */
    public void abandon()
    {
        event.outLength = entryStart;
    }

    /** @return the buffer entries are written to (it may grow: fetch it after {@link #begin}). */
    public ExpandableArrayBuffer buffer()
    {
        return buffer;
    }

    /** Reads entries back, for stage 3. */
    public interface EntryHandler
    {
        /**
         * @param edgeId  destination edge.
         * @param buffer  buffer holding the message.
         * @param offset  message start.
         * @param length  message length.
         */
        void onMessage(int edgeId, DirectBuffer buffer, int offset, int length);
    }

    /**
     * Write the latency-breakdown stamps into the slot's acks and broadcasts just before they are sent (they are the
     * last fields of those messages' blocks, {@code MonotonicNs}; other messages are left alone).
     *
     * @param buffer    the slot's out buffer.
     * @param length    bytes used.
     * @param received  when the ingress received the slot's request.
     * @param sequenced when stage 1 committed its op (0: none).
     * @param sent      now.
     */
    public static void stamp(
        final MutableDirectBuffer buffer, final int length, final long received, final long sequenced, final long sent)
    {
        int offset = 0;
        while (offset < length)
        {
            final int messageLength = buffer.getInt(offset + LENGTH_OFFSET);
            final int messageOffset = offset + DESTINATIONS_OFFSET + 4 * buffer.getInt(offset + COUNT_OFFSET);
            final int templateId = buffer.getShort(messageOffset + MessageHeaderEncoder.templateIdEncodingOffset(),
                ByteOrder.LITTLE_ENDIAN) & 0xFFFF;
            final int block = messageOffset + MessageHeaderEncoder.ENCODED_LENGTH;
            if (templateId == OpAckEncoder.TEMPLATE_ID)
            {
                buffer.putLong(block + OpAckEncoder.engineReceivedNsEncodingOffset(), received, ByteOrder.LITTLE_ENDIAN);
                buffer.putLong(block + OpAckEncoder.engineSequencedNsEncodingOffset(), sequenced,
                    ByteOrder.LITTLE_ENDIAN);
                buffer.putLong(block + OpAckEncoder.engineSentNsEncodingOffset(), sent, ByteOrder.LITTLE_ENDIAN);
            }
            else if (templateId == OpBroadcastEncoder.TEMPLATE_ID)
            {
                buffer.putLong(block + OpBroadcastEncoder.engineReceivedNsEncodingOffset(), received,
                    ByteOrder.LITTLE_ENDIAN);
                buffer.putLong(block + OpBroadcastEncoder.engineSequencedNsEncodingOffset(), sequenced,
                    ByteOrder.LITTLE_ENDIAN);
                buffer.putLong(block + OpBroadcastEncoder.engineSentNsEncodingOffset(), sent, ByteOrder.LITTLE_ENDIAN);
            }
            offset = messageOffset + messageLength;
        }
    }

    /**
     * Walk a slot's entries, calling the handler once per (message, destination).
     *
     * @param buffer  the slot's out buffer.
     * @param length  bytes used.
     * @param handler receives each message for each destination.
     * @return messages delivered to the handler.
     */
    public static int forEach(final DirectBuffer buffer, final int length, final EntryHandler handler)
    {
        int offset = 0;
        int delivered = 0;
        while (offset < length)
        {
            final int messageLength = buffer.getInt(offset + LENGTH_OFFSET);
            final int count = buffer.getInt(offset + COUNT_OFFSET);
            final int messageOffset = offset + DESTINATIONS_OFFSET + 4 * count;
            for (int i = 0; i < count; i++)
            {
                handler.onMessage(buffer.getInt(offset + DESTINATIONS_OFFSET + 4 * i), buffer, messageOffset, messageLength);
                delivered++;
            }
            offset = messageOffset + messageLength;
        }
        return delivered;
    }
}
