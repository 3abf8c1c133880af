package io.quire.engine.ingress;

import io.quire.engine.Shard;
import io.quire.engine.ring.CommandEvent;
import org.agrona.collections.IntArrayList;
import org.agrona.collections.LongArrayList;

/**
 * Control commands ("edge N of epoch E is gone") that every owned shard must see, in order with the commands around
 * them. A ring that is full when the command is issued gets it later; until then its shard takes no new commands
 * (they are refused as overloaded), so nothing from a restarted edge's new incarnation overtakes the command that
 * drops the old one's subscriptions. Ingress thread only.
 */
final class PendingControls
{
    private final Shard[] shards;
    private final IntArrayList[] edgeIds;
    private final LongArrayList[] epochs;
    private int pending;

    PendingControls(final Shard[] shards)
    {
        this.shards = shards;
        this.edgeIds = new IntArrayList[shards.length];
        this.epochs = new LongArrayList[shards.length];
        for (int i = 0; i < shards.length; i++)
        {
            edgeIds[i] = new IntArrayList();
            epochs[i] = new LongArrayList();
        }
    }

    /**
     * Tell every shard that an edge incarnation is gone.
     *
     * @param edgeId the edge.
     * @param epoch  the incarnation that is gone.
     */
    void edgeGone(final int edgeId, final long epoch)
    {
        for (int i = 0; i < shards.length; i++)
        {
            if (edgeIds[i].isEmpty() && shards[i].offerControl(CommandEvent.CONTROL_EDGE_GONE, edgeId, epoch))
            {
                continue;
            }
            edgeIds[i].addInt(edgeId);
            epochs[i].addLong(epoch);
            pending++;
        }
    }

    /**
     * @param shardIndex index of an owned shard.
     * @return true if the shard still has control commands to take (it must not take other commands yet).
     */
    boolean blocks(final int shardIndex)
    {
        return pending > 0 && !edgeIds[shardIndex].isEmpty();
    }

    /** @return true if any command is waiting. */
    boolean any()
    {
        return pending > 0;
    }

    /**
     * Offer waiting commands, in order, until a ring is full.
     *
     * @return commands delivered.
     */
    int flush()
    {
        int delivered = 0;
        for (int i = 0; i < shards.length && pending > 0; i++)
        {
            final IntArrayList ids = edgeIds[i];
            final LongArrayList eps = epochs[i];
            int taken = 0;
            while (taken < ids.size() &&
                shards[i].offerControl(CommandEvent.CONTROL_EDGE_GONE, ids.getInt(taken), eps.getLong(taken)))
            {
                taken++;
            }
            if (taken > 0)
            {
                removeFirst(ids, eps, taken);
                pending -= taken;
                delivered += taken;
            }
        }
        return delivered;
    }

    private static void removeFirst(final IntArrayList ids, final LongArrayList eps, final int n)
    {
        for (int k = 0; k < n; k++)
        {
            ids.removeAt(0);
            eps.removeAt(0);
        }
    }
}
