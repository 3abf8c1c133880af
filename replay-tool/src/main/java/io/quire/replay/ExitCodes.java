package io.quire.replay;

/**
 * The replay tool's exit codes, the same for every subcommand.
 */
public final class ExitCodes
{
    /** Done; nothing wrong found. */
    public static final int OK = 0;
    /** Problems found (verify), journals differ (diff), or a read met damaged records (info, dump). */
    public static final int PROBLEMS = 1;
    /** Bad usage: unknown option, missing or malformed argument. */
    public static final int USAGE = 2;
    /** The data is not there or cannot be read: no shard, no journal, no such document or version. */
    public static final int NOT_FOUND = 3;
    /** A bug in the tool (an unexpected exception): please report it with the stack trace. */
    public static final int INTERNAL = 4;

    private ExitCodes()
    {
    }
}
