package io.quire.engine.trace;

import java.io.IOException;

/** A trace file that is not in the editing-trace format ({@code ../shared/traces/README.md}). */
public final class TraceFormatException extends IOException
{
    private static final long serialVersionUID = 1L;

    /** @param message what is wrong, naming where. */
    public TraceFormatException(final String message)
    {
        super(message);
    }
}
