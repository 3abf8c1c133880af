package io.quire.engine.shard;

/**
 * Which edges are subscribed to a document or presence channel, with how many of their sessions. Edges, not
 * sessions: an edge fans an op out to its own sessions, so the engine sends each op once per edge. Small arrays,
 * no boxing; typical sets have one to a few edges.
 */
public final class SubscriberSet
{
    private int[] edges = new int[2];
    private int[] counts = new int[2];
    private int size;

    /** @return number of distinct edges. */
    public int size()
    {
        return size;
    }

    /**
     * @param i index in [0, size).
     * @return the edge id at that index.
     */
    public int edgeAt(final int i)
    {
        return edges[i];
    }

    /**
     * @param edgeId an edge.
     * @return true if at least one of its sessions is subscribed.
     */
    public boolean contains(final int edgeId)
    {
        return indexOf(edgeId) >= 0;
    }

    /**
     * One more session of an edge subscribed.
     *
     * @param edgeId the edge.
     * @return the edge's session count after the add.
     */
    public int add(final int edgeId)
    {
        final int i = indexOf(edgeId);
        if (i >= 0)
        {
            return ++counts[i];
        }
        if (size == edges.length)
        {
            edges = java.util.Arrays.copyOf(edges, size * 2);
            counts = java.util.Arrays.copyOf(counts, size * 2);
        }
        edges[size] = edgeId;
        counts[size] = 1;
        size++;
        return 1;
    }

    /**
     * One session of an edge unsubscribed.
     *
     * @param edgeId the edge.
     * @return the edge's session count after the removal (0: no longer subscribed).
     */
    public int remove(final int edgeId)
    {
        final int i = indexOf(edgeId);
        if (i < 0)
        {
            return 0;
        }
        if (--counts[i] > 0)
        {
            return counts[i];
        }
        removeAt(i);
        return 0;
    }

    /**
     * Drop every subscription of an edge (it went away).
     *
     * @param edgeId the edge.
     * @return true if it had any.
     */
    public boolean removeEdge(final int edgeId)
    {
        final int i = indexOf(edgeId);
        if (i < 0)
        {
            return false;
        }
        removeAt(i);
        return true;
    }

    private void removeAt(final int i)
    {
        size--;
        edges[i] = edges[size];
        counts[i] = counts[size];
    }

    private int indexOf(final int edgeId)
    {
        for (int i = 0; i < size; i++)
        {
            if (edges[i] == edgeId)
            {
                return i;
            }
        }
        return -1;
    }
}
