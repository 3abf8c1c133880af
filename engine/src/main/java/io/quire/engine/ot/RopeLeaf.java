package io.quire.engine.ot;

/**
 * A leaf of a {@link Rope}: a run of UTF-16 code units in {@code chars[0, u16)}. A leaf never splits a surrogate pair.
 * <p>
 * Blocks: the engine takes a checksum after every op, and an op usually changes one spot of one leaf, so a leaf
 * edited in place splits its text into a few consecutive blocks (about {@code span} units each, never splitting a
 * surrogate pair) and keeps, per block, its length, its surrogate pairs and its checksum. An edit then touches only
 * the counts of its block and marks that block's checksum stale; {@link #refreshHash} rehashes only stale blocks
 * (O(span) units, not O(leaf)) and folds the block checksums into the leaf's. The same counts let {@link #charIndex}
 * skip whole blocks by their code point counts and scan within one block only. A leaf never edited in place (bulk
 * loaded text) has no blocks and pays nothing for them; anything but an edit in place (a split, a merge) drops the
 * blocks' contents and the next hash lays them out afresh.
 */
final class RopeLeaf extends RopeNode
{
    /** {@link #blockHash} of a block whose text changed since its checksum was taken. */
    private static final long STALE = -1;
    /** A block that grows beyond this many times the span makes the next hash lay the blocks out afresh. */
    private static final int GROWTH = 2;

    char[] chars;
    /** Checksum of each block (or {@link #STALE}); null until the leaf is first edited in place. */
    long[] blockHash;
    /** Per block: code units in the low 16 bits, surrogate pairs in the high 16 ({@link #unitsOf}, {@link #pairsOf}). */
    int[] blockSize;
    /** Blocks in use; -1 when the blocks do not describe the text (never laid out, or rewritten wholesale). */
    int blockCount = -1;

    RopeLeaf(final char[] chars)
    {
        this.chars = chars;
    }

    int length()
    {
        return (int)u16;
    }

    private static int unitsOf(final int size)
    {
        return size & 0xFFFF;
    }

    private static int pairsOf(final int size)
    {
        return size >>> 16;
    }

    /**
     * @param cpOffset code point offset in [0, cp].
     * @return the matching code unit offset.
     */
    int charIndex(final int cpOffset)
    {
        final int len = (int)u16;
        if (cp == len)
        {
            return cpOffset;
        }
        final int blocks = blockCount;
        if (blocks < 0)
        {
            return charIndex(chars, 0, len, cp, cpOffset);
        }
        // Skip whole blocks by their code point counts; only the block holding the position is scanned.
        final int[] sizes = blockSize;
        int unitStart = 0;
        int cpStart = 0;
        for (int b = 0; b < blocks; b++)
        {
            final int units = unitsOf(sizes[b]);
            final int pairs = pairsOf(sizes[b]);
            final int cps = units - pairs;
            if (cpOffset - cpStart <= cps)
            {
                final int rel = cpOffset - cpStart;
                return unitStart + (pairs == 0 ? rel : charIndex(chars, unitStart, units, cps, rel));
            }
            unitStart += units;
            cpStart += cps;
        }
        throw new IllegalStateException("code point " + cpOffset + " beyond the leaf's blocks");
    }

    /**
     * @param a        text.
     * @param from     first code unit of a run of whole code points.
     * @param len      code units in the run.
     * @param cps      code points in the run.
     * @param cpOffset code point offset in [0, cps].
     * @return the code unit offset of that code point, relative to {@code from}.
     */
    private static int charIndex(final char[] a, final int from, final int len, final int cps, final int cpOffset)
    {
        if (cpOffset <= cps >>> 1)
        {
            // Well-formed text: every pair is a high then a low surrogate, both in this run. The answer is the least i
            // with i == cpOffset + (high surrogates in [0, i)): iterate up from cpOffset, counting only the units each
            // round adds (a few rounds, each a branch-free count), not one code point at a time.
            int i = cpOffset;
            int scanned = 0;
            int highs = 0;
            while (true)
            {
                highs += count(a, from + scanned, from + i, HIGH);
                scanned = i;
                final int next = cpOffset + highs;
                if (next == i)
                {
                    return i;
                }
                i = next;
            }
        }
        // The same from the end: j units hold the last (cps - cpOffset) code points when j == that + (low surrogates
        // in the last j units).
        final int end = from + len;
        final int tail = cps - cpOffset;
        int j = tail;
        int scanned = 0;
        int lows = 0;
        while (true)
        {
            lows += count(a, end - j, end - scanned, LOW);
            scanned = j;
            final int next = tail + lows;
            if (next == j)
            {
                return len - j;
            }
            j = next;
        }
    }

    private static final int HIGH = 0xD800;
    private static final int LOW = 0xDC00;

    /** Units in a[from, to) whose top six bits are those of {@code tag} (HIGH or LOW surrogates), without branches. */
    private static int count(final char[] a, final int from, final int to, final int tag)
    {
        int n = 0;
        for (int k = from; k < to; k++)
        {
            n += (((a[k] & 0xFC00) ^ tag) - 1) >>> 31;
        }
        return n;
    }

    /**
     * Give the leaf (empty) blocks on its first edit in place; the next hash lays them out.
     *
     * @param capacity most blocks a leaf of the rope can have.
     */
    void allocateBlocks(final int capacity)
    {
        blockHash = new long[capacity];
        blockSize = new int[capacity];
        blockCount = -1;
    }

    /** Make room for more blocks, the leaf's array having grown; blocks laid out stay as they are. */
    void growBlocks(final int capacity)
    {
        blockHash = java.util.Arrays.copyOf(blockHash, capacity);
        blockSize = java.util.Arrays.copyOf(blockSize, capacity);
    }

    /**
     * Record that {@code n} units holding {@code pairs} surrogate pairs were inserted at {@code at} (already in
     * {@link #chars}; the counts may change before or after).
     */
    void noteInsert(final int at, final int n, final int pairs)
    {
        final int blocks = blockCount;
        if (blocks <= 0)
        {
            blockCount = -1;
            return;
        }
        // The block holding the unit before the insert (the first block for an insert at 0) takes the text; a
        // block's length fits its 16 bits since a leaf holds at most ChunkHash.MAX_RUN units.
        final int[] sizes = blockSize;
        int end = 0;
        int b = 0;
        for (; b < blocks - 1; b++)
        {
            end += unitsOf(sizes[b]);
            if (at <= end)
            {
                break;
            }
        }
        sizes[b] += n + (pairs << 16);
        blockHash[b] = STALE;
    }

    /**
     * Record a delete of units [from, to); call before the units move.
     */
    void noteDelete(final int from, final int to)
    {
        final int blocks = blockCount;
        if (blocks <= 0)
        {
            blockCount = -1;
            return;
        }
        final int[] sizes = blockSize;
        int start = 0;
        for (int b = 0; b < blocks; b++)
        {
            final int units = unitsOf(sizes[b]);
            if (from < start + units)
            {
                if (to > start + units)
                {
                    // Spans blocks: rare (deletes are usually a few characters); lay the blocks out afresh.
                    blockCount = -1;
                    return;
                }
                sizes[b] -= (to - from) + (count(chars, from, to, LOW) << 16);
                blockHash[b] = STALE;
                return;
            }
            start += units;
        }
        blockCount = -1;
    }

    /** Record that the text changed wholesale (split, merge): the next hash is a full one. */
    void noteRewrite()
    {
        blockCount = -1;
        dirty = true;
    }

    /** Recount code points after the text changed wholesale. */
    void recount()
    {
        cp = codePoints(chars, 0, (int)u16);
    }

    static int codePoints(final char[] a, final int from, final int length)
    {
        return length - count(a, from, from + length, LOW);
    }

    @Override
    long refreshHash(final int span)
    {
        if (dirty)
        {
            final int len = (int)u16;
            if (blockHash == null)
            {
                hash = ChunkHash.hash(chars, 0, len);
            }
            else if (blockCount < 0 || !rehashBlocks(span))
            {
                layOutBlocks(span);
            }
            pow = ChunkHash.pow(len);
            dirty = false;
        }
        return hash;
    }

    /**
     * Rehash the stale blocks and fold all of them into the leaf's checksum.
     *
     * @return false, changing nothing, if a stale block has grown too long and the blocks should be laid out afresh.
     */
    private boolean rehashBlocks(final int span)
    {
        final long[] hashes = blockHash;
        final int[] sizes = blockSize;
        final int blocks = blockCount;
        for (int b = 0; b < blocks; b++)
        {
            if (hashes[b] == STALE && unitsOf(sizes[b]) > GROWTH * span)
            {
                return false;
            }
        }
        // H(leaf) = sum over blocks of H(block) * BASE^(units after the block): independent products, from the end.
        long h = TextChecksum.EMPTY;
        int end = (int)u16;
        for (int b = blocks - 1; b >= 0; b--)
        {
            final int units = unitsOf(sizes[b]);
            final int start = end - units;
            long bh = hashes[b];
            if (bh == STALE)
            {
                bh = ChunkHash.hash(chars, start, units);
                hashes[b] = bh;
            }
            h = TextChecksum.addMod(h, TextChecksum.mulMod(bh, ChunkHash.pow((int)u16 - end)));
            end = start;
        }
        hash = h;
        return true;
    }

    /** Split the text into blocks of about {@code span} units (one more where a surrogate pair would be split). */
    private void layOutBlocks(final int span)
    {
        final char[] a = chars;
        final long[] hashes = blockHash;
        final int[] sizes = blockSize;
        final int len = (int)u16;
        long h = TextChecksum.EMPTY;
        int b = 0;
        for (int start = 0; start < len; b++)
        {
            int end = Math.min(len, start + span);
            if (Character.isHighSurrogate(a[end - 1]) && end < len)
            {
                end++;
            }
            final int units = end - start;
            final long bh = ChunkHash.hash(a, start, units);
            hashes[b] = bh;
            sizes[b] = units | count(a, start, end, LOW) << 16;
            h = TextChecksum.combine(h, bh, ChunkHash.pow(units));
            start = end;
        }
        blockCount = b;
        hash = h;
    }
}
