package io.quire.engine.ot;

/**
 * A leaf of a {@link Rope}: a run of UTF-16 code units in {@code chars[0, u16)}. A leaf never splits a surrogate pair.
 * <p>
 * Blocks: the engine takes a checksum after every op, and an op usually changes one spot of one leaf, so a leaf
 * edited in place splits its text into a few consecutive blocks (about {@code span} units each, never splitting a
 * surrogate pair) and keeps, per block, its length, its surrogate pairs and its checksum. An edit updates the
 * counts of its block and, from the old checksums, the checksums of its block and of the leaf, hashing only the
 * shorter side of the block around the edit ({@link #splice}), so {@link #refreshHash} has nothing left to hash. The
 * same counts let {@link #charIndex} skip whole blocks by their code point counts and scan within one block only. A
 * leaf never edited in place (bulk-loaded text) has no blocks and pays nothing for them; anything but an edit in
 * place (a split, a merge, an insert that grows a block past twice the span) drops the blocks' contents and the next
 * hash lays them out afresh.
 */
final class RopeLeaf extends RopeNode
{
    /** A block that grows beyond this many times the span makes the next hash lay the blocks out afresh. */
    private static final int GROWTH = 2;

    char[] chars;
    /** Checksum of each block; null until the leaf is first edited in place. */
    long[] blockHash;
    /** Per block: code units in the low 16 bits, surrogate pairs in the high 16 ({@link #unitsOf}, {@link #pairsOf}). */
    int[] blockSize;
    /**
     * Blocks in use; -1 when the blocks do not describe the text (never laid out, rewritten wholesale, or edited in
     * a way not worth following). While it is not -1, {@link #hash} and the blocks' checksums are kept exact by
     * every edit, even while the leaf is dirty (its {@link #pow} and its ancestors' hashes are then stale).
     */
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
     * Record that {@code n} units holding {@code pairs} surrogate pairs were inserted at {@code at}: call once they
     * are in {@link #chars}, before the counts change.
     *
     * @param span the rope's block size: a block grown past {@value #GROWTH} times it is laid out afresh instead.
     */
    void noteInsert(final int at, final int n, final int pairs, final int span)
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
        int start = 0;
        int b = 0;
        for (; b < blocks - 1; b++)
        {
            final int end = start + unitsOf(sizes[b]);
            if (at <= end)
            {
                break;
            }
            start = end;
        }
        final int units = unitsOf(sizes[b]);
        if (units + n > GROWTH * span)
        {
            blockCount = -1;
            return;
        }
        splice(b, start, units, (int)u16, at, TextChecksum.EMPTY, 0, ChunkHash.hash(chars, at, n), n, at + n);
        sizes[b] += n + (pairs << 16);
    }

    /**
     * Record a delete of units [from, to); call before the units move and the counts change.
     */
    void noteDelete(final int from, final int to)
    {
        final int blocks = blockCount;
        if (blocks <= 0)
        {
            blockCount = -1;
            return;
        }
        // The first and last blocks the range touches (skipping empty blocks at its ends).
        final int[] sizes = blockSize;
        int first = 0;
        int firstStart = 0;
        while (first < blocks - 1 && from >= firstStart + unitsOf(sizes[first]))
        {
            firstStart += unitsOf(sizes[first++]);
        }
        int last = first;
        int lastStart = firstStart;
        while (last < blocks - 1 && to > lastStart + unitsOf(sizes[last]))
        {
            lastStart += unitsOf(sizes[last++]);
        }
        // A range across blocks (a few units over a boundary, usually) is deleted from each in turn, the last first,
        // so that the blocks still to do keep their places in chars and the leaf's length is all that changes.
        int leafLength = (int)u16;
        int start = lastStart;
        for (int b = last; b >= first; b--)
        {
            final int units = unitsOf(sizes[b]);
            final int f = Math.max(from, start);
            final int t = Math.min(to, start + units);
            final int n = t - f;
            splice(b, start, units, leafLength, f, ChunkHash.hash(chars, f, n), n, TextChecksum.EMPTY, 0, t);
            sizes[b] -= n + (count(chars, f, t, LOW) << 16);
            leafLength -= n;
            if (b > first)
            {
                start -= unitsOf(sizes[b - 1]);
            }
        }
    }

    /**
     * Update the checksums of block {@code b} and of the leaf for a middle piece of the block replaced: before, the
     * block was {@code pre + mid + post} with {@code mid} at {@code at}; after, it is {@code pre + mid' + post}.
     * <p>
     * With {@code H(pre + mid + post) = H(pre) * B^(|mid| + |post|) + H(mid) * B^|post| + H(post)}, the old checksum
     * and the hash of either side give the other side, so only the shorter side of the block is hashed (on average a
     * quarter of it), and the same step one level up, where the leaf's sides are the block's sides plus the blocks
     * before or after it, folds only the fewer of those blocks.
     *
     * @param leafLength the leaf's length in units before this change.
     * @param postAt     where {@code post} starts in {@link #chars} now: an insert has already moved it, a delete
     *                   not yet.
     */
    private void splice(
        final int b, final int start, final int units, final int leafLength, final int at, final long oldMid,
        final int oldLen, final long newMid, final int newLen, final int postAt)
    {
        final char[] a = chars;
        final long[] hashes = blockHash;
        final int[] sizes = blockSize;
        final int blocks = blockCount;
        final int preLen = at - start;
        final int postLen = units - preLen - oldLen;
        long pre;
        long post;
        if (preLen <= postLen)
        {
            pre = ChunkHash.hash(a, start, preLen);
            post = otherSide(hashes[b], pre, oldMid, oldLen, postLen, true);
        }
        else
        {
            post = ChunkHash.hash(a, postAt, postLen);
            pre = otherSide(hashes[b], post, oldMid, oldLen, postLen, false);
        }
        hashes[b] = join(pre, newMid, newLen, post, postLen);

        // The leaf: its text before the piece is the blocks before b then pre, after it post then the blocks after b.
        final int tail = leafLength - start - units;
        if (b < blocks - 1 - b)
        {
            long before = TextChecksum.EMPTY;
            for (int k = 0; k < b; k++)
            {
                before = TextChecksum.combine(before, hashes[k], ChunkHash.pow(unitsOf(sizes[k])));
            }
            pre = TextChecksum.combine(before, pre, ChunkHash.pow(preLen));
            post = otherSide(hash, pre, oldMid, oldLen, postLen + tail, true);
        }
        else
        {
            long after = TextChecksum.EMPTY;
            for (int k = b + 1; k < blocks; k++)
            {
                after = TextChecksum.combine(after, hashes[k], ChunkHash.pow(unitsOf(sizes[k])));
            }
            post = TextChecksum.combine(post, after, ChunkHash.pow(tail));
            pre = otherSide(hash, post, oldMid, oldLen, postLen + tail, false);
        }
        hash = join(pre, newMid, newLen, post, postLen + tail);
    }

    /**
     * @param whole   H(pre + mid + post).
     * @param side    H(pre) if {@code knownPre}, else H(post).
     * @param mid     H(mid).
     * @param midLen  |mid|.
     * @param postLen |post|.
     * @return H(post) if {@code knownPre}, else H(pre).
     */
    private static long otherSide(
        final long whole, final long side, final long mid, final int midLen, final int postLen, final boolean knownPre)
    {
        final long midPart = TextChecksum.mulMod(mid, ChunkHash.pow(postLen));
        if (knownPre)
        {
            return sub(sub(whole, TextChecksum.mulMod(side, ChunkHash.pow(midLen + postLen))), midPart);
        }
        return TextChecksum.mulMod(sub(sub(whole, side), midPart), ChunkHash.invPow(midLen + postLen));
    }

    /** @return H(pre + mid + post) from the three hashes. */
    private static long join(final long pre, final long mid, final int midLen, final long post, final int postLen)
    {
        return TextChecksum.addMod(TextChecksum.addMod(TextChecksum.mulMod(pre, ChunkHash.pow(midLen + postLen)),
            TextChecksum.mulMod(mid, ChunkHash.pow(postLen))), post);
    }

    private static long sub(final long a, final long b)
    {
        return TextChecksum.addMod(a, TextChecksum.MOD - b);
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
            else if (blockCount < 0)
            {
                layOutBlocks(span);
            }
            // else the edits kept the leaf's checksum up to date
            pow = ChunkHash.pow(len);
            dirty = false;
        }
        return hash;
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
