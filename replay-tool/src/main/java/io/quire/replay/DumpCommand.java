package io.quire.replay;

import com.fasterxml.jackson.core.JsonGenerator;
import io.quire.engine.shard.HistoryEntry;
import io.quire.journal.JournalProblem;
import io.quire.journal.JournalReader;
import io.quire.journal.JournalRecordHandler;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;

/**
 * {@code replay dump DATA_DIR}: records as text or JSON lines, filtered; {@code --follow} tails a live journal.
 */
@Command(
    name = "dump",
    mixinStandardHelpOptions = true,
    description = {
        "Print journal records, one per line, shard by shard in LSN order, as text or JSON lines. Filters combine " +
            "(AND). --from-lsn, --since and --doc with --from-version start reading near the first match (binary " +
            "search over batches, or the document's prevLsn chain) instead of at the beginning.",
        "--follow keeps polling every shard for new records (a short sleep when idle) until interrupted (Ctrl-C)."
    },
    exitCodeListHeading = "%nExit codes:%n",
    exitCodeList = {
        "0:done",
        "1:damaged records met (reported on stderr; run verify)",
        "2:bad usage",
        "3:no such data directory, shard, journal or document"
    })
public final class DumpCommand implements Callable<Integer>
{
    /** Records whose timestamps are out of order by up to this much are still found by --since / --until. */
    static final long CLOCK_SLACK_NS = 60_000_000_000L;
    private static final long FOLLOW_IDLE_MS = 200;

    @Spec
    private CommandSpec spec;

    @Mixin
    private ShardOptions shards;

    @Option(names = "--format", paramLabel = "text|json", defaultValue = "text",
        description = "text (default) or json (JSON lines).")
    private InfoCommand.Format format;

    @Option(names = "--doc", paramLabel = "COLLECTION/ID", description = "Only this document's records.")
    private String doc;

    @Option(names = "--from-version", paramLabel = "V", description = "Only op records at version >= V.")
    private Long fromVersion;

    @Option(names = "--to-version", paramLabel = "V", description = "Only op records at version <= V.")
    private Long toVersion;

    @Option(names = "--since", paramLabel = "TIME",
        description = "Only records at or after TIME (ISO-8601, e.g. 2026-11-22T03:14:00Z, or epoch ms).")
    private String since;

    @Option(names = "--until", paramLabel = "TIME", description = "Only records at or before TIME.")
    private String until;

    @Option(names = "--source", paramLabel = "SRC", description = "Only ops with this ShareDB src.")
    private String source;

    @Option(names = "--epoch", paramLabel = "E", description = "Only records of this epoch.")
    private Long epoch;

    @Option(names = "--from-lsn", paramLabel = "LSN", description = "Only records with LSN >= LSN.")
    private Long fromLsn;

    @Option(names = "--to-lsn", paramLabel = "LSN", description = "Only records with LSN <= LSN.")
    private Long toLsn;

    @Option(names = "--limit", paramLabel = "N", description = "Stop after N records.")
    private Long limit;

    @Option(names = "--follow", description = "After the end, keep polling for new records until interrupted.")
    private boolean follow;

    private DocRef docRef;
    private long sinceNs = Long.MIN_VALUE;
    private long untilNs = Long.MAX_VALUE;
    private long printed;
    private final List<String> problems = new ArrayList<>();
    private PrintWriter out;
    private JsonGenerator json;
    private final StringBuilder line = new StringBuilder(256);

    /** A shard being dumped. */
    private final class Cursor implements JournalRecordHandler
    {
        final ShardData shard;
        final JournalReader reader;
        final RecordView view = new RecordView();
        boolean done;

        Cursor(final ShardData shard, final JournalReader reader)
        {
            this.shard = shard;
            this.reader = reader;
        }

        @Override
        public void onRecord(
            final long lsn, final org.agrona.DirectBuffer buffer, final int offset, final int length, final long index,
            final int position)
        {
            if (done || (limit != null && printed >= limit))
            {
                return;
            }
            if (toLsn != null && lsn > toLsn)
            {
                done = !follow;
                return;
            }
            if (fromLsn != null && lsn < fromLsn)
            {
                return;
            }
            try
            {
                view.decode(lsn, buffer, offset, length, index, position);
            }
            catch (final RuntimeException ex)
            {
                problems.add("shard " + shard.id() + ": record lsn " + lsn + " cannot be decoded: " + ex);
                return;
            }
            if (untilNs != Long.MAX_VALUE && view.timestampNs() != Long.MIN_VALUE &&
                view.timestampNs() - CLOCK_SLACK_NS > untilNs && !follow)
            {
                done = true;
                return;
            }
            if (!follow && docRef != null && toVersion != null && view.type() == RecordView.Type.OP &&
                view.version() > toVersion && view.collection().equals(docRef.collection()) &&
                view.docId().equals(docRef.docId()))
            {
                // The document's versions only grow along the journal: nothing after this can match.
                done = true;
                return;
            }
            if (matches(view))
            {
                print(view);
            }
        }
    }

    @Override
    public Integer call() throws IOException
    {
        out = spec.commandLine().getOut();
        if (format == InfoCommand.Format.json)
        {
            json = RecordFormat.jsonLines(out);
        }
        docRef = doc == null ? null : DocRef.parse(doc);
        if (since != null)
        {
            sinceNs = Times.parseNanos(since);
        }
        if (until != null)
        {
            untilNs = Times.parseNanos(until);
        }
        final List<ShardData> selected = shards.shards();
        final List<Cursor> cursors = new ArrayList<>();
        try
        {
            for (final ShardData shard : selected)
            {
                final Cursor cursor = new Cursor(shard, shard.openReader());
                cursor.reader.problemHandler(p -> problem(cursor.shard, p));
                cursors.add(cursor);
            }
            final Long docStart = docRef == null || fromVersion == null ? null : docStartLsn(selected);
            for (final Cursor cursor : cursors)
            {
                position(cursor, docStart);
                while (!cursor.done && !limitReached() && cursor.reader.poll(cursor, 64) > 0)
                {
                    out.flush();
                }
                out.flush();
            }
            while (follow && !limitReached() && !Thread.currentThread().isInterrupted())
            {
                int batches = 0;
                for (final Cursor cursor : cursors)
                {
                    batches += cursor.reader.poll(cursor, 64);
                }
                out.flush();
                if (batches == 0)
                {
                    try
                    {
                        Thread.sleep(FOLLOW_IDLE_MS);
                    }
                    catch (final InterruptedException ex)
                    {
                        Thread.currentThread().interrupt();
                    }
                }
            }
        }
        finally
        {
            for (final Cursor cursor : cursors)
            {
                cursor.reader.close();
            }
        }
        out.flush();
        final PrintWriter err = spec.commandLine().getErr();
        for (final String p : problems)
        {
            err.println("replay dump: " + p);
        }
        err.flush();
        return problems.isEmpty() ? ExitCodes.OK : ExitCodes.PROBLEMS;
    }

    private boolean limitReached()
    {
        return limit != null && printed >= limit;
    }

    private void problem(final ShardData shard, final JournalProblem problem)
    {
        problems.add("shard " + shard.id() + ": " + problem);
    }

    /** The LSN of the document's record at --from-version, found through its snapshots and prevLsn chain. */
    private Long docStartLsn(final List<ShardData> selected)
    {
        final List<ShardAccess> accesses = new ArrayList<>();
        try
        {
            for (final ShardData shard : selected)
            {
                accesses.add(new ShardAccess(shard));
            }
            final DocumentHistory history = DocumentHistory.find(accesses, docRef);
            if (fromVersion >= history.endVersion() || fromVersion < 0)
            {
                return null;
            }
            final List<HistoryEntry> first = history.collect(fromVersion, fromVersion + 1);
            return first.isEmpty() ? null : first.get(0).lsn();
        }
        catch (final ToolException ex)
        {
            if (ex.exitCode() == ExitCodes.NOT_FOUND && ex.getMessage().contains("not found in"))
            {
                throw ex;
            }
            return null;
        }
        finally
        {
            for (final ShardAccess access : accesses)
            {
                access.close();
            }
        }
    }

    private void position(final Cursor cursor, final Long docStart)
    {
        long start = fromLsn == null ? 1 : fromLsn;
        if (docStart != null)
        {
            start = Math.max(start, docStart);
        }
        if (sinceNs != Long.MIN_VALUE)
        {
            start = Math.max(start, firstLsnAtOrAfter(cursor.reader, sinceNs - CLOCK_SLACK_NS));
        }
        if (start > 1)
        {
            cursor.reader.seekLsn(start);
        }
    }

    /**
     * Binary search over LSNs for the first record stamped at or after a time, reading one batch per probe.
     *
     * @param reader the shard's reader (left positioned anywhere).
     * @param timeNs the time.
     * @return the LSN to start from.
     */
    static long firstLsnAtOrAfter(final JournalReader reader, final long timeNs)
    {
        long lo = 1;
        long hi = reader.lastLsn() + 1;
        final RecordView view = new RecordView();
        final long[] probe = new long[1];
        while (lo < hi)
        {
            final long mid = (lo + hi) >>> 1;
            reader.seekLsn(mid);
            probe[0] = Long.MIN_VALUE;
            while (probe[0] == Long.MIN_VALUE && reader.poll((lsn, buffer, offset, length, index, position) ->
            {
                if (probe[0] == Long.MIN_VALUE)
                {
                    try
                    {
                        view.decode(lsn, buffer, offset, length, index, position);
                        probe[0] = view.timestampNs();
                    }
                    catch (final RuntimeException ex)
                    {
                        probe[0] = Long.MIN_VALUE;
                    }
                }
            }, 1) > 0)
            {
                // Records without a timestamp (unknown templates) are passed over.
            }
            if (probe[0] == Long.MIN_VALUE || probe[0] >= timeNs)
            {
                hi = mid;
            }
            else
            {
                lo = mid + 1;
            }
        }
        reader.toStart();
        return lo;
    }

    private boolean matches(final RecordView r)
    {
        if (docRef != null && (r.type() == RecordView.Type.EPOCH || r.type() == RecordView.Type.UNKNOWN ||
            !r.collection().equals(docRef.collection()) || !r.docId().equals(docRef.docId())))
        {
            return false;
        }
        if ((fromVersion != null || toVersion != null || source != null) && r.type() != RecordView.Type.OP)
        {
            return false;
        }
        if (fromVersion != null && r.version() < fromVersion || toVersion != null && r.version() > toVersion)
        {
            return false;
        }
        if (source != null && !source.equals(r.source()))
        {
            return false;
        }
        if (epoch != null && r.epoch() != epoch)
        {
            return false;
        }
        return r.timestampNs() == Long.MIN_VALUE ? sinceNs == Long.MIN_VALUE && untilNs == Long.MAX_VALUE :
            r.timestampNs() >= sinceNs && r.timestampNs() <= untilNs;
    }

    private void print(final RecordView r)
    {
        printed++;
        if (json != null)
        {
            try
            {
                RecordFormat.json(r, json);
                json.flush();
            }
            catch (final IOException ex)
            {
                throw new UncheckedIOException(ex);
            }
            out.println();
        }
        else
        {
            line.setLength(0);
            out.println(RecordFormat.text(r, line));
        }
    }
}
