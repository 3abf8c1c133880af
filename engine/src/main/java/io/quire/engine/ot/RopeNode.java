package io.quire.engine.ot;

/**
 * A node of a {@link Rope}'s B-tree: the size of the text below it and a cached checksum of that text.
 * <p>
 * Checksum caching rule: a node whose text changed is {@code dirty}, and so are all its ancestors, which lets an edit
 * stop marking at the first node already dirty and lets {@link #refreshHash} skip every clean subtree.
 */
abstract class RopeNode
{
    /** Null for the root. */
    RopeBranch parent;
    /** Code points below this node. */
    int cp;
    /** UTF-16 code units below this node. */
    long u16;
    /** {@link TextChecksum} of the text below; valid when not dirty. */
    long hash;
    /** {@code TextChecksum.pow(u16)}; valid when not dirty. */
    long pow;
    /** The text below changed since {@link #hash} was computed. */
    boolean dirty = true;

    /**
     * Recompute the hash of this node and of every dirty node below it.
     *
     * @param span the rope's block size for leaves edited in place (see {@link RopeLeaf}).
     * @return the (now valid) hash.
     */
    abstract long refreshHash(int span);

    /**
     * Mark this node and its ancestors dirty, stopping at the first ancestor already dirty (its own ancestors are).
     * A branch marked this way has changed structurally (see {@link RopeBranch#markStructureChanged}).
     */
    final void invalidate()
    {
        if (this instanceof RopeBranch)
        {
            ((RopeBranch)this).markStructureChanged();
        }
        else
        {
            dirty = true;
        }
        markAncestorsDirty(this);
    }

    /**
     * Mark the ancestors of {@code node} (itself already dirty) dirty, noting in each whether the changed child is
     * its only dirty one; stops above the first ancestor that was already dirty (its own ancestors are, and their
     * changed child is still the same one).
     */
    static void markAncestorsDirty(final RopeNode node)
    {
        RopeNode child = node;
        for (RopeBranch b = node.parent; b != null; child = b, b = b.parent)
        {
            if (!b.dirty)
            {
                b.dirty = true;
                b.soleDirtyKid = child;
            }
            else
            {
                if (b.soleDirtyKid != child)
                {
                    b.soleDirtyKid = null;
                }
                return;
            }
        }
    }
}
