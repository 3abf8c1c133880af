package io.quire.engine.ot;

import java.nio.CharBuffer;
import java.util.Arrays;
import java.util.Objects;

/**
 * A document's text, indexed by Unicode code points: a B-tree of chunks.
 * <p>
 * Contract shared by every implementation:
 * <ul>
 *   <li>Positions and counts are in code points. Text handed in must be well-formed UTF-16 (no lone surrogates):
 *       callers validate ops first, so the rope never sees one.</li>
 *   <li>An out-of-range position or count throws {@link IndexOutOfBoundsException} and leaves the rope unchanged.</li>
 *   <li>{@link #checksum()} equals {@link TextChecksum#of(CharSequence)} of {@link #toString()}.</li>
 *   <li>Single-threaded: owned by one shard thread (or one tool).</li>
 * </ul>
 * Structure: leaves hold up to {@value #DEFAULT_LEAF_MAX} UTF-16 code units in a {@code char[]} (never splitting a
 * surrogate pair); branches hold up to {@value #DEFAULT_FANOUT} children; all leaves are at the same depth. Every node
 * keeps its code point and code unit counts, so a position maps to a leaf in O(log n) and, in a leaf without surrogate
 * pairs, to a code unit offset without a scan. The last leaf edited is remembered with its start (a finger), so
 * nearby edits skip the descent. Every node caches the checksum of its text; an edit marks only its path, and
 * {@link #checksum()} rehashes only marked nodes; a leaf edited in place keeps its text in blocks of about
 * {@code leafMax / 16} units with their own counts and checksums, so an edit updates the leaf's checksum by hashing
 * at most half a block (O(32) units, not O(leaf)) and maps a code point to a code unit by scanning one block (see
 * {@code RopeLeaf}).
 */
public final class Rope
{
    /** Receives the rope's text chunk by chunk, in order, without materialising a String. */
    @FunctionalInterface
    public interface ChunkVisitor
    {
        /**
         * @param chars  array holding the chunk (read only; valid only during the call).
         * @param offset first code unit of the chunk.
         * @param length number of code units in the chunk.
         */
        void onChunk(char[] chars, int offset, int length);
    }

    static final int DEFAULT_LEAF_MAX = 1024;
    static final int DEFAULT_FANOUT = 16;

    private static final int INITIAL_CAPACITY = 16;
    // Shallow sizes with compressed oops (12-byte headers, 8-byte alignment); see estimatedBytes().
    private static final long ROPE_BYTES = 104;
    private static final long NODE_BYTES = 56;
    private static final long ARRAY_HEADER = 16;

    private final int leafMax;
    private final int leafMin;
    private final int leafFill;
    private final int fanout;
    private final int branchMin;
    /** Units per block of a leaf edited in place (see {@code RopeLeaf}). */
    private final int span;

    /** Lets an array slice go where a CharSequence is expected without wrapping it anew (no allocation per edit). */
    private final ArrayText arrayView = new ArrayText();
    private RopeNode root;
    /** The leaf last located, whose first code point is at {@link #fingerCp}; null when unknown. */
    private RopeLeaf finger;
    private int fingerCp;

    private long leafCount;
    private long leafArrayBytes;
    private long branchCount;
    private long blockArrayBytes;

    /** An empty rope. */
    public Rope()
    {
        this(DEFAULT_LEAF_MAX, DEFAULT_FANOUT);
    }

    /**
     * A rope holding {@code initial}; builds the tree bottom-up in O(n), so it suits large texts.
     *
     * @param initial well-formed text.
     */
    public Rope(final CharSequence initial)
    {
        this();
        insert(0, initial);
    }

    /**
     * An empty rope with a chosen shape; small values let tests exercise splits and merges on short texts.
     *
     * @param leafMax most code units in a leaf, in [4, {@link ChunkHash#MAX_RUN}].
     * @param fanout  most children of a branch, at least 4.
     */
    Rope(final int leafMax, final int fanout)
    {
        if (leafMax < 4 || leafMax > ChunkHash.MAX_RUN || fanout < 4)
        {
            throw new IllegalArgumentException("leafMax=" + leafMax + " fanout=" + fanout);
        }
        this.leafMax = leafMax;
        this.leafMin = leafMax / 4;
        // Bulk-built leaves keep ~6% free so that the first edits after a load do not split every leaf; at most
        // leafMax - 1 so that moving a piece boundary past a surrogate pair can never overfill a leaf.
        this.leafFill = Math.min(leafMax - 1, leafMax - leafMax / 16);
        this.fanout = fanout;
        this.branchMin = fanout / 2;
        // 16 blocks per full leaf (64 units at the default size); 32 measured no better on the replay benchmark, and
        // an edited leaf's block arrays (a long and an int per block) count towards estimatedBytes().
        this.span = Math.max(2, leafMax / 16);
        root = newLeaf(Math.min(INITIAL_CAPACITY, leafMax));
    }

    /** @return length in code points. */
    public int length()
    {
        return root.cp;
    }

    /** @return length in UTF-16 code units. */
    public long utf16Length()
    {
        return root.u16;
    }

    /**
     * Insert text at a code point position.
     *
     * @param cpPos position in [0, length()].
     * @param s     well-formed text.
     */
    public void insert(final int cpPos, final CharSequence s)
    {
        checkPosition(cpPos);
        final int n = s.length();
        if (n == 0)
        {
            return;
        }
        if (n > Integer.MAX_VALUE - root.cp)
        {
            checkRoom(Character.codePointCount(s, 0, n));
        }
        final RopeLeaf leaf = leafForInsert(cpPos);
        final int rel = cpPos - fingerCp;
        final int len = (int)leaf.u16;
        if (n > leafMax - len)
        {
            insertSplitting(leaf, rel, s);
            return;
        }
        final int at = leaf.charIndex(rel);
        final char[] chars = len + n <= leaf.chars.length ? leaf.chars : grow(leaf, len + n);
        System.arraycopy(chars, at, chars, at + n, len - at);
        if (n == 1)
        {
            chars[at] = s.charAt(0);
            noteInsert(leaf, at, 1, 0);
            addCounts(leaf, 1, 1);
        }
        else
        {
            copy(s, 0, n, chars, at);
            final int cps = RopeLeaf.codePoints(chars, at, n);
            noteInsert(leaf, at, n, n - cps);
            addCounts(leaf, cps, n);
        }
    }

    /**
     * Insert {@code len} UTF-16 code units of {@code src} at a code point position.
     *
     * @param cpPos  position in [0, length()].
     * @param src    source array.
     * @param srcOff first code unit.
     * @param srcLen number of code units (whole code points).
     */
    public void insert(final int cpPos, final char[] src, final int srcOff, final int srcLen)
    {
        Objects.checkFromIndexSize(srcOff, srcLen, src.length);
        checkPosition(cpPos);
        if (srcLen == 0)
        {
            return;
        }
        if (srcLen > Integer.MAX_VALUE - root.cp)
        {
            checkRoom(Character.codePointCount(src, srcOff, srcLen));
        }
        final RopeLeaf leaf = leafForInsert(cpPos);
        final int rel = cpPos - fingerCp;
        final int len = (int)leaf.u16;
        if (srcLen > leafMax - len)
        {
            insertSplitting(leaf, rel, arrayView.wrap(src, srcOff, srcLen));
            arrayView.wrap(null, 0, 0);
            return;
        }
        final int at = leaf.charIndex(rel);
        final char[] chars = len + srcLen <= leaf.chars.length ? leaf.chars : grow(leaf, len + srcLen);
        System.arraycopy(chars, at, chars, at + srcLen, len - at);
        System.arraycopy(src, srcOff, chars, at, srcLen);
        final int cps = srcLen == 1 ? 1 : RopeLeaf.codePoints(chars, at, srcLen);
        noteInsert(leaf, at, srcLen, srcLen - cps);
        addCounts(leaf, cps, srcLen);
    }

    /**
     * Delete code points.
     *
     * @param cpPos   first code point to delete.
     * @param cpCount number of code points; cpPos + cpCount must not exceed length().
     */
    public void delete(final int cpPos, final int cpCount)
    {
        checkRange(cpPos, cpCount);
        if (cpCount == 0)
        {
            return;
        }
        RopeLeaf leaf = finger;
        if (leaf == null || cpPos < fingerCp || cpPos - fingerCp >= leaf.cp)
        {
            leaf = descend(cpPos, false);
        }
        final int rel = cpPos - fingerCp;
        if (cpCount <= leaf.cp - rel)
        {
            deleteInLeaf(leaf, rel, cpCount);
            if (leaf.u16 < leafMin && leaf.parent != null)
            {
                rebalance(leaf);
            }
        }
        else
        {
            deleteSpanning(cpPos, cpCount);
        }
    }

    /**
     * Append the code points [cpFrom, cpTo) to {@code out}.
     *
     * @param cpFrom first code point.
     * @param cpTo   end (exclusive).
     * @param out    destination.
     */
    public void appendTo(final int cpFrom, final int cpTo, final StringBuilder out)
    {
        checkRange(cpFrom, cpTo - cpFrom);
        if (cpFrom < cpTo)
        {
            appendRange(root, cpFrom, cpTo, out);
        }
    }

    /**
     * Visit the whole text in order. Chunks are never empty; an empty rope makes no call.
     *
     * @param visitor receives each chunk.
     */
    public void forEachChunk(final ChunkVisitor visitor)
    {
        visit(root, visitor);
    }

    /** Remove all text. */
    public void clear()
    {
        root = null;
        finger = null;
        leafCount = 0;
        leafArrayBytes = 0;
        branchCount = 0;
        blockArrayBytes = 0;
        root = newLeaf(Math.min(INITIAL_CAPACITY, leafMax));
    }

    /**
     * The checksum, recomputing only what changed since the last call: after one edit, the edited spot of one leaf
     * (about 128 units plus the edit) and the branches on its path.
     *
     * @return the checksum of the text, as {@link TextChecksum#of(CharSequence)}.
     */
    public long checksum()
    {
        return root.refreshHash(span);
    }

    /**
     * @param cpPos position in [0, length()).
     * @return the code point at that position.
     */
    public int codePointAt(final int cpPos)
    {
        checkRange(cpPos, 1);
        final RopeLeaf leaf = leafFor(cpPos);
        return Character.codePointAt(leaf.chars, leaf.charIndex(cpPos - fingerCp), leaf.length());
    }

    /**
     * @param cpFrom first code point.
     * @param cpTo   end (exclusive).
     * @return the code points [cpFrom, cpTo) as a String.
     */
    public String substring(final int cpFrom, final int cpTo)
    {
        final StringBuilder out = new StringBuilder();
        appendTo(cpFrom, cpTo, out);
        return out.toString();
    }

    /**
     * An estimate of the heap this rope holds (its nodes and arrays, assuming compressed oops), kept up to date as
     * nodes come and go, so it costs O(1). Bulk-loaded text takes about 2.2 bytes per UTF-16 unit (leaves 15/16
     * full, plus node headers); text built by edits, whose leaves are 1/2 to fully used and carry block checksums,
     * about 3 bytes per unit, at most about 4.5.
     *
     * @return estimated bytes.
     */
    public long estimatedBytes()
    {
        return ROPE_BYTES + leafCount * NODE_BYTES + leafArrayBytes +
            blockArrayBytes +
            branchCount * (NODE_BYTES + refArrayBytes(fanout));
    }

    @Override
    public String toString()
    {
        if (root.u16 > Integer.MAX_VALUE - 8)
        {
            throw new OutOfMemoryError("text of " + root.u16 + " code units does not fit a String");
        }
        final StringBuilder out = new StringBuilder((int)root.u16);
        forEachChunk(out::append);
        return out.toString();
    }

    private RopeLeaf leafForInsert(final int cpPos)
    {
        final RopeLeaf f = finger;
        if (f != null && cpPos >= fingerCp && cpPos - fingerCp <= f.cp)
        {
            return f;
        }
        return descend(cpPos, true);
    }

    private RopeLeaf leafFor(final int cpPos)
    {
        final RopeLeaf f = finger;
        if (f != null && cpPos >= fingerCp && cpPos - fingerCp < f.cp)
        {
            return f;
        }
        return descend(cpPos, false);
    }

    /**
     * Find the leaf holding a position and make it the finger.
     *
     * @param cpPos     position in [0, length()].
     * @param inclusive at a boundary between leaves take the left one (where an insert appends), else the right one
     *                  (whose first code point is at cpPos).
     */
    private RopeLeaf descend(final int cpPos, final boolean inclusive)
    {
        RopeNode node = root;
        int p = cpPos;
        final int bias = inclusive ? 0 : 1;
        while (node instanceof RopeBranch)
        {
            final RopeBranch b = (RopeBranch)node;
            final RopeNode[] kids = b.kids;
            final int last = b.size - 1;
            int i = 0;
            RopeNode kid = kids[0];
            while (i < last && p + bias > kid.cp)
            {
                p -= kid.cp;
                kid = kids[++i];
            }
            node = kid;
        }
        finger = (RopeLeaf)node;
        fingerCp = cpPos - p;
        return finger;
    }

    /** Mark a node whose content was rewritten (merged, or shared with a sibling) dirty; its parent is the caller's. */
    private static void markChanged(final RopeNode node)
    {
        if (node instanceof RopeBranch)
        {
            ((RopeBranch)node).markStructureChanged();
        }
        else
        {
            node.dirty = true;
        }
    }

    /** Tell the leaf's blocks of an insert already copied in, giving the leaf blocks on its first edit in place. */
    private void noteInsert(final RopeLeaf leaf, final int at, final int n, final int pairs)
    {
        if (leaf.blockHash == null)
        {
            allocateBlocks(leaf);
        }
        leaf.noteInsert(at, n, pairs, span);
    }

    /** Add to the counts of a node and its ancestors, marking them dirty: the hot path of every edit. */
    private static void addCounts(final RopeNode node, final int cps, final long units)
    {
        if (node == null)
        {
            return;
        }
        for (RopeNode n = node; n != null; n = n.parent)
        {
            n.cp += cps;
            n.u16 += units;
        }
        if (node instanceof RopeBranch)
        {
            // A branch's own counts change when a child comes or goes: its children changed.
            ((RopeBranch)node).markStructureChanged();
        }
        else
        {
            node.dirty = true;
        }
        RopeNode.markAncestorsDirty(node);
    }

    private void deleteInLeaf(final RopeLeaf leaf, final int rel, final int cpCount)
    {
        final int from = leaf.charIndex(rel);
        final int to = leaf.cp == leaf.u16 ? from + cpCount : leaf.charIndex(rel + cpCount);
        final int len = (int)leaf.u16;
        if (leaf.blockHash == null)
        {
            allocateBlocks(leaf);
        }
        leaf.noteDelete(from, to);
        System.arraycopy(leaf.chars, to, leaf.chars, from, len - to);
        addCounts(leaf, -cpCount, from - to);
    }

    /**
     * Delete a range spanning leaves: each round, descend to the first code point still to delete and either drop the
     * highest subtree that starts there and lies wholly inside the range, or trim one leaf; then restore the B-tree
     * invariants before the next round: O(fanout * depth) rounds of O(fanout * depth) work, whatever the range.
     */
    private void deleteSpanning(final int cpPos, final int cpCount)
    {
        int remaining = cpCount;
        while (remaining > 0)
        {
            RopeNode node = root;
            int p = cpPos;
            while (true)
            {
                if (node instanceof RopeLeaf)
                {
                    final RopeLeaf leaf = (RopeLeaf)node;
                    final int d = Math.min(remaining, leaf.cp - p);
                    deleteInLeaf(leaf, p, d);
                    remaining -= d;
                    if (leaf.u16 < leafMin && leaf.parent != null)
                    {
                        rebalance(leaf);
                    }
                    break;
                }
                final RopeBranch b = (RopeBranch)node;
                int i = 0;
                RopeNode kid = b.kids[0];
                while (p >= kid.cp)
                {
                    p -= kid.cp;
                    kid = b.kids[++i];
                }
                if (p == 0 && kid.cp <= remaining)
                {
                    remaining -= kid.cp;
                    removeKid(b, i);
                    break;
                }
                node = kid;
            }
        }
        finger = null;
    }

    /** Insert into a leaf that overflows: cut leaf head + text + leaf tail into new leaves after it. */
    private void insertSplitting(final RopeLeaf leaf, final int rel, final CharSequence s)
    {
        final int at = leaf.charIndex(rel);
        final int len = (int)leaf.u16;
        final int n = s.length();
        final char[] head = leaf.chars;
        final char[] tail = Arrays.copyOfRange(head, at, len);
        final long total = (long)len + n;
        final int pieces = (int)Math.max(2, (total + leafFill - 1) / leafFill);
        final RopeLeaf[] extra = new RopeLeaf[pieces - 1];

        final long firstEnd = pieces == 2 ?
            splitAtCursor(total, head, at, s, tail) : pieceBoundary(1, pieces, total, head, at, s, tail);
        long start = firstEnd;
        int cps = 0;
        for (int j = 1; j < pieces; j++)
        {
            final long end = pieceBoundary(j + 1, pieces, total, head, at, s, tail);
            final int size = (int)(end - start);
            final RopeLeaf piece = newLeaf(leafMax);
            copyVirtual(start, end, head, at, s, tail, piece.chars, 0);
            piece.u16 = size;
            piece.recount();
            cps += piece.cp;
            extra[j - 1] = piece;
            start = end;
        }

        final int oldCp = leaf.cp;
        if (head.length < leafMax)
        {
            grow(leaf, leafMax);
        }
        if (firstEnd > at)
        {
            copyVirtual(at, firstEnd, head, at, s, tail, leaf.chars, at);
        }
        leaf.u16 = firstEnd;
        leaf.recount();
        leaf.noteRewrite();
        cps += leaf.cp;
        // The branches above gain the inserted text now; the splits below only partition what they count.
        addCounts(leaf.parent, cps - oldCp, n);
        insertAfter(leaf, extra, extra.length);
    }

    /**
     * Where to cut an overflowing leaf in two: after the inserted text, as far as both pieces stay within
     * [leafMin, leafMax].
     * Typing runs forward from there, so the piece behind it stays 3/4 full or more; an even split would leave a
     * half-empty leaf behind every split of a document typed from start to end.
     */
    private long splitAtCursor(
        final long total, final char[] head, final int at, final CharSequence s, final char[] tail)
    {
        // One unit of slack on each side for moving the cut past a surrogate pair (total <= 2 * leafFill).
        final long lo = Math.max(leafMin + 1, total - leafMax + 1);
        final long hi = Math.min(leafMax - 1, total - leafMin - 1);
        long b = Math.max(lo, Math.min(hi, (long)at + s.length()));
        if (Character.isHighSurrogate(charAtVirtual(b - 1, head, at, s, tail)))
        {
            b++;
        }
        return b;
    }

    /** End of piece {@code j - 1} of {@code pieces} even pieces of the virtual text, moved past a surrogate pair. */
    private static long pieceBoundary(
        final int j, final int pieces, final long total, final char[] head, final int at, final CharSequence s,
        final char[] tail)
    {
        if (j == pieces)
        {
            return total;
        }
        long b = total * j / pieces;
        if (Character.isHighSurrogate(charAtVirtual(b - 1, head, at, s, tail)))
        {
            b++;
        }
        return b;
    }

    /** A code unit of the virtual text head[0, at) + s + tail. */
    private static char charAtVirtual(
        final long i, final char[] head, final int at, final CharSequence s, final char[] tail)
    {
        if (i < at)
        {
            return head[(int)i];
        }
        final long inS = i - at;
        return inS < s.length() ? s.charAt((int)inS) : tail[(int)(inS - s.length())];
    }

    /** Copy [from, to) of the virtual text head[0, at) + s + tail into dst. */
    private static void copyVirtual(
        final long from, final long to, final char[] head, final int at, final CharSequence s, final char[] tail,
        final char[] dst, final int dstOff)
    {
        long i = from;
        int d = dstOff;
        if (i < at)
        {
            final int e = (int)Math.min(to, at);
            System.arraycopy(head, (int)i, dst, d, e - (int)i);
            d += e - (int)i;
            i = e;
        }
        final long sEnd = (long)at + s.length();
        if (i < to && i < sEnd)
        {
            final long e = Math.min(to, sEnd);
            copy(s, (int)(i - at), (int)(e - at), dst, d);
            d += (int)(e - i);
            i = e;
        }
        if (i < to)
        {
            System.arraycopy(tail, (int)(i - sEnd), dst, d, (int)(to - i));
        }
    }

    /**
     * Put {@code extra[0, count)} right after {@code node} as its siblings, splitting the parent (and so on up) when
     * it overflows. The parent's counts must already include them.
     */
    private void insertAfter(final RopeNode node, final RopeNode[] extra, final int count)
    {
        final RopeBranch p = node.parent;
        if (p == null)
        {
            RopeNode[] level = new RopeNode[count + 1];
            level[0] = node;
            System.arraycopy(extra, 0, level, 1, count);
            while (level.length > 1)
            {
                level = group(level, level.length);
            }
            root = level[0];
            root.parent = null;
            return;
        }
        final int i = p.indexOf(node);
        final int size = p.size;
        final int combined = size + count;
        if (combined <= fanout)
        {
            final RopeNode[] kids = p.kids;
            System.arraycopy(kids, i + 1, kids, i + 1 + count, size - i - 1);
            for (int j = 0; j < count; j++)
            {
                final RopeNode kid = extra[j];
                kids[i + 1 + j] = kid;
                kid.parent = p;
            }
            p.size = combined;
            p.markStructureChanged();
            return;
        }
        final RopeNode[] all = new RopeNode[combined];
        System.arraycopy(p.kids, 0, all, 0, i + 1);
        System.arraycopy(extra, 0, all, i + 1, count);
        System.arraycopy(p.kids, i + 1, all, i + 1 + count, size - i - 1);
        final int groups = (combined + fanout - 1) / fanout;
        final RopeNode[] siblings = new RopeNode[groups - 1];
        for (int g = 1; g < groups; g++)
        {
            final int from = (int)((long)combined * g / groups);
            final int to = (int)((long)combined * (g + 1) / groups);
            final RopeBranch b = newBranch();
            b.adopt(all, from, to - from);
            siblings[g - 1] = b;
        }
        p.adopt(all, 0, (int)((long)combined / groups));
        insertAfter(p, siblings, siblings.length);
    }

    /** Group {@code nodes[0, count)} under new branches, as evenly as the fanout allows. */
    private RopeNode[] group(final RopeNode[] nodes, final int count)
    {
        final int groups = (count + fanout - 1) / fanout;
        final RopeNode[] parents = new RopeNode[groups];
        for (int g = 0; g < groups; g++)
        {
            final int from = (int)((long)count * g / groups);
            final int to = (int)((long)count * (g + 1) / groups);
            final RopeBranch b = newBranch();
            b.adopt(nodes, from, to - from);
            parents[g] = b;
        }
        return parents;
    }

    /** Remove a whole subtree with its text. */
    private void removeKid(final RopeBranch b, final int i)
    {
        final RopeNode kid = b.kids[i];
        addCounts(b, -kid.cp, -kid.u16);
        dropKid(b, i);
        forget(kid);
        afterShrink(b);
    }

    /** Unlink child i, whose text has gone or moved elsewhere; counts are the caller's business. */
    private static void dropKid(final RopeBranch b, final int i)
    {
        final RopeNode[] kids = b.kids;
        final int last = b.size - 1;
        kids[i].parent = null;
        System.arraycopy(kids, i + 1, kids, i, last - i);
        kids[last] = null;
        b.size = last;
        b.invalidate();
    }

    /** Restore the invariants after a branch lost a child. */
    private void afterShrink(final RopeBranch b)
    {
        if (b.parent != null)
        {
            if (b.size < branchMin)
            {
                rebalance(b);
            }
            return;
        }
        while (root instanceof RopeBranch && ((RopeBranch)root).size == 1)
        {
            final RopeNode only = ((RopeBranch)root).kids[0];
            only.parent = null;
            branchCount--;
            root = only;
        }
    }

    /**
     * Bring an underfull non-root node back within bounds by merging it with a sibling, or, when both together are
     * too big for one node, by sharing evenly with it. The parent's counts are unchanged either way.
     */
    private void rebalance(final RopeNode node)
    {
        finger = null;
        final RopeBranch p = node.parent;
        final int i = p.indexOf(node);
        if (node.u16 == 0)
        {
            // An emptied leaf (a branch always holds text) goes without disturbing a sibling.
            dropKid(p, i);
            forget(node);
            afterShrink(p);
            return;
        }
        final int li = i > 0 ? i - 1 : i;
        final RopeNode left = p.kids[li];
        final RopeNode right = p.kids[li + 1];
        final boolean merged = node instanceof RopeLeaf ?
            mergeLeaves((RopeLeaf)left, (RopeLeaf)right) : mergeBranches((RopeBranch)left, (RopeBranch)right);
        markChanged(left);
        markChanged(right);
        p.invalidate();
        if (merged)
        {
            dropKid(p, li + 1);
            afterShrink(p);
        }
    }

    /** @return true if right was merged into left (and released), false if they now share the text evenly. */
    private boolean mergeLeaves(final RopeLeaf left, final RopeLeaf right)
    {
        final int a = left.length();
        final int b = right.length();
        final int total = a + b;
        left.noteRewrite();
        right.noteRewrite();
        if (total <= leafMax)
        {
            if (left.chars.length < total)
            {
                grow(left, leafMax);
            }
            System.arraycopy(right.chars, 0, left.chars, a, b);
            left.u16 = total;
            left.cp += right.cp;
            releaseLeaf(right);
            return true;
        }
        int cut = total / 2;
        final char before = cut - 1 < a ? left.chars[cut - 1] : right.chars[cut - 1 - a];
        if (Character.isHighSurrogate(before))
        {
            cut++;
        }
        if (left.chars.length < cut)
        {
            grow(left, leafMax);
        }
        if (right.chars.length < total - cut)
        {
            grow(right, leafMax);
        }
        if (cut > a)
        {
            final int m = cut - a;
            System.arraycopy(right.chars, 0, left.chars, a, m);
            System.arraycopy(right.chars, m, right.chars, 0, b - m);
        }
        else
        {
            final int m = a - cut;
            System.arraycopy(right.chars, 0, right.chars, m, b);
            System.arraycopy(left.chars, cut, right.chars, 0, m);
        }
        final int cps = left.cp + right.cp;
        left.u16 = cut;
        left.recount();
        right.u16 = total - cut;
        right.cp = cps - left.cp;
        return false;
    }

    /** @return true if right was merged into left (and released), false if they now share the children evenly. */
    private boolean mergeBranches(final RopeBranch left, final RopeBranch right)
    {
        final int total = left.size + right.size;
        final RopeNode[] all = new RopeNode[total];
        System.arraycopy(left.kids, 0, all, 0, left.size);
        System.arraycopy(right.kids, 0, all, left.size, right.size);
        if (total <= fanout)
        {
            left.adopt(all, 0, total);
            right.size = 0;
            Arrays.fill(right.kids, null);
            branchCount--;
            return true;
        }
        left.adopt(all, 0, total / 2);
        right.adopt(all, total / 2, total - total / 2);
        return false;
    }

    private void appendRange(final RopeNode node, final int from, final int to, final StringBuilder out)
    {
        if (node instanceof RopeLeaf)
        {
            final RopeLeaf leaf = (RopeLeaf)node;
            final int a = leaf.charIndex(from);
            final int b = leaf.cp == leaf.u16 ? to : leaf.charIndex(to);
            out.append(leaf.chars, a, b - a);
            return;
        }
        final RopeBranch b = (RopeBranch)node;
        int f = from;
        int t = to;
        for (int i = 0, n = b.size; i < n && t > 0; i++)
        {
            final RopeNode kid = b.kids[i];
            if (f < kid.cp)
            {
                appendRange(kid, Math.max(f, 0), Math.min(t, kid.cp), out);
            }
            f -= kid.cp;
            t -= kid.cp;
        }
    }

    private static void visit(final RopeNode node, final ChunkVisitor visitor)
    {
        if (node instanceof RopeLeaf)
        {
            final RopeLeaf leaf = (RopeLeaf)node;
            if (leaf.u16 > 0)
            {
                visitor.onChunk(leaf.chars, 0, leaf.length());
            }
            return;
        }
        final RopeBranch b = (RopeBranch)node;
        for (int i = 0, n = b.size; i < n; i++)
        {
            visit(b.kids[i], visitor);
        }
    }

    /** Copy s[from, to) into dst, in bulk for the usual CharSequence types. */
    private static void copy(final CharSequence s, final int from, final int to, final char[] dst, final int dstOff)
    {
        if (s instanceof String)
        {
            ((String)s).getChars(from, to, dst, dstOff);
        }
        else if (s instanceof StringBuilder)
        {
            ((StringBuilder)s).getChars(from, to, dst, dstOff);
        }
        else if (s instanceof ArrayText)
        {
            final ArrayText a = (ArrayText)s;
            System.arraycopy(a.chars, a.offset + from, dst, dstOff, to - from);
        }
        else if (s instanceof CharBuffer && ((CharBuffer)s).hasArray())
        {
            final CharBuffer cb = (CharBuffer)s;
            System.arraycopy(cb.array(), cb.arrayOffset() + cb.position() + from, dst, dstOff, to - from);
        }
        else
        {
            for (int i = from, d = dstOff; i < to; i++, d++)
            {
                dst[d] = s.charAt(i);
            }
        }
    }

    private RopeLeaf newLeaf(final int capacity)
    {
        leafCount++;
        leafArrayBytes += charArrayBytes(capacity);
        return new RopeLeaf(new char[capacity]);
    }

    /** Enlarge a leaf's array (only a small root leaf, or one about to absorb a sibling, is below leafMax). */
    private char[] grow(final RopeLeaf leaf, final int needed)
    {
        final int capacity = Math.min(leafMax, Math.max(needed, 2 * leaf.chars.length));
        leafArrayBytes += charArrayBytes(capacity) - charArrayBytes(leaf.chars.length);
        leaf.chars = Arrays.copyOf(leaf.chars, capacity);
        if (leaf.blockHash != null)
        {
            final int blocks = blockCapacity(capacity);
            blockArrayBytes += blockArrayBytes(blocks) - blockArrayBytes(leaf.blockHash.length);
            leaf.growBlocks(blocks);
        }
        return leaf.chars;
    }

    private RopeBranch newBranch()
    {
        branchCount++;
        return new RopeBranch(fanout);
    }

    private void releaseLeaf(final RopeLeaf leaf)
    {
        leafCount--;
        leafArrayBytes -= charArrayBytes(leaf.chars.length);
        if (leaf.blockHash != null)
        {
            blockArrayBytes -= blockArrayBytes(leaf.blockHash.length);
        }
    }

    /** Give a leaf its blocks on its first edit in place (bulk-loaded text that is never edited has none). */
    private void allocateBlocks(final RopeLeaf leaf)
    {
        final int blocks = blockCapacity(leaf.chars.length);
        blockArrayBytes += blockArrayBytes(blocks);
        leaf.allocateBlocks(blocks);
    }

    /** @return the most blocks a leaf of {@code chars} units can be laid out in (each block but the last is full). */
    private int blockCapacity(final int chars)
    {
        return Math.max(1, (chars + span - 1) / span);
    }

    private static long blockArrayBytes(final int blocks)
    {
        return longArrayBytes(blocks) + intArrayBytes(blocks);
    }

    /** Account for a subtree leaving the rope. */
    private void forget(final RopeNode node)
    {
        if (node instanceof RopeLeaf)
        {
            releaseLeaf((RopeLeaf)node);
            return;
        }
        final RopeBranch b = (RopeBranch)node;
        branchCount--;
        for (int i = 0, n = b.size; i < n; i++)
        {
            forget(b.kids[i]);
        }
    }

    private static long charArrayBytes(final int capacity)
    {
        return (ARRAY_HEADER + 2L * capacity + 7) & ~7L;
    }

    private static long longArrayBytes(final int capacity)
    {
        return ARRAY_HEADER + 8L * capacity;
    }

    private static long intArrayBytes(final int capacity)
    {
        return (ARRAY_HEADER + 4L * capacity + 7) & ~7L;
    }

    private static long refArrayBytes(final int capacity)
    {
        return (ARRAY_HEADER + 4L * capacity + 7) & ~7L;
    }

    private void checkPosition(final int cpPos)
    {
        if (cpPos < 0 || cpPos > root.cp)
        {
            throw new IndexOutOfBoundsException("position " + cpPos + " outside [0, " + root.cp + "]");
        }
    }

    /** Lengths are ints of code points: refuse, before any change, an insert that would overflow one. */
    private void checkRoom(final int cpCount)
    {
        if (cpCount > Integer.MAX_VALUE - root.cp)
        {
            throw new IllegalArgumentException(
                "inserting " + cpCount + " code points into " + root.cp + " exceeds " + Integer.MAX_VALUE);
        }
    }

    private void checkRange(final int cpPos, final int cpCount)
    {
        final int length = root.cp;
        if (cpPos < 0 || cpCount < 0 || cpPos + cpCount > length || cpPos + cpCount < 0)
        {
            throw new IndexOutOfBoundsException(
                "range [" + cpPos + ", " + ((long)cpPos + cpCount) + ") outside [0, " + length + "]");
        }
    }

    /**
     * Verify the structure (for tests): uniform leaf depth, node sizes within bounds, counts and parent links
     * consistent, no surrogate pair split between leaves, every clean node's cached hash right and every dirty node's
     * parent dirty, the finger's start right, the footprint counters exact.
     *
     * @throws IllegalStateException naming the first violation.
     */
    void checkInvariants()
    {
        if (root.parent != null)
        {
            throw new IllegalStateException("root has a parent");
        }
        final long[] tally = new long[4];
        check(root, tally);
        if (tally[0] != leafCount || tally[1] != leafArrayBytes || tally[2] != branchCount || tally[3] != blockArrayBytes)
        {
            throw new IllegalStateException("footprint counters " + leafCount + "/" + leafArrayBytes + "/" +
                branchCount + "/" + blockArrayBytes + " but tree has " + tally[0] + "/" + tally[1] + "/" + tally[2] + "/" +
                tally[3]);
        }
        if (finger != null)
        {
            int start = 0;
            RopeNode n = finger;
            for (RopeBranch b = n.parent; b != null; n = b, b = b.parent)
            {
                for (int i = 0, k = b.indexOf(n); i < k; i++)
                {
                    start += b.kids[i].cp;
                }
            }
            if (n != root || start != fingerCp)
            {
                throw new IllegalStateException("stale finger: start " + fingerCp + ", actual " + start);
            }
        }
    }

    /**
     * Laid-out blocks must cover the text exactly, never split a surrogate pair, count its pairs right, and hold the
     * checksum of their text, as must the leaf (dirty or not); a clean leaf with blocks has them laid out.
     */
    private void checkBlocks(final RopeLeaf leaf, final long[] tally)
    {
        if (leaf.blockHash == null)
        {
            return;
        }
        tally[3] += blockArrayBytes(leaf.blockHash.length);
        if (leaf.blockHash.length != blockCapacity(leaf.chars.length) || leaf.blockSize.length != leaf.blockHash.length)
        {
            throw new IllegalStateException("block arrays of " + leaf.blockHash.length);
        }
        if (leaf.blockCount < 0)
        {
            if (!leaf.dirty)
            {
                throw new IllegalStateException("clean leaf without laid-out blocks");
            }
            return;
        }
        int start = 0;
        for (int b = 0; b < leaf.blockCount; b++)
        {
            final int units = leaf.blockSize[b] & 0xFFFF;
            final int end = start + units;
            if (end > leaf.length())
            {
                throw new IllegalStateException("blocks beyond the text");
            }
            if (units > 0 && Character.isLowSurrogate(leaf.chars[start]))
            {
                throw new IllegalStateException("block " + b + " splits a surrogate pair");
            }
            if ((leaf.blockSize[b] >>> 16) != units - RopeLeaf.codePoints(leaf.chars, start, units))
            {
                throw new IllegalStateException("block " + b + " surrogate pair count is wrong");
            }
            if (leaf.blockHash[b] != TextChecksum.update(TextChecksum.EMPTY, leaf.chars, start, units))
            {
                throw new IllegalStateException("stale checksum of block " + b);
            }
            start = end;
        }
        if (start != leaf.length())
        {
            throw new IllegalStateException("blocks cover " + start + " of " + leaf.length() + " units");
        }
        if (leaf.hash != TextChecksum.update(TextChecksum.EMPTY, leaf.chars, 0, leaf.length()))
        {
            throw new IllegalStateException("leaf checksum not kept up to date by its blocks");
        }
    }

    /** @return the height of the subtree. */
    private int check(final RopeNode node, final long[] tally)
    {
        if (node.dirty && node.parent != null && !node.parent.dirty)
        {
            throw new IllegalStateException("dirty node under a clean parent");
        }
        final int height;
        if (node instanceof RopeLeaf)
        {
            final RopeLeaf leaf = (RopeLeaf)node;
            final int len = leaf.length();
            tally[0]++;
            tally[1] += charArrayBytes(leaf.chars.length);
            if (len > leafMax || len > leaf.chars.length || leaf.chars.length > leafMax ||
                (leaf != root && len < leafMin))
            {
                throw new IllegalStateException("leaf of " + len + " units, capacity " + leaf.chars.length);
            }
            checkBlocks(leaf, tally);
            if (leaf.cp != RopeLeaf.codePoints(leaf.chars, 0, len))
            {
                throw new IllegalStateException("leaf code point count " + leaf.cp + " is wrong");
            }
            if (len > 0 && (Character.isLowSurrogate(leaf.chars[0]) || Character.isHighSurrogate(leaf.chars[len - 1])))
            {
                throw new IllegalStateException("leaf splits a surrogate pair");
            }
            height = 0;
        }
        else
        {
            final RopeBranch b = (RopeBranch)node;
            tally[2]++;
            if (b.size > fanout || b.size < (b == root ? 2 : branchMin))
            {
                throw new IllegalStateException("branch of " + b.size + " children");
            }
            int cps = 0;
            long units = 0;
            int h = -1;
            for (int i = 0; i < b.kids.length; i++)
            {
                final RopeNode kid = b.kids[i];
                if (i >= b.size)
                {
                    if (kid != null)
                    {
                        throw new IllegalStateException("stale child reference");
                    }
                    continue;
                }
                if (kid.parent != b)
                {
                    throw new IllegalStateException("broken parent link");
                }
                final int kh = check(kid, tally);
                if (h >= 0 && kh != h)
                {
                    throw new IllegalStateException("unbalanced: leaf depths differ");
                }
                h = kh;
                cps += kid.cp;
                units += kid.u16;
            }
            if (cps != b.cp || units != b.u16)
            {
                throw new IllegalStateException(
                    "branch counts " + b.cp + "/" + b.u16 + ", children " + cps + "/" + units);
            }
            height = h + 1;
        }
        if (!node.dirty)
        {
            // Clean leaves against Horner over their text, clean branches against their (already checked) children.
            long h = TextChecksum.EMPTY;
            if (node instanceof RopeLeaf)
            {
                h = TextChecksum.update(h, ((RopeLeaf)node).chars, 0, ((RopeLeaf)node).length());
            }
            else
            {
                final RopeBranch b = (RopeBranch)node;
                for (int i = 0; i < b.size; i++)
                {
                    h = TextChecksum.combine(h, b.kids[i].hash, b.kids[i].pow);
                }
            }
            if (h != node.hash || node.pow != TextChecksum.pow(node.u16))
            {
                throw new IllegalStateException("stale cached hash on a clean node");
            }
        }
        return height;
    }

    /** A reusable read-only view of an array slice as a CharSequence. */
    private static final class ArrayText implements CharSequence
    {
        private char[] chars;
        private int offset;
        private int length;

        ArrayText wrap(final char[] chars, final int offset, final int length)
        {
            this.chars = chars;
            this.offset = offset;
            this.length = length;
            return this;
        }

        @Override
        public int length()
        {
            return length;
        }

        @Override
        public char charAt(final int index)
        {
            return chars[offset + index];
        }

        @Override
        public CharSequence subSequence(final int start, final int end)
        {
            return new String(chars, offset + start, end - start);
        }

        @Override
        public String toString()
        {
            return new String(chars, offset, length);
        }
    }
}
