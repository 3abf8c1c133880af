package io.quire.replay;

import io.quire.engine.ot.Rope;
import io.quire.engine.ot.TextUnicode;
import io.quire.engine.shard.HistoryEntry;
import io.quire.engine.shard.SnapshotPersistence;
import io.quire.replay.ShardAccess.Snapshot;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;

/**
 * {@code replay blame DATA_DIR --doc C/ID [--version V]}: which author and version wrote each range of a text.
 */
@Command(
    name = "blame",
    description = {
        "Which author (principal, else source) and version wrote each range of the document's current text (or " +
            "its text at --version V). Attribution runs are carried through every op since the document's create, " +
            "read a snapshot interval at a time along its prevLsn chain, and the rebuilt text is checked against " +
            "the journaled checksums.",
        "Prints ranges as [start,end) in code points: [12,40) version=17 author=alice \"excerpt\"; with --lines, " +
            "the text with each line annotated by its most recent change (version and author)."
    },
    exitCodeListHeading = "%nExit codes:%n",
    exitCodeList = {
        "0:done",
        "1:the rebuilt text disagrees with a journaled checksum (run verify)",
        "2:bad usage",
        "3:no such data directory, shard, document or version, or unreadable records"
    })
public final class BlameCommand implements Callable<Integer>
{
    @Spec
    private CommandSpec spec;

    @Option(names = {"-h", "--help"}, usageHelp = true, description = "Show this help message and exit.")
    private boolean help;

    @Mixin
    private ShardOptions shards;

    @Option(names = "--doc", required = true, paramLabel = "COLLECTION/ID", description = "The document.")
    private String doc;

    @Option(names = "--version", paramLabel = "V", description = "Blame the text at version V (default: current).")
    private Long version;

    @Option(names = "--lines", description = "Print the text line by line, each with its most recent change.")
    private boolean lines;

    @Override
    public Integer call()
    {
        final DocRef ref = DocRef.parse(doc);
        final PrintWriter out = spec.commandLine().getOut();
        final PrintWriter err = spec.commandLine().getErr();
        final List<ShardAccess> accesses = new ArrayList<>();
        try
        {
            for (final ShardData shard : shards.shards())
            {
                accesses.add(new ShardAccess(shard));
            }
            final DocumentHistory history = DocumentHistory.find(accesses, ref);
            final long end = history.endVersion();
            final long target = version == null ? end : version;
            if (target < 0 || target > end)
            {
                throw ToolException.notFound("document " + ref + " has versions 0.." + end + "; version " + target +
                    " is beyond its end");
            }
            final long start = startVersion(history, target);
            final Rope text = new Rope();
            final Attribution runs = new Attribution();
            final TextUnicode ot = new TextUnicode();
            final long[] applied = {0};
            final boolean[] exists = {false};
            history.forEach(start, target, e ->
            {
                SnapshotPersistence.applyRecord(ot, text, e);
                final String author = author(e);
                switch (e.kind())
                {
                    case HistoryEntry.CREATE:
                        runs.reset(text.length(), e.version(), author);
                        exists[0] = true;
                        break;
                    case HistoryEntry.DELETE:
                        runs.clear();
                        exists[0] = false;
                        break;
                    default:
                        runs.apply(e.op(), e.version(), author);
                        break;
                }
                final long actual = e.kind() == HistoryEntry.DELETE ? 0 : text.checksum();
                if (actual != e.checksum())
                {
                    throw new ToolException(ExitCodes.PROBLEMS, "document " + ref + ": the text after version " +
                        e.version() + " (lsn " + e.lsn() + ") does not match its journaled checksum: run verify");
                }
                applied[0]++;
            });
            err.println(ref + " version " + target + " of 0.." + end + ": " + text.length() + " code points in " +
                runs.size() + " runs, from " + applied[0] + " records since version " + start +
                (exists[0] ? "" : " (type null: " + (target == 0 ? "not created yet" : "deleted") + ")"));
            err.flush();
            if (lines)
            {
                printLines(out, text, runs);
            }
            else
            {
                printRanges(out, text, runs);
            }
            out.flush();
            return ExitCodes.OK;
        }
        finally
        {
            for (final ShardAccess access : accesses)
            {
                access.close();
            }
        }
    }

    /** Attribution needs every op of the current incarnation: start at its create, known from the nearest snapshot. */
    private static long startVersion(final DocumentHistory history, final long target)
    {
        for (int i = history.snapshots().size() - 1; i >= 0; i--)
        {
            final Snapshot s = history.snapshots().get(i);
            if (s.meta().version() <= target)
            {
                if (s.meta().docType() == null)
                {
                    return s.meta().version();
                }
                if (s.meta().createVersion() >= 0)
                {
                    return s.meta().createVersion();
                }
            }
        }
        return 0;
    }

    private static String author(final HistoryEntry e)
    {
        return e.principalLength() > 0 ? new String(e.principal(), 0, e.principalLength(), StandardCharsets.UTF_8) :
            new String(e.source(), 0, e.sourceLength(), StandardCharsets.UTF_8);
    }

    private static void printRanges(final PrintWriter out, final Rope text, final Attribution runs)
    {
        int pos = 0;
        for (int i = 0; i < runs.size(); i++)
        {
            final int end = pos + runs.length(i);
            out.println("[" + pos + "," + end + ") version=" + runs.version(i) + " author=" + runs.author(i) + " " +
                RecordFormat.excerpt(text.substring(pos, end)));
            pos = end;
        }
    }

    private static void printLines(final PrintWriter out, final Rope text, final Attribution runs)
    {
        final String all = text.toString();
        int run = 0;
        int runEnd = runs.size() == 0 ? 0 : runs.length(0);
        int cp = 0;
        int lineStart = 0;
        long bestVersion = -1;
        String bestAuthor = "";
        int lineNo = 1;
        for (int i = 0; i <= all.length(); )
        {
            final boolean atEnd = i == all.length();
            final int c = atEnd ? '\n' : all.codePointAt(i);
            if (!atEnd)
            {
                while (run < runs.size() && cp >= runEnd)
                {
                    run++;
                    runEnd += run < runs.size() ? runs.length(run) : 0;
                }
                if (run < runs.size() && runs.version(run) > bestVersion)
                {
                    bestVersion = runs.version(run);
                    bestAuthor = runs.author(run);
                }
            }
            if (c == '\n')
            {
                if (!atEnd || lineStart < all.length())
                {
                    out.println(String.format(Locale.ROOT, "%6d v%-8s %-16s| %s", lineNo++,
                        bestVersion < 0 ? "-" : String.valueOf(bestVersion), bestAuthor,
                        all.substring(lineStart, atEnd ? all.length() : i)));
                }
                bestVersion = -1;
                bestAuthor = "";
                lineStart = i + 1;
            }
            if (atEnd)
            {
                break;
            }
            i += Character.charCount(c);
            cp++;
        }
    }
}
