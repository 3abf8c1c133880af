package io.quire.engine.ot;

/**
 * A leaf of a {@link Rope}: a run of UTF-16 code units in {@code chars[0, u16)}. A leaf never splits a surrogate pair.
 */
final class RopeLeaf extends RopeNode
{
    char[] chars;

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
            int i = 0;
            for (int n = cpOffset; n > 0; n--)
            {
                // Well-formed text: a high surrogate is always followed by its low surrogate in the same leaf.
                if (Character.isHighSurrogate(a[i++]))
                {
                    i++;
                }
            }
            return i;
        }
        int i = len;
        for (int n = cp - cpOffset; n > 0; n--)
        {
            if (Character.isLowSurrogate(a[--i]))
            {
                i--;
            }
        }
        return i;
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
            hash = ChunkHash.hash(chars, 0, (int)u16);
            pow = ChunkHash.pow(u16);
            dirty = false;
        }
        return hash;
    }
}
