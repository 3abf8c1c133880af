package io.quire.engine.trace;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;

import io.quire.engine.ot.Rope;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * {@code scripts/quire trace FILE...}: replays editing traces through the OT core and prints one line per trace,
 * {@code trace=<name> edits=<n> ms=<t> edits_per_s=<r> match=<true|false>}.
 */
@Command(
    name = "trace",
    mixinStandardHelpOptions = true,
    version = "quire trace 0.1.0",
    sortOptions = false,
    description = {
        "Replays editing traces (../shared/traces/*.json.gz) through Quire's text-unicode OT core.",
        "",
        "Each patch [pos, numDeleted, \"inserted\"] becomes the op [pos, {d:numDeleted}, \"inserted\"] (zero parts " +
            "omitted) and is validated and applied to a rope that starts as the trace's startContent. Prints " +
            "exactly one line per trace:",
        "  trace=<name> edits=<n> ms=<t> edits_per_s=<r> match=<true|false>",
        "",
        "Timed: one replay of all patches (op building, validation and apply). Not timed: reading and decoding " +
            "the file (done once, before any replay), the --warmup replays, creating the rope with startContent, " +
            "and comparing the result with endContent (match)."
    },
    exitCodeListHeading = "%nExit codes:%n",
    exitCodeList = {
        "0:every trace produced its endContent",
        "1:a trace did not produce its endContent (match=false)",
        "2:bad usage, or a file missing, unreadable or not a trace"
    })
public final class TraceCommand implements Callable<Integer>
{
    /** Default untimed replays before the timed one: enough for the JIT to compile the replay loop fully. */
    public static final int DEFAULT_WARMUP = 3;

    private static final int EXIT_MISMATCH = 1;
    private static final int EXIT_BAD_INPUT = 2;

    @Spec
    private CommandSpec spec;

    @Option(
        names = "--warmup",
        paramLabel = "N",
        defaultValue = "" + DEFAULT_WARMUP,
        description = "Untimed replays of each trace before the timed one, so the figure measures compiled code " +
            "rather than the JIT warming up (default: ${DEFAULT-VALUE}).")
    private int warmup;

    @Parameters(arity = "1..*", paramLabel = "FILE", description = "Trace files (*.json.gz, or plain *.json).")
    private List<Path> files;

    /**
     * Entry point.
     *
     * @param args command line.
     */
    public static void main(final String[] args)
    {
        System.exit(new CommandLine(new TraceCommand()).execute(args));
    }

    @Override
    public Integer call()
    {
        if (warmup < 0)
        {
            throw new CommandLine.ParameterException(spec.commandLine(), "--warmup must be >= 0, got " + warmup);
        }
        final PrintWriter out = spec.commandLine().getOut();
        final PrintWriter err = spec.commandLine().getErr();
        final TraceReplay replay = new TraceReplay();
        int exit = 0;
        for (final Path file : files)
        {
            final Trace trace;
            try
            {
                trace = TraceReader.read(file);
            }
            catch (final NoSuchFileException ex)
            {
                err.println("quire trace: " + file + ": no such file");
                exit = EXIT_BAD_INPUT;
                continue;
            }
            catch (final IOException ex)
            {
                err.println("quire trace: " + file + ": " + (ex instanceof TraceFormatException ? "not a trace: " : "") +
                    ex.getMessage());
                exit = EXIT_BAD_INPUT;
                continue;
            }
            final boolean match = run(trace, replay, out, err);
            out.flush();
            if (!match && exit == 0)
            {
                exit = EXIT_MISMATCH;
            }
        }
        return exit;
    }

    private boolean run(final Trace trace, final TraceReplay replay, final PrintWriter out, final PrintWriter err)
    {
        String failure = null;
        long nanos = 0;
        Rope doc = null;
        try
        {
            for (int i = 0; i < warmup; i++)
            {
                replay.replay(trace, new Rope(trace.startContent()));
            }
            doc = new Rope(trace.startContent());
            final long start = System.nanoTime();
            try
            {
                replay.replay(trace, doc);
            }
            finally
            {
                nanos = System.nanoTime() - start;
            }
        }
        catch (final IllegalStateException ex)
        {
            failure = ex.getMessage();
        }
        final boolean match = failure == null && doc.toString().equals(trace.endContent());
        final long perSecond = nanos == 0 ? 0 : Math.round(trace.edits() * 1e9 / nanos);
        out.println(String.format(Locale.ROOT, "trace=%s edits=%d ms=%.1f edits_per_s=%d match=%b",
            trace.name(), trace.edits(), nanos / 1e6, perSecond, match));
        if (failure != null)
        {
            err.println("quire trace: " + failure);
        }
        else if (!match)
        {
            err.println("quire trace: " + trace.name() + ": the result differs from endContent");
        }
        return match;
    }
}
