package io.quire.engine.ot;

/**
 * Takes an op apart piece by piece: ot-text-unicode's {@code makeTake} ({@code take} and {@code peek}), without
 * allocating. The piece last taken is described by the package-private {@code piece*} fields; its text (if any)
 * lies in the op's {@link TextOp#textBuffer()}.
 */
final class OpCursor
{
    /** {@link #take} result when {@link #ALL} was asked past the last component (JS {@code null}). */
    static final byte END = 0;
    /** {@link #take} length meaning "the whole rest of the next component" (JS {@code -1}). */
    static final int ALL = -1;

    byte pieceKind;
    int pieceLength;
    int pieceTextStart;
    int pieceTextLength;
    boolean pieceHasText;

    private TextOp op;
    private int idx;
    // Progress into component idx: in code points, and in UTF-16 units of its text (JS keeps only one of the two,
    // UTF-16 for inserts and code points for deletes; both are kept here so either can be sliced directly).
    private int offset;
    private int charOffset;

    /**
     * Start at the beginning of {@code op}.
     *
     * @param op the op to take apart; must not change while the cursor is in use.
     * @return this cursor.
     */
    OpCursor reset(final TextOp op)
    {
        this.op = op;
        idx = 0;
        offset = 0;
        charOffset = 0;
        return this;
    }

    /** Let go of the op, so a long-lived cursor does not keep it reachable. */
    void release()
    {
        op = null;
    }

    /** @return the kind of the next component, whole or partly taken, or {@link #END} (JS {@code peek}). */
    byte peek()
    {
        return idx < op.size ? op.kinds[idx] : END;
    }

    /**
     * Take up to {@code n} code points from the front of the op (JS {@code take}).
     * <p>
     * Past the last component the op skips forever: the piece is a skip of {@code n}, or {@link #END} for
     * {@link #ALL}. A component of kind {@code indivisible} is always taken whole, however long.
     *
     * @param n           at most this many code points, or {@link #ALL}.
     * @param indivisible {@link TextOp#INSERT} (transform), {@link TextOp#DELETE} (compose) or 0.
     * @return the kind of the piece taken, or {@link #END}.
     */
    byte take(final int n, final byte indivisible)
    {
        if (idx == op.size)
        {
            if (n == ALL)
            {
                pieceKind = END;
                return END;
            }
            pieceKind = TextOp.SKIP;
            pieceLength = n;
            pieceHasText = false;
            pieceTextStart = 0;
            pieceTextLength = 0;
            return TextOp.SKIP;
        }
        final byte kind = op.kinds[idx];
        final int remaining = op.lengths[idx] - offset;
        final int textStart = op.textStarts[idx];
        pieceKind = kind;
        pieceHasText = textStart >= 0;
        if (n == ALL || kind == indivisible || remaining <= n)
        {
            pieceLength = remaining;
            if (pieceHasText)
            {
                pieceTextStart = textStart + charOffset;
                pieceTextLength = op.textLengths[idx] - charOffset;
            }
            idx++;
            offset = 0;
            charOffset = 0;
        }
        else
        {
            pieceLength = n;
            offset += n;
            if (pieceHasText)
            {
                final int start = textStart + charOffset;
                final int end = advance(op.text, start, textStart + op.textLengths[idx], n);
                pieceTextStart = start;
                pieceTextLength = end - start;
                charOffset += end - start;
            }
        }
        if (!pieceHasText)
        {
            pieceTextStart = 0;
            pieceTextLength = 0;
        }
        return kind;
    }

    /**
     * Normalizing append of the piece last taken to {@code out}.
     *
     * @param out destination (not the op being taken apart).
     */
    void appendPieceTo(final TextOp out)
    {
        out.append(pieceKind, pieceLength, op.text, pieceTextStart, pieceTextLength, pieceHasText);
    }

    /**
     * @param chars text.
     * @param from  first code unit.
     * @param limit end of the text (exclusive).
     * @param codePoints code points to pass.
     * @return the index {@code codePoints} code points after {@code from}.
     */
    static int advance(final char[] chars, final int from, final int limit, final int codePoints)
    {
        int i = from;
        for (int k = 0; k < codePoints && i < limit; k++)
        {
            if (Character.isHighSurrogate(chars[i++]) && i < limit && Character.isLowSurrogate(chars[i]))
            {
                i++;
            }
        }
        return i;
    }
}
