package io.quire.engine.ot;

import java.util.Random;

/**
 * Random documents and {@code text-unicode} ops for property and differential tests. Documents mix ASCII, BMP
 * letters, JSON-escaped characters and non-BMP characters (surrogate pairs), so code point and UTF-16 positions
 * disagree often.
 */
final class OpGen
{
    /** How deletes record their text. */
    enum Deletes
    {
        /** {@code {d:N}} only. */
        NUMERIC,
        /** {@code {d:"text"}} with the document's text only. */
        TEXT,
        /** Either, per delete. */
        MIXED
    }

    private static final String[] ALPHABET = {
        "a", "b", "c", "d", "x", "y", " ", " ", "\n", "é", "ß", "中", "😀", "🎉", "𝄞", "\uD83D\uDC4D", "\"", "\\",
        "\t", "\u0001", "\u007f", "\u2028"
    };

    private OpGen()
    {
    }

    static String text(final Random r, final int minCp, final int maxCp)
    {
        final int n = minCp + r.nextInt(maxCp - minCp + 1);
        final StringBuilder sb = new StringBuilder();
        for (int i = 0; i < n; i++)
        {
            sb.append(ALPHABET[r.nextInt(ALPHABET.length)]);
        }
        return sb.toString();
    }

    /** A document of 0 to {@code maxCp} code points, usually short so ops collide. */
    static String doc(final Random r, final int maxCp)
    {
        return text(r, 0, r.nextInt(4) == 0 ? maxCp : Math.min(maxCp, 10));
    }

    static String sliceCp(final String s, final int fromCp, final int toCp)
    {
        final int from = s.offsetByCodePoints(0, fromCp);
        return s.substring(from, s.offsetByCodePoints(from, toCp - fromCp));
    }

    /** A valid, normalized op that fits {@code doc} (skips and deletes within it). */
    static TextOp op(final Random r, final String doc, final Deletes deletes)
    {
        final int n = doc.codePointCount(0, doc.length());
        final TextOp op = new TextOp();
        int pos = 0;
        final int steps = 1 + r.nextInt(5);
        for (int s = 0; s < steps; s++)
        {
            switch (r.nextInt(4))
            {
                case 0:
                case 1:
                    if (pos < n)
                    {
                        final int k = 1 + r.nextInt(r.nextBoolean() ? n - pos : Math.min(n - pos, 3));
                        op.skip(k);
                        pos += k;
                    }
                    break;
                case 2:
                    if (pos < n)
                    {
                        final int k = 1 + r.nextInt(Math.min(n - pos, 4));
                        final boolean text = deletes == Deletes.TEXT || (deletes == Deletes.MIXED && r.nextBoolean());
                        if (text)
                        {
                            op.deleteText(sliceCp(doc, pos, pos + k));
                        }
                        else
                        {
                            op.delete(k);
                        }
                        pos += k;
                    }
                    break;
                default:
                    op.insert(text(r, 1, 4));
                    break;
            }
        }
        return op.trim();
    }

    /**
     * Any op shape at all, as a client might send it: zeros, empties, adjacent kinds, trailing skips and, if asked,
     * negative counts.
     */
    static TextOp rawOp(final Random r, final boolean negatives)
    {
        final TextOp op = new TextOp();
        final int n = r.nextInt(9);
        for (int i = 0; i < n; i++)
        {
            switch (r.nextInt(5))
            {
                case 0:
                    op.addSkip(negatives && r.nextInt(12) == 0 ? -1 - r.nextInt(2) : r.nextInt(6));
                    break;
                case 1:
                    op.addInsert(r.nextInt(5) == 0 ? "" : text(r, 1, 3));
                    break;
                case 2:
                    op.addDelete(negatives && r.nextInt(12) == 0 ? -1 : r.nextInt(5));
                    break;
                case 3:
                    op.addDeleteText(r.nextInt(5) == 0 ? "" : text(r, 1, 3));
                    break;
                default:
                    op.addSkip(1 + r.nextInt(3));
                    break;
            }
        }
        return op;
    }

    /** A copy of {@code op} broken so that JS {@code checkOp} rejects it. */
    static TextOp corrupt(final Random r, final TextOp op)
    {
        final TextOp bad = new TextOp();
        final int at = r.nextInt(op.size() + 1);
        final int how = r.nextInt(6);
        for (int i = 0; i <= op.size(); i++)
        {
            if (i == at && how != 5)
            {
                switch (how)
                {
                    case 0:
                        bad.addSkip(0);
                        break;
                    case 1:
                        bad.addInsert("");
                        break;
                    case 2:
                        bad.addDelete(0);
                        break;
                    case 3:
                        bad.addDeleteText("");
                        break;
                    default:
                        bad.addSkip(-1);
                        break;
                }
            }
            if (i < op.size())
            {
                copyRaw(op, i, bad);
            }
        }
        if (how == 5)
        {
            bad.addSkip(1 + r.nextInt(3));
        }
        return bad;
    }

    static void copyRaw(final TextOp from, final int i, final TextOp to)
    {
        switch (from.kind(i))
        {
            case TextOp.SKIP:
                to.addSkip(from.length(i));
                break;
            case TextOp.INSERT:
                to.addInsert(from.text(i));
                break;
            default:
                if (from.hasText(i))
                {
                    to.addDeleteText(from.text(i));
                }
                else
                {
                    to.addDelete(from.length(i));
                }
                break;
        }
    }

    /** The document after {@code op}, computed by the simplest possible reading of the op (no OT code). */
    static String applyNaive(final String doc, final TextOp op)
    {
        final int[] cps = doc.codePoints().toArray();
        final StringBuilder sb = new StringBuilder();
        int pos = 0;
        for (int i = 0; i < op.size(); i++)
        {
            switch (op.kind(i))
            {
                case TextOp.SKIP:
                    for (int k = 0; k < op.length(i); k++)
                    {
                        sb.appendCodePoint(cps[pos++]);
                    }
                    break;
                case TextOp.INSERT:
                    sb.append(op.text(i));
                    break;
                default:
                    pos += op.length(i);
                    break;
            }
        }
        while (pos < cps.length)
        {
            sb.appendCodePoint(cps[pos++]);
        }
        return sb.toString();
    }
}
