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
     */
    final void invalidate()
    {
        dirty = true;
        for (RopeBranch b = parent; b != null && !b.dirty; b = b.parent)
        {
            b.dirty = true;
        }
    }
}
