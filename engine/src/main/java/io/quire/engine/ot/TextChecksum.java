package io.quire.engine.ot;

/**
 * The content checksum of a Quire document: a polynomial hash over the text's UTF-16 code units modulo the
 * Mersenne prime 2<sup>61</sup>&minus;1.
 * <pre>
 *   H(s) = sum over i of (s[i] + 1) * BASE^(n - 1 - i)   mod (2^61 - 1),   n = number of UTF-16 code units
 * </pre>
 * The value depends only on the text, never on how it is chunked, because {@code H(a + b) = H(a) * BASE^|b| + H(b)}
 * ({@link #combine}). That lets the rope keep a hash per node and re-hash only the path an edit touched, while the
 * replay tool, recovery and tests compute the same value from a plain string. Journal records carry it as the
 * checksum of the document after the op.
 */
public final class TextChecksum
{
    /** The modulus 2^61 - 1. */
    public static final long MOD = (1L << 61) - 1;
    /** The base of the polynomial; any fixed value in (256, MOD) works, this one is an arbitrary odd constant. */
    public static final long BASE = 0x1F3D5B79A3C2E1L;
    /** The checksum of the empty text. */
    public static final long EMPTY = 0;

    private TextChecksum()
    {
    }

    /**
     * (a * b) mod (2^61 - 1) for a, b in [0, MOD).
     *
     * @param a first factor.
     * @param b second factor.
     * @return the product modulo {@link #MOD}.
     */
    public static long mulMod(final long a, final long b)
    {
        // a*b = hi*2^64 + lo; 2^64 = 8 * 2^61 = 8 (mod M) and 2^61 = 1 (mod M).
        final long hi = Math.multiplyHigh(a, b);
        final long lo = a * b;
        long r = (lo & MOD) + (lo >>> 61) + (hi << 3);
        r = (r & MOD) + (r >>> 61);
        return r >= MOD ? r - MOD : r;
    }

    /**
     * (a + b) mod (2^61 - 1) for a, b in [0, MOD).
     *
     * @param a first term.
     * @param b second term.
     * @return the sum modulo {@link #MOD}.
     */
    public static long addMod(final long a, final long b)
    {
        final long r = a + b;
        return r >= MOD ? r - MOD : r;
    }

    /**
     * BASE^n mod (2^61 - 1), by squaring.
     *
     * @param n exponent, the number of UTF-16 code units of the right-hand part in {@link #combine}.
     * @return BASE^n modulo {@link #MOD}.
     */
    public static long pow(final long n)
    {
        long result = 1;
        long base = BASE;
        long e = n;
        while (e > 0)
        {
            if ((e & 1) != 0)
            {
                result = mulMod(result, base);
            }
            base = mulMod(base, base);
            e >>>= 1;
        }
        return result;
    }

    /**
     * The checksum of the concatenation of two texts from their checksums.
     *
     * @param left      checksum of the left text.
     * @param right     checksum of the right text.
     * @param rightPow  {@code pow(utf16 length of the right text)}.
     * @return the checksum of left + right.
     */
    public static long combine(final long left, final long right, final long rightPow)
    {
        return addMod(mulMod(left, rightPow), right);
    }

    /**
     * Continue a checksum over more code units.
     *
     * @param h      checksum of the text so far.
     * @param chars  source of the code units.
     * @param offset first code unit.
     * @param length number of code units.
     * @return the checksum of the text so far followed by the given code units.
     */
    public static long update(final long h, final char[] chars, final int offset, final int length)
    {
        long r = h;
        for (int i = offset, end = offset + length; i < end; i++)
        {
            r = addMod(mulMod(r, BASE), chars[i] + 1L);
        }
        return r;
    }

    /**
     * Continue a checksum over more code units.
     *
     * @param h    checksum of the text so far.
     * @param text the code units to add.
     * @return the checksum of the text so far followed by {@code text}.
     */
    public static long update(final long h, final CharSequence text)
    {
        long r = h;
        for (int i = 0, n = text.length(); i < n; i++)
        {
            r = addMod(mulMod(r, BASE), text.charAt(i) + 1L);
        }
        return r;
    }

    /**
     * The checksum of a whole text.
     *
     * @param text the text.
     * @return its checksum.
     */
    public static long of(final CharSequence text)
    {
        return update(EMPTY, text);
    }
}
