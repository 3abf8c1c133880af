package io.quire.engine.ot;

import java.util.Locale;

import static io.quire.engine.ot.TextOp.DELETE;
import static io.quire.engine.ot.TextOp.INSERT;
import static io.quire.engine.ot.TextOp.SKIP;

/**
 * ShareDB's {@code text-unicode} OT type, a port of {@code ot-text-unicode@4.0.0} that gives the same results
 * component for component, so the real sharedb client converges with the server.
 * <p>
 * Positions and lengths are Unicode code points. Results go into a caller-supplied {@link TextOp} (cleared first),
 * which must not be one of the inputs. Errors are {@link InvalidOpException}s. Where this port is stricter than the
 * JS type, the method says so; on well-formed input that fits the document, results are identical.
 * <p>
 * Holds scratch state and allocates nothing on the normal path: use one instance per thread (a shard thread, a tool).
 */
public final class TextUnicode
{
    /** Which op wins a tie when both insert at the same position. */
    public enum Side
    {
        /** The op being transformed goes first (the server transforms a submitted op with {@code left}). */
        LEFT,
        /** The op being transformed goes after the other op's insert. */
        RIGHT
    }

    private final OpCursor cursor = new OpCursor();
    private final StringBuilder scratch = new StringBuilder();
    private long checkedGrowth;

    /**
     * JS {@code checkOp}: skips must be &gt; 0, not adjacent and not trailing; inserts and deletes must not be empty.
     * Adjacent inserts or deletes are allowed. Messages start with the JS message and name the component.
     *
     * @param op the op.
     * @throws InvalidOpException ({@link InvalidOpException.Kind#BADLY_FORMED}) if a rule is broken.
     */
    public void checkOp(final TextOp op)
    {
        check(op, false);
    }

    /**
     * The server's strict check of a client op: {@link #checkOp} plus well-formed UTF-16 (no lone surrogates) in
     * insert and delete text, and skips plus deletes spanning at most {@link Integer#MAX_VALUE} code points.
     *
     * @param op the op.
     * @throws InvalidOpException ({@link InvalidOpException.Kind#BADLY_FORMED}) naming the first offending component.
     */
    public void validate(final TextOp op)
    {
        check(op, true);
    }

    /**
     * {@link #validate} the op and check that it fits a document of {@code docLength} code points: all its skips and
     * deletes lie inside the document (JS only checks skips; a delete past the end is rejected here too) and the
     * result is not longer than {@link Integer#MAX_VALUE}. This is everything {@link #apply} checks before it changes
     * the document.
     *
     * @param op        the op.
     * @param docLength the document length in code points.
     * @throws InvalidOpException {@link InvalidOpException.Kind#BADLY_FORMED} or
     *                            {@link InvalidOpException.Kind#NOT_APPLICABLE}.
     */
    public void checkApplicable(final TextOp op, final int docLength)
    {
        final long span = check(op, true);
        if (span > docLength)
        {
            throw tooLong(op, docLength);
        }
        if (docLength + checkedGrowth > Integer.MAX_VALUE)
        {
            throw new InvalidOpException(InvalidOpException.Kind.NOT_APPLICABLE, -1,
                "the document would grow past " + Integer.MAX_VALUE + " code points");
        }
    }

    /**
     * Apply {@code op} to {@code doc}. Everything is checked ({@link #checkApplicable}) before the document is
     * touched, so a refused op leaves it unchanged.
     *
     * @param op  the op.
     * @param doc the document.
     * @throws InvalidOpException if the op is badly formed or does not fit the document.
     */
    public void apply(final TextOp op, final Rope doc)
    {
        checkApplicable(op, doc.length());
        applyChecked(op, doc);
    }

    /**
     * {@link #apply} without its checks, for an op that has just passed {@link #checkApplicable} against this
     * document's current length (the sequencer checks first to reject with a typed reason, then applies).
     *
     * @param op  the op, checked.
     * @param doc the document, unchanged since the check.
     */
    public void applyChecked(final TextOp op, final Rope doc)
    {
        final char[] text = op.text;
        int pos = 0;
        for (int i = 0, n = op.size; i < n; i++)
        {
            final int length = op.lengths[i];
            switch (op.kinds[i])
            {
                case SKIP:
                    pos += length;
                    break;
                case INSERT:
                    doc.insert(pos, text, op.textStarts[i], op.textLengths[i]);
                    pos += length;
                    break;
                default:
                    doc.delete(pos, length);
                    break;
            }
        }
    }

    /**
     * JS {@code normalize}: append every component with the normalizing appenders, then trim a trailing skip. No
     * validation, like the JS.
     *
     * @param in  the op.
     * @param out receives the normalized op.
     */
    public void normalize(final TextOp in, final TextOp out)
    {
        requireDistinct(in, out);
        out.clear();
        for (int i = 0, n = in.size; i < n; i++)
        {
            out.appendComponent(in, i);
        }
        out.trim();
    }

    /**
     * JS {@code transform(op, other, side)}: {@code op} rewritten to apply after {@code other}, both having been
     * made against the same document. An insert of {@code op} is never split or deleted; when both insert at the
     * same position, {@link Side#LEFT} puts {@code op}'s text first.
     *
     * @param op    the op to transform.
     * @param other the op it is transformed against.
     * @param side  tie break.
     * @param out   receives the transformed op.
     * @throws InvalidOpException if either op fails {@link #checkOp}.
     */
    public void transform(final TextOp op, final TextOp other, final Side side, final TextOp out)
    {
        requireDistinct(op, out);
        requireDistinct(other, out);
        checkOp(op);
        checkOp(other);
        out.clear();
        final OpCursor c1 = cursor.reset(op);
        for (int i = 0, n = other.size; i < n; i++)
        {
            int length = other.lengths[i];
            switch (other.kinds[i])
            {
                case SKIP:
                    while (length > 0)
                    {
                        final byte kind = c1.take(length, INSERT);
                        c1.appendPieceTo(out);
                        if (kind != INSERT)
                        {
                            length -= c1.pieceLength;
                        }
                    }
                    break;
                case INSERT:
                    // The tie rule looks only at whether op's next component is an insert.
                    if (side == Side.LEFT && c1.peek() == INSERT)
                    {
                        c1.take(OpCursor.ALL, (byte)0);
                        c1.appendPieceTo(out);
                    }
                    out.skip(length);
                    break;
                default:
                    while (length > 0)
                    {
                        final byte kind = c1.take(length, INSERT);
                        if (kind == INSERT)
                        {
                            c1.appendPieceTo(out);
                        }
                        else
                        {
                            // A skip of op is deleted by other; a delete of op overlaps other's and is dropped.
                            length -= c1.pieceLength;
                        }
                    }
                    break;
            }
        }
        while (c1.take(OpCursor.ALL, (byte)0) != OpCursor.END)
        {
            c1.appendPieceTo(out);
        }
        c1.release();
        out.trim();
    }

    /**
     * JS {@code compose(a, b)}: one op with the effect of {@code a} then {@code b}. Delete texts are kept when both
     * inputs carry them.
     *
     * @param a   the first op.
     * @param b   the op applied after {@code a}.
     * @param out receives the composition.
     * @throws InvalidOpException if either op fails {@link #checkOp}.
     */
    public void compose(final TextOp a, final TextOp b, final TextOp out)
    {
        requireDistinct(a, out);
        requireDistinct(b, out);
        checkOp(a);
        checkOp(b);
        out.clear();
        final OpCursor c1 = cursor.reset(a);
        final char[] bText = b.text;
        for (int i = 0, n = b.size; i < n; i++)
        {
            final int length = b.lengths[i];
            switch (b.kinds[i])
            {
                case SKIP:
                {
                    int remaining = length;
                    while (remaining > 0)
                    {
                        final byte kind = c1.take(remaining, DELETE);
                        c1.appendPieceTo(out);
                        if (kind != DELETE)
                        {
                            remaining -= c1.pieceLength;
                        }
                    }
                    break;
                }
                case INSERT:
                    out.appendComponent(b, i);
                    break;
                default:
                {
                    final boolean hasText = b.textStarts[i] >= 0;
                    final int textEnd = b.textStarts[i] + b.textLengths[i];
                    int offset = 0;
                    int charPos = b.textStarts[i];
                    while (offset < length)
                    {
                        final byte kind = c1.take(length - offset, DELETE);
                        if (kind == SKIP)
                        {
                            // b deletes text that a kept: b's delete, sliced by code points if it carries text.
                            final int chunk = c1.pieceLength;
                            if (hasText)
                            {
                                final int end = OpCursor.advance(bText, charPos, textEnd, chunk);
                                out.deleteText(bText, charPos, end - charPos);
                                charPos = end;
                            }
                            else
                            {
                                out.delete(chunk);
                            }
                            offset += chunk;
                        }
                        else if (kind == INSERT)
                        {
                            // b deletes text that a inserted: both vanish.
                            offset += c1.pieceLength;
                            if (hasText)
                            {
                                charPos = OpCursor.advance(bText, charPos, textEnd, c1.pieceLength);
                            }
                        }
                        else
                        {
                            c1.appendPieceTo(out);
                        }
                    }
                    break;
                }
            }
        }
        while (c1.take(OpCursor.ALL, (byte)0) != OpCursor.END)
        {
            c1.appendPieceTo(out);
        }
        c1.release();
        out.trim();
    }

    /**
     * JS {@code transformPosition}: a cursor position moved through {@code op}. An insert exactly at the cursor
     * leaves it before the new text; a delete spanning the cursor moves it to the start of the deleted range. The op
     * is not checked, like the JS.
     *
     * @param pos the cursor, in code points.
     * @param op  the op.
     * @return the new position.
     */
    public int transformPosition(final int pos, final TextOp op)
    {
        int cursorPos = pos;
        int at = 0;
        for (int i = 0, n = op.size; i < n && cursorPos > at; i++)
        {
            final int length = op.lengths[i];
            switch (op.kinds[i])
            {
                case SKIP:
                    at += length;
                    break;
                case INSERT:
                    at += length;
                    cursorPos += length;
                    break;
                default:
                    cursorPos -= Math.min(length, cursorPos - at);
                    break;
            }
        }
        return cursorPos;
    }

    /**
     * JS {@code transformSelection} for a selection held as positions ({@code [anchor, focus]}, or one cursor):
     * each is moved by {@link #transformPosition}, in place.
     *
     * @param selection positions, updated in place.
     * @param op        the op.
     */
    public void transformSelection(final int[] selection, final TextOp op)
    {
        for (int i = 0; i < selection.length; i++)
        {
            selection[i] = transformPosition(selection[i], op);
        }
    }

    /**
     * @param op the op.
     * @return true if the op does nothing (JS {@code isNoop}: no components).
     */
    public boolean isNoop(final TextOp op)
    {
        return op.size == 0;
    }

    /**
     * @param op the op.
     * @return true if every delete records its text, so {@link #invert} can undo it.
     */
    public boolean isInvertible(final TextOp op)
    {
        for (int i = 0, n = op.size; i < n; i++)
        {
            if (op.kinds[i] == DELETE && op.textStarts[i] < 0)
            {
                return false;
            }
        }
        return true;
    }

    /**
     * JS {@code invert}: the op that undoes {@code op} (inserts become text deletes and text deletes inserts),
     * normalized.
     *
     * @param op  an invertible op.
     * @param out receives the inverse.
     * @throws InvalidOpException ({@link InvalidOpException.Kind#NOT_INVERTIBLE}) if a delete carries no text;
     *                            {@code out} is then untouched.
     */
    public void invert(final TextOp op, final TextOp out)
    {
        requireDistinct(op, out);
        for (int i = 0, n = op.size; i < n; i++)
        {
            if (op.kinds[i] == DELETE && op.textStarts[i] < 0)
            {
                throw new InvalidOpException(InvalidOpException.Kind.NOT_INVERTIBLE, i, "component " + i +
                    ": Cannot invert text op: Deleted characters missing from operation. " +
                    "makeInvertible must be called first.");
            }
        }
        out.clear();
        final char[] text = op.text;
        for (int i = 0, n = op.size; i < n; i++)
        {
            switch (op.kinds[i])
            {
                case SKIP:
                    out.skip(op.lengths[i]);
                    break;
                case INSERT:
                    out.deleteText(text, op.textStarts[i], op.textLengths[i]);
                    break;
                default:
                    out.insert(text, op.textStarts[i], op.textLengths[i]);
                    break;
            }
        }
        out.trim();
    }

    /**
     * JS {@code makeInvertible(op, doc)}: {@code op} with every numeric delete replaced by the text it deletes from
     * {@code doc}, normalized. Stricter than the JS, which clips a delete past the end: the op must pass
     * {@link #checkApplicable} against the document.
     *
     * @param op  the op, not yet applied to {@code doc}.
     * @param doc the document before {@code op}.
     * @param out receives the invertible op.
     * @throws InvalidOpException if the op is badly formed or does not fit the document.
     */
    public void makeInvertible(final TextOp op, final Rope doc, final TextOp out)
    {
        requireDistinct(op, out);
        checkApplicable(op, doc.length());
        out.clear();
        int prePos = 0;
        for (int i = 0, n = op.size; i < n; i++)
        {
            final int length = op.lengths[i];
            if (op.kinds[i] == DELETE && op.textStarts[i] < 0)
            {
                scratch.setLength(0);
                doc.appendTo(prePos, prePos + length, scratch);
                out.deleteText(scratch);
            }
            else
            {
                out.appendComponent(op, i);
            }
            if (op.kinds[i] != INSERT)
            {
                prePos += length;
            }
        }
        out.trim();
        if (scratch.capacity() > 4096)
        {
            scratch.setLength(0);
            scratch.trimToSize();
        }
    }

    /**
     * JS {@code stripInvertible}: every text delete turned into a numeric one, normalized.
     *
     * @param op  the op.
     * @param out receives the stripped op.
     */
    public void stripInvertible(final TextOp op, final TextOp out)
    {
        requireDistinct(op, out);
        out.clear();
        for (int i = 0, n = op.size; i < n; i++)
        {
            if (op.kinds[i] == DELETE)
            {
                out.delete(op.lengths[i]);
            }
            else
            {
                out.appendComponent(op, i);
            }
        }
        out.trim();
    }

    /**
     * Checks the op and returns its span (skips + deletes), leaving inserts minus deletes in {@link #checkedGrowth}.
     * The loop only notes that something is wrong; {@link #firstProblem} then finds and describes it, which keeps
     * this method small enough for the JIT to inline.
     */
    private long check(final TextOp op, final boolean strict)
    {
        final byte[] kinds = op.kinds;
        final int[] lengths = op.lengths;
        final int[] textStarts = op.textStarts;
        final int[] textLengths = op.textLengths;
        long span = 0;
        long growth = 0;
        byte last = 0;
        boolean ok = true;
        for (int i = 0, n = op.size; i < n; i++)
        {
            final byte kind = kinds[i];
            final int length = lengths[i];
            if (kind == SKIP)
            {
                ok &= length > 0 & last != SKIP;
                span += length;
            }
            else
            {
                final boolean hasText = textStarts[i] >= 0;
                ok &= hasText ? textLengths[i] != 0 : length > 0;
                if (strict && hasText)
                {
                    ok &= wellFormed(op.text, textStarts[i], textStarts[i] + textLengths[i]);
                }
                if (kind == INSERT)
                {
                    growth += length;
                }
                else
                {
                    span += length;
                    growth -= length;
                }
            }
            last = kind;
        }
        if (!ok || last == SKIP || (strict && span > Integer.MAX_VALUE))
        {
            throw firstProblem(op, strict, span);
        }
        checkedGrowth = growth;
        return span;
    }

    private static boolean wellFormed(final char[] text, final int start, final int end)
    {
        for (int k = start; k < end; k++)
        {
            final char c = text[k];
            if (c >= Character.MIN_SURROGATE && c <= Character.MAX_SURROGATE)
            {
                if (c > Character.MAX_HIGH_SURROGATE || ++k == end || !Character.isLowSurrogate(text[k]))
                {
                    return false;
                }
            }
        }
        return true;
    }

    private static InvalidOpException firstProblem(final TextOp op, final boolean strict, final long span)
    {
        byte last = 0;
        final int n = op.size;
        for (int i = 0; i < n; i++)
        {
            final byte kind = op.kinds[i];
            final int length = op.lengths[i];
            final boolean hasText = op.textStarts[i] >= 0;
            if (kind == SKIP)
            {
                if (length <= 0)
                {
                    return badlyFormed(i, "Skip components must be >0 (got " + length + ")");
                }
                if (last == SKIP)
                {
                    return badlyFormed(i, "Adjacent skip components should be combined (components " + (i - 1) +
                        " and " + i + " are both skips)");
                }
            }
            else if (kind == INSERT && op.textLengths[i] == 0)
            {
                return badlyFormed(i, "Inserts cannot be empty");
            }
            else if (kind == DELETE && (hasText ? op.textLengths[i] == 0 : length <= 0))
            {
                return badlyFormed(i, "Deletes must not be empty" + (hasText ? "" : " (got " + length + ")"));
            }
            else if (strict && hasText)
            {
                final InvalidOpException lone = loneSurrogate(op, i, kind == INSERT ? "insert" : "delete");
                if (lone != null)
                {
                    return lone;
                }
            }
            last = kind;
        }
        if (last == SKIP)
        {
            return badlyFormed(n - 1, "Op has a trailing skip");
        }
        return badlyFormed(-1, "skips and deletes span " + span + " code points, more than " + Integer.MAX_VALUE);
    }

    private static InvalidOpException loneSurrogate(final TextOp op, final int i, final String what)
    {
        final char[] text = op.text;
        final int start = op.textStarts[i];
        final int end = start + op.textLengths[i];
        for (int k = start; k < end; k++)
        {
            final char c = text[k];
            if (Character.isHighSurrogate(c) && k + 1 < end && Character.isLowSurrogate(text[k + 1]))
            {
                k++;
            }
            else if (Character.isSurrogate(c))
            {
                return badlyFormed(i, what + " text has a lone surrogate U+" +
                    Integer.toHexString(c).toUpperCase(Locale.ROOT) + " at UTF-16 index " + (k - start));
            }
        }
        return null;
    }

    private static InvalidOpException tooLong(final TextOp op, final int docLength)
    {
        long reach = 0;
        int i = 0;
        for (int n = op.size; i < n; i++)
        {
            if (op.kinds[i] != INSERT)
            {
                reach += op.lengths[i];
                if (reach > docLength)
                {
                    break;
                }
            }
        }
        final String what = op.kinds[i] == SKIP ? "skip" : "delete";
        return new InvalidOpException(InvalidOpException.Kind.NOT_APPLICABLE, i, "component " + i + ": " + what +
            " reaches code point " + reach + " but the document has " + docLength);
    }

    private static InvalidOpException badlyFormed(final int component, final String message)
    {
        return new InvalidOpException(InvalidOpException.Kind.BADLY_FORMED, component,
            component < 0 ? message : "component " + component + ": " + message);
    }

    private static void requireDistinct(final TextOp in, final TextOp out)
    {
        if (in == out)
        {
            throw new IllegalArgumentException("the output op must not be one of the inputs");
        }
    }
}
