package io.quire.engine.ot;

/**
 * A {@code text-unicode} op that cannot be used: it is badly formed, does not fit the document, or cannot be
 * inverted.
 * <p>
 * Thrown only on the rejection path, and without a stack trace: a client sending garbage must not make the shard
 * thread walk its stack. The engine maps {@link Kind#BADLY_FORMED} to ShareDB's {@code ERR_OT_OP_BADLY_FORMED} and
 * {@link Kind#NOT_APPLICABLE} to {@code ERR_OT_OP_NOT_APPLIED}.
 */
public final class InvalidOpException extends RuntimeException
{
    private static final long serialVersionUID = 1L;

    /** Why an op was refused. */
    public enum Kind
    {
        /** The op breaks the type's rules on its own (JSON shape, {@code checkOp}, or the server's stricter rules). */
        BADLY_FORMED,
        /** The op is well formed but does not fit the document it is applied to. */
        NOT_APPLICABLE,
        /** {@code invert} was asked of an op whose deletes carry no text. */
        NOT_INVERTIBLE
    }

    private final Kind kind;
    private final int component;

    /**
     * @param kind      why the op was refused.
     * @param component index of the offending component, or -1 when the op as a whole is at fault.
     * @param message   what is wrong, for the client and the log.
     */
    public InvalidOpException(final Kind kind, final int component, final String message)
    {
        super(message, null, false, false);
        this.kind = kind;
        this.component = component;
    }

    /** @return why the op was refused. */
    public Kind kind()
    {
        return kind;
    }

    /** @return index of the offending component, or -1 when the op as a whole is at fault. */
    public int component()
    {
        return component;
    }
}
