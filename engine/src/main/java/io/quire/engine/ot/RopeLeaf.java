package io.quire.engine.ot;

/**
 * A leaf of a {@link Rope}: a run of UTF-16 code units in {@code chars[0, u16)}. A leaf never splits a surrogate pair.
 * <p>
 * Incremental rehash: the engine takes a checksum after every op, and an op usually changes one spot of one leaf.
 * A leaf edited in place keeps prefix checksums every {@link #SPAN} units ({@link #cuts}) and, while dirty, the one
 * window of its text that changed since its last hash, with the checksum of the old text the window replaced. Then
 * {@code H(post) = H_old - H(pre) * B^(oldLen + post) - H(old) * B^post} and
 * {@code H_new = H(pre) * B^(winLen + post) + H(window) * B^post + H(post)}: hashing under {@link #SPAN} units of
 * prefix plus the window instead of the whole leaf. Anything else (a split, a merge, edits in two places) falls back
 * to a full rehash, which also rebuilds the cuts.
 */
final class RopeLeaf extends RopeNode
{
    /** Spacing of the prefix checksums. */
    static final int SPAN = 128;
    /** Deletes longer than this, from a clean leaf, are not hashed on the edit path: the leaf is rehashed instead. */
    private static final int MAX_HASHED_DELETE = 2 * SPAN;

    char[] chars;
    /** cuts[k] = checksum of chars[0, k * SPAN) for k < validCuts; null until the leaf is first edited in place. */
    long[] cuts;
    int validCuts;
    /** While dirty: only [winStart, winStart + winLen) changed; it replaced oldLen units whose checksum is oldHash. */
    boolean window;
    int winStart;
    int winLen;
    int oldLen;
    long oldHash;

    RopeLeaf(final char[] chars)
    {
        this.chars = chars;
    }

    int length()
    {
        return (int)u16;
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
        final char[] a = chars;
        if (cpOffset <= cp >>> 1)
        {
            // Well-formed text: every pair is a high then a low surrogate, both in this leaf. The answer is the least i
            // with i == cpOffset + (high surrogates in [0, i)): iterate up from cpOffset, counting only the units each
            // round adds (a few rounds, each a branch-free count), not one code point at a time.
            int i = cpOffset;
            int scanned = 0;
            int highs = 0;
            while (true)
            {
                highs += count(a, scanned, i, HIGH);
                scanned = i;
                final int next = cpOffset + highs;
                if (next == i)
                {
                    return i;
                }
                i = next;
            }
        }
        // The same from the end: j units hold the last (cp - cpOffset) code points when j == that + (low surrogates in
        // the last j units).
        final int tail = cp - cpOffset;
        int j = tail;
        int scanned = 0;
        int lows = 0;
        while (true)
        {
            lows += count(a, len - j, len - scanned, LOW);
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
     * Record an insert of {@code n} units at {@code at}; call before the counts (and dirty flag) change.
     */
    void noteInsert(final int at, final int n)
    {
        if (!dirty)
        {
            window = true;
            winStart = at;
            winLen = n;
            oldLen = 0;
            oldHash = TextChecksum.EMPTY;
        }
        else if (window && at >= winStart && at <= winStart + winLen)
        {
            winLen += n;
        }
        else
        {
            window = false;
        }
    }

    /**
     * Record a delete of units [from, to); call before the units move and the counts change.
     */
    void noteDelete(final int from, final int to)
    {
        if (!dirty)
        {
            window = to - from <= MAX_HASHED_DELETE;
            if (window)
            {
                winStart = from;
                winLen = 0;
                oldLen = to - from;
                oldHash = ChunkHash.hash(chars, from, to - from);
            }
        }
        else if (window && from >= winStart && to <= winStart + winLen)
        {
            winLen -= to - from;
        }
        else
        {
            window = false;
        }
    }

    /** Record that the text changed wholesale (split, merge, share): the next hash is a full one. */
    void noteRewrite()
    {
        window = false;
        dirty = true;
    }

    /** Recount code points after the text changed wholesale. */
    void recount()
    {
        cp = codePoints(chars, 0, (int)u16);
    }

    static int codePoints(final char[] a, final int from, final int length)
    {
        int surrogates = 0;
        for (int i = from, end = from + length; i < end; i++)
        {
            if (Character.isLowSurrogate(a[i]))
            {
                surrogates++;
            }
        }
        return length - surrogates;
    }

    @Override
    long refreshHash()
    {
        if (dirty)
        {
            final int len = (int)u16;
            if (window && validCuts > 0)
            {
                hash = rehashWindow(len);
            }
            else if (cuts != null)
            {
                hash = rehashWithCuts(len);
            }
            else
            {
                hash = ChunkHash.hash(chars, 0, len);
            }
            pow = ChunkHash.pow(len);
            window = false;
            dirty = false;
        }
        return hash;
    }

    private long rehashWithCuts(final int len)
    {
        final long[] c = cuts;
        long h = TextChecksum.EMPTY;
        int k = 0;
        int at = 0;
        for (; at + SPAN <= len; at += SPAN)
        {
            c[k++] = h;
            h = TextChecksum.combine(h, ChunkHash.hash(chars, at, SPAN), ChunkHash.pow(SPAN));
        }
        c[k++] = h;
        validCuts = k;
        return TextChecksum.combine(h, ChunkHash.hash(chars, at, len - at), ChunkHash.pow(len - at));
    }

    private long rehashWindow(final int len)
    {
        final int p = winStart;
        final int post = len - p - winLen;
        final long[] c = cuts;
        // The text before the window is unchanged since the last hash, so its cuts still hold; extend them up to it.
        int k = Math.min(validCuts - 1, p / SPAN);
        long pre = c[k];
        int at = k * SPAN;
        while (at + SPAN <= p)
        {
            pre = TextChecksum.combine(pre, ChunkHash.hash(chars, at, SPAN), ChunkHash.pow(SPAN));
            at += SPAN;
            c[++k] = pre;
        }
        validCuts = k + 1;
        pre = TextChecksum.combine(pre, ChunkHash.hash(chars, at, p - at), ChunkHash.pow(p - at));
        final long postHash = TextChecksum.addMod(hash, TextChecksum.MOD - TextChecksum.addMod(
            TextChecksum.mulMod(pre, ChunkHash.pow(oldLen + post)),
            TextChecksum.mulMod(oldHash, ChunkHash.pow(post))));
        final long mid = ChunkHash.hash(chars, p, winLen);
        return TextChecksum.addMod(
            TextChecksum.addMod(TextChecksum.mulMod(pre, ChunkHash.pow(winLen + post)),
                TextChecksum.mulMod(mid, ChunkHash.pow(post))),
            postHash);
    }
}
