package io.quire.engine.ot;

/**
 * {@link TextChecksum} of a run of code units, computed without a loop-carried multiplication.
 * <p>
 * Horner's rule ({@link TextChecksum#update}) chains one modular multiplication per code unit, so each step waits for
 * the previous one. Here every unit is multiplied by its own precomputed power instead,
 * {@code H = sum (c[i] + 1) * BASE^(len-1-i)}, and the products are independent. Each power is split into its low 32
 * and high 29 bits so that {@code (c + 1) * part} fits a long ({@code c + 1 <= 2^16}): over at most
 * {@link #MAX_RUN} units the two plain sums stay below 2<sup>60</sup> and 2<sup>57</sup> and are reduced once at the
 * end. The value is exactly {@link TextChecksum}'s.
 */
final class ChunkHash
{
    /** Longest run hashed in one pass; also the largest leaf a rope may use. */
    static final int MAX_RUN = 4096;

    /** POW[k] = BASE^k mod M, for k in [0, MAX_RUN]. */
    private static final long[] POW = new long[MAX_RUN + 1];
    /** INV_POW[k] = BASE^-k mod M (M is prime, so BASE^-1 = BASE^(M-2)), for k in [0, MAX_RUN]. */
    private static final long[] INV_POW = new long[MAX_RUN + 1];
    /** Interleaved low 32 / high 29 bits of BASE^(MAX_RUN - 1 - j): weights in reverse, so the loop reads forward. */
    private static final int[] WEIGHTS = new int[2 * MAX_RUN];

    static
    {
        long p = 1;
        for (int k = 0; k <= MAX_RUN; k++)
        {
            POW[k] = p;
            p = TextChecksum.mulMod(p, TextChecksum.BASE);
        }
        final long inverse = TextChecksum.pow(TextChecksum.MOD - 2);
        long q = 1;
        for (int k = 0; k <= MAX_RUN; k++)
        {
            INV_POW[k] = q;
            q = TextChecksum.mulMod(q, inverse);
        }
        for (int j = 0; j < MAX_RUN; j++)
        {
            final long w = POW[MAX_RUN - 1 - j];
            WEIGHTS[2 * j] = (int)w;
            WEIGHTS[2 * j + 1] = (int)(w >>> 32);
        }
    }

    private ChunkHash()
    {
    }

    /**
     * @param n a number of code units.
     * @return {@code TextChecksum.pow(n)}, from the table when {@code n <= MAX_RUN}.
     */
    static long pow(final long n)
    {
        return n <= MAX_RUN ? POW[(int)n] : TextChecksum.pow(n);
    }

    /**
     * @param n a number of code units in [0, MAX_RUN].
     * @return BASE^-n mod M: {@code mulMod(pow(n), invPow(n)) == 1}.
     */
    static long invPow(final int n)
    {
        return INV_POW[n];
    }

    /**
     * @param chars  source.
     * @param offset first code unit.
     * @param length number of code units, any size.
     * @return {@code TextChecksum.update(EMPTY, chars, offset, length)}.
     */
    static long hash(final char[] chars, final int offset, final int length)
    {
        if (length <= MAX_RUN)
        {
            return hashRun(chars, offset, length);
        }
        long h = TextChecksum.EMPTY;
        int off = offset;
        int remaining = length;
        while (remaining > 0)
        {
            final int run = Math.min(remaining, MAX_RUN);
            h = TextChecksum.combine(h, hashRun(chars, off, run), POW[run]);
            off += run;
            remaining -= run;
        }
        return h;
    }

    private static long hashRun(final char[] chars, final int offset, final int length)
    {
        final int[] weights = WEIGHTS;
        long lo = 0;
        long hi = 0;
        int w = 2 * (MAX_RUN - length);
        for (int i = offset, end = offset + length; i < end; i++, w += 2)
        {
            final long c = chars[i] + 1L;
            lo += c * (weights[w] & 0xFFFF_FFFFL);
            hi += c * weights[w + 1];
        }
        return TextChecksum.addMod(TextChecksum.mulMod(hi, 1L << 32), lo);
    }
}
