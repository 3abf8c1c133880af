package io.quire.engine.ot;

/**
 * An inner node of a {@link Rope}: {@code size} children in {@code kids[0, size)}, all of the same height.
 */
final class RopeBranch extends RopeNode
{
    final RopeNode[] kids;
    int size;

    RopeBranch(final int fanout)
    {
        kids = new RopeNode[fanout];
    }

    int indexOf(final RopeNode kid)
    {
        final RopeNode[] k = kids;
        for (int i = 0, n = size; i < n; i++)
        {
            if (k[i] == kid)
            {
                return i;
            }
        }
        throw new IllegalStateException("not a child of its parent");
    }

    /** Take {@code src[from, from + count)} as the children, replacing any, and recompute the counts. */
    void adopt(final RopeNode[] src, final int from, final int count)
    {
        final RopeNode[] k = kids;
        int cps = 0;
        long units = 0;
        for (int i = 0; i < count; i++)
        {
            final RopeNode kid = src[from + i];
            k[i] = kid;
            kid.parent = this;
            cps += kid.cp;
            units += kid.u16;
        }
        for (int i = count, n = size; i < n; i++)
        {
            k[i] = null;
        }
        size = count;
        cp = cps;
        u16 = units;
        dirty = true;
    }

    @Override
    long refreshHash(final int span)
    {
        if (dirty)
        {
            long h = TextChecksum.EMPTY;
            long p = 1;
            final RopeNode[] k = kids;
            for (int i = 0, n = size; i < n; i++)
            {
                final RopeNode kid = k[i];
                final long kh = kid.dirty ? kid.refreshHash(span) : kid.hash;
                final long kp = kid.pow;
                h = TextChecksum.addMod(TextChecksum.mulMod(h, kp), kh);
                p = TextChecksum.mulMod(p, kp);
            }
            hash = h;
            pow = p;
            dirty = false;
        }
        return hash;
    }
}
