package io.quire.replay;

import java.io.PrintWriter;
import java.io.StringWriter;

/**
 * Runs the replay tool in this JVM as the launcher would, capturing its exit code, stdout and stderr.
 */
final class Cli
{
    /** What a run produced. */
    record Result(int code, String out, String err)
    {
        @Override
        public String toString()
        {
            return "exit " + code + "\n--- stdout\n" + out + "\n--- stderr\n" + err;
        }
    }

    private Cli()
    {
    }

    static Result run(final Object... args)
    {
        final String[] strings = new String[args.length];
        for (int i = 0; i < args.length; i++)
        {
            strings[i] = String.valueOf(args[i]);
        }
        final StringWriter out = new StringWriter();
        final StringWriter err = new StringWriter();
        final int code = ReplayTool.execute(new PrintWriter(out), new PrintWriter(err), strings);
        return new Result(code, out.toString(), err.toString());
    }
}
