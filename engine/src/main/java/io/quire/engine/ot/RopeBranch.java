package io.quire.engine.ot;

/**
 * An inner node of a {@link Rope}: {@code size} children in {@code kids[0, size)}, all of the same height.
 */
final class RopeBranch extends RopeNode
{
    final RopeNode[] kids;
    int size;
    /**
     * While dirty: the one child whose text changed since the last {@link #refreshHash}, or null if several did, the
     * children themselves changed, or it is not known. Set by {@link RopeNode#markAncestorsDirty}; every other way of
     * making a branch dirty clears it ({@link #markStructureChanged}).
     */
    RopeNode soleDirtyKid;
    /**
     * From the last {@link #refreshHash}: the child it centred on (null if none), and the checksums and powers of the
     * children before it and after it. While only that child changes, which is what typing does, the branch's
     * checksum is those two joined around the child's new one: three multiplications instead of two per child.
     */
    private RopeNode centre;
    private long preHash;
    private long prePow;
    private long postHash;
    private long postPow;

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
        markStructureChanged();
    }

    /** The children (or their order, or how they hash) changed other than by one child's text: a full rehash. */
    void markStructureChanged()
    {
        dirty = true;
        soleDirtyKid = null;
    }

    @Override
    long refreshHash(final int span)
    {
        if (dirty)
        {
            final RopeNode sole = soleDirtyKid;
            if (sole != null && sole == centre)
            {
                // Only the centre changed since the last refresh: its siblings' checksums are as cached.
                final long kh = sole.dirty ? sole.refreshHash(span) : sole.hash;
                final long kp = sole.pow;
                hash = TextChecksum.combine(TextChecksum.combine(preHash, kh, kp), postHash, postPow);
                pow = TextChecksum.mulMod(TextChecksum.mulMod(prePow, kp), postPow);
            }
            else
            {
                refreshAll(span, sole);
            }
            soleDirtyKid = null;
            dirty = false;
        }
        return hash;
    }

    /** Combine every child, caching the sides of {@code sole} (if it is a child) for the next refresh. */
    private void refreshAll(final int span, final RopeNode sole)
    {
        long h = TextChecksum.EMPTY;
        long p = 1;
        long preH = 0;
        long preP = 0;
        long midH = 0;
        long midP = 0;
        RopeNode mid = null;
        final RopeNode[] k = kids;
        for (int i = 0, n = size; i < n; i++)
        {
            final RopeNode kid = k[i];
            final long kh = kid.dirty ? kid.refreshHash(span) : kid.hash;
            final long kp = kid.pow;
            if (kid == sole)
            {
                preH = h;
                preP = p;
                midH = kh;
                midP = kp;
                mid = kid;
                h = TextChecksum.EMPTY;
                p = 1;
            }
            else
            {
                h = TextChecksum.addMod(TextChecksum.mulMod(h, kp), kh);
                p = TextChecksum.mulMod(p, kp);
            }
        }
        centre = mid;
        if (mid == null)
        {
            hash = h;
            pow = p;
            return;
        }
        preHash = preH;
        prePow = preP;
        postHash = h;
        postPow = p;
        hash = TextChecksum.combine(TextChecksum.combine(preH, midH, midP), h, p);
        pow = TextChecksum.mulMod(TextChecksum.mulMod(preP, midP), p);
    }
}
