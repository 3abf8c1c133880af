package io.quire.engine.shard;

import org.agrona.DirectBuffer;
import org.agrona.collections.Long2ObjectHashMap;

/**
 * Presence channels of a shard (ShareDB {@code ch}, e.g. {@code "docs.d1"}) and the edges subscribed to each.
 * A channel disappears with its last subscriber.
 */
final class PresenceChannels
{
    private static final class Channel
    {
        final byte[] name;
        final SubscriberSet edges = new SubscriberSet();
        Channel next;

        Channel(final byte[] name)
        {
            this.name = name;
        }
    }

    private final Long2ObjectHashMap<Channel> byHash = new Long2ObjectHashMap<>();

    SubscriberSet subscribers(final long hash, final DirectBuffer buffer, final int offset, final int length)
    {
        final Channel channel = find(hash, buffer, offset, length);
        return channel == null ? null : channel.edges;
    }

    /** Add one session of an edge; returns the channel's subscribers BEFORE the add, minus nothing (all edges). */
    SubscriberSet subscribe(final long hash, final DirectBuffer buffer, final int offset, final int length, final int edgeId)
    {
        Channel channel = find(hash, buffer, offset, length);
        if (channel == null)
        {
            final byte[] name = new byte[length];
            buffer.getBytes(offset, name);
            channel = new Channel(name);
            channel.next = byHash.get(hash);
            byHash.put(hash, channel);
        }
        channel.edges.add(edgeId);
        return channel.edges;
    }

    void unsubscribe(final long hash, final DirectBuffer buffer, final int offset, final int length, final int edgeId)
    {
        final Channel channel = find(hash, buffer, offset, length);
        if (channel != null && channel.edges.remove(edgeId) == 0 && channel.edges.size() == 0)
        {
            remove(hash, channel);
        }
    }

    void removeEdge(final int edgeId)
    {
        final java.util.List<Long> emptied = new java.util.ArrayList<>();
        final java.util.List<Channel> emptiedChannels = new java.util.ArrayList<>();
        byHash.forEach((hash, head) ->
        {
            for (Channel c = head; c != null; c = c.next)
            {
                if (c.edges.removeEdge(edgeId) && c.edges.size() == 0)
                {
                    emptied.add(hash);
                    emptiedChannels.add(c);
                }
            }
        });
        for (int i = 0; i < emptied.size(); i++)
        {
            remove(emptied.get(i), emptiedChannels.get(i));
        }
    }

    private void remove(final long hash, final Channel channel)
    {
        Channel head = byHash.get(hash);
        if (head == channel)
        {
            if (channel.next == null)
            {
                byHash.remove(hash);
            }
            else
            {
                byHash.put(hash, channel.next);
            }
            return;
        }
        for (Channel c = head; c != null; c = c.next)
        {
            if (c.next == channel)
            {
                c.next = channel.next;
                return;
            }
        }
    }

    private Channel find(final long hash, final DirectBuffer buffer, final int offset, final int length)
    {
        for (Channel c = byHash.get(hash); c != null; c = c.next)
        {
            if (Document.equalBytes(c.name, buffer, offset, length))
            {
                return c;
            }
        }
        return null;
    }
}
