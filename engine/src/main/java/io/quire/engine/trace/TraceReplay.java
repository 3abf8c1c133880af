package io.quire.engine.trace;

import io.quire.engine.ot.InvalidOpException;
import io.quire.engine.ot.Rope;
import io.quire.engine.ot.TextOp;
import io.quire.engine.ot.TextUnicode;

/**
 * Replays a {@link Trace} through the OT core: each patch becomes the {@code text-unicode} op
 * {@code [pos, {d:n}, "ins"]} (zero parts omitted) and is applied with {@link TextUnicode#apply}. Reuses one op, so
 * a replay allocates nothing beyond what the rope does.
 */
public final class TraceReplay
{
    private final TextUnicode ot = new TextUnicode();
    private final TextOp op = new TextOp(4, 64);

    /**
     * Apply every patch of {@code trace}, in order, to {@code doc}.
     *
     * @param trace the trace.
     * @param doc   the document, normally holding {@link Trace#startContent()}.
     * @throws IllegalStateException if a patch does not fit the document, naming the patch.
     */
    public void replay(final Trace trace, final Rope doc)
    {
        final char[] chars = trace.insertChars();
        for (int i = 0, n = trace.edits(); i < n; i++)
        {
            op.clear()
                .skip(trace.position(i))
                .delete(trace.deleteCount(i))
                .insert(chars, trace.insertStart(i), trace.insertLength(i))
                .trim();
            try
            {
                ot.apply(op, doc);
            }
            catch (final InvalidOpException ex)
            {
                throw new IllegalStateException(trace.name() + ": patch " + i + " " + op + " cannot be applied: " +
                    ex.getMessage(), ex);
            }
        }
    }

    /**
     * Replay {@code trace} from its start content into a new rope.
     *
     * @param trace the trace.
     * @return the document after the last patch.
     */
    public Rope replay(final Trace trace)
    {
        final Rope doc = new Rope(trace.startContent());
        replay(trace, doc);
        return doc;
    }
}
