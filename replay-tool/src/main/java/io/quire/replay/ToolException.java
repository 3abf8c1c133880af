package io.quire.replay;

/**
 * A failure the user should see as one line on stderr, with the exit code it maps to.
 */
public final class ToolException extends RuntimeException
{
    private static final long serialVersionUID = 1L;

    private final int exitCode;

    /**
     * @param exitCode one of {@link ExitCodes}.
     * @param message  what went wrong, for the operator.
     */
    public ToolException(final int exitCode, final String message)
    {
        super(message);
        this.exitCode = exitCode;
    }

    /**
     * @param message what is missing or unreadable.
     * @return an exception exiting with {@link ExitCodes#NOT_FOUND}.
     */
    public static ToolException notFound(final String message)
    {
        return new ToolException(ExitCodes.NOT_FOUND, message);
    }

    /**
     * @param message what is wrong with the arguments.
     * @return an exception exiting with {@link ExitCodes#USAGE}.
     */
    public static ToolException usage(final String message)
    {
        return new ToolException(ExitCodes.USAGE, message);
    }

    /** @return the exit code. */
    public int exitCode()
    {
        return exitCode;
    }
}
