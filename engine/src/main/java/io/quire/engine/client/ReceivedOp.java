package io.quire.engine.client;

import io.quire.codec.protocol.OpKind;
import io.quire.engine.ot.TextOp;

/**
 * An {@code OpBroadcast} as {@link EngineClient} hands it to its listener: a reused view, valid only during the
 * callback (copy what must outlive it).
 */
public final class ReceivedOp
{
    long targetSessionId;
    long originSessionId;
    long originRequestId;
    int originEdgeId;
    long docHash;
    long version;
    long seq;
    OpKind kind;
    final TextOp op = new TextOp(8, 64);
    final StringBuilder source = new StringBuilder(64);
    final StringBuilder createData = new StringBuilder(64);

    /** @return 0 for a broadcast to every subscribed session, else the one session it is for (catch-up). */
    public long targetSessionId()
    {
        return targetSessionId;
    }

    /** @return the session that submitted the op (0 when replayed for catch-up). */
    public long originSessionId()
    {
        return originSessionId;
    }

    /** @return the request id of that submission. */
    public long originRequestId()
    {
        return originRequestId;
    }

    /** @return the edge of the submitting session (0 when replayed for catch-up). */
    public int originEdgeId()
    {
        return originEdgeId;
    }

    /** @return the document's routing hash. */
    public long docHash()
    {
        return docHash;
    }

    /** @return the version the op was applied at. */
    public long version()
    {
        return version;
    }

    /** @return the op's ShareDB seq. */
    public long seq()
    {
        return seq;
    }

    /** @return CREATE, EDIT or DELETE. */
    public OpKind kind()
    {
        return kind;
    }

    /** @return the transformed op (EDIT; empty otherwise). */
    public TextOp op()
    {
        return op;
    }

    /** @return the op's ShareDB src. */
    public CharSequence source()
    {
        return source;
    }

    /** @return CREATE: the initial text; empty otherwise. */
    public CharSequence createData()
    {
        return createData;
    }

    @Override
    public String toString()
    {
        return "op{v=" + version + ", " + kind + (kind == OpKind.EDIT ? " " + op.toJson() : "") + ", src=" + source +
            ", seq=" + seq + ", target=" + targetSessionId + ", origin=" + originEdgeId + "/" + originSessionId + "}";
    }
}
