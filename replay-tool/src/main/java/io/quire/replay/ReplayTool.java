package io.quire.replay;

import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

import java.io.FileDescriptor;
import java.io.FileOutputStream;
import java.io.OutputStreamWriter;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;

/**
 * {@code scripts/quire replay}: journal forensics for SREs. Reads journals and snapshots read-only (a live engine may
 * keep writing), needs neither a media driver nor the network, and rebuilds documents with the engine's own OT code.
 */
@Command(
    name = "replay",
    mixinStandardHelpOptions = true,
    version = "quire replay 0.1.0",
    description = {
        "Journal forensics: what happened to a document, and is the journal sound?",
        "Every subcommand takes a DATA_DIR (holding shard-<N>/journal and shard-<N>/snapshots, or one shard " +
            "directory), works over all its shards (--shard N to narrow) and opens everything read-only."
    },
    subcommands = {
        InfoCommand.class,
        DumpCommand.class,
        DocCommand.class,
        VerifyCommand.class,
        DiffCommand.class,
        StatsCommand.class,
        BlameCommand.class,
        CommandLine.HelpCommand.class
    },
    exitCodeListHeading = "%nExit codes:%n",
    exitCodeList = {
        "0:done, nothing wrong found",
        "1:problems found (verify), journals differ (diff), damaged records met (info, dump)",
        "2:bad usage",
        "3:data not found or unreadable (no shard or journal, no such document or version)",
        "4:internal error (a bug in the tool)"
    })
public final class ReplayTool implements Runnable
{
    private static final String LOGBACK_CONFIG = "quire/replay/logback-replay.xml";

    @Spec
    private CommandSpec spec;

    /**
     * Entry point.
     *
     * @param args command line.
     */
    public static void main(final String[] args)
    {
        System.exit(execute(
            new PrintWriter(new OutputStreamWriter(new PrintStream(new FileOutputStream(FileDescriptor.out), false),
                StandardCharsets.UTF_8), true),
            new PrintWriter(new OutputStreamWriter(System.err, StandardCharsets.UTF_8), true),
            args));
    }

    /**
     * Run the tool in this JVM (the CLI entry point, and tests).
     *
     * @param out  standard output.
     * @param err  standard error.
     * @param args command line.
     * @return the exit code, one of {@link ExitCodes}.
     */
    public static int execute(final PrintWriter out, final PrintWriter err, final String... args)
    {
        if (System.getProperty("logback.configurationFile") == null)
        {
            System.setProperty("logback.configurationFile", LOGBACK_CONFIG);
        }
        System.setProperty("java.awt.headless", "true");
        final CommandLine cli = new CommandLine(new ReplayTool())
            .setOut(out)
            .setErr(err)
            .setCaseInsensitiveEnumValuesAllowed(true)
            .setExecutionExceptionHandler((ex, commandLine, parseResult) ->
            {
                final PrintWriter e = commandLine.getErr();
                commandLine.getOut().flush();
                if (ex instanceof ToolException tool)
                {
                    e.println("replay " + commandLine.getCommandName() + ": " + tool.getMessage());
                    e.flush();
                    return tool.exitCode();
                }
                e.println("replay " + commandLine.getCommandName() + ": internal error (please report it): " + ex);
                ex.printStackTrace(e);
                e.flush();
                return ExitCodes.INTERNAL;
            });
        final int code = cli.execute(args);
        out.flush();
        err.flush();
        return code;
    }

    @Override
    public void run()
    {
        throw new CommandLine.ParameterException(spec.commandLine(), "a subcommand is required");
    }
}
