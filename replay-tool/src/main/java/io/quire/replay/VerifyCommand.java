package io.quire.replay;

import com.fasterxml.jackson.core.JsonGenerator;
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
import java.util.Locale;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

/**
 * {@code replay verify DATA_DIR}: replays every document through the whole journal and reports what is wrong.
 */
@Command(
    name = "verify",
    mixinStandardHelpOptions = true,
    description = {
        "Replay every document through the whole journal with the engine's OT code, recomputing each record's " +
            "checksum, and report every problem with its location (shard, LSN, document, version, queue file, " +
            "excerpt index, record position in its batch):",
        "  journal: CRC_MISMATCH (corrupted record), TRUNCATED / BAD_FRAME_LENGTH (cut short), LSN_GAP (records " +
            "removed), LSN_REGRESSION (records replayed), BAD_BATCH_HEADER, TRAILING_BYTES, MALFORMED_RECORD;",
        "  documents: VERSION_GAP, VERSION_REPEAT, DUPLICATE_OP (same source and seq committed twice), " +
            "SEQ_REGRESSION, EPOCH_REGRESSION, CHAIN_BROKEN (prevLsn), OP_NOT_APPLICABLE, CHECKSUM_MISMATCH, " +
            "DOC_HASH_MISMATCH, SHARD_MISMATCH;",
        "  snapshots: SNAPSHOT_MISMATCH (disagrees with the journal at its version), SNAPSHOT_DAMAGED, " +
            "SNAPSHOT_BEYOND_JOURNAL.",
        "Shards, and the documents of a shard, are replayed in parallel (--threads). Progress goes to stderr every " +
            "2 s on long runs; problems and the summaries go to stdout."
    },
    exitCodeListHeading = "%nExit codes:%n",
    exitCodeList = {
        "0:no problem found",
        "1:problems found",
        "2:bad usage",
        "3:no such data directory, shard or journal"
    })
public final class VerifyCommand implements Callable<Integer>
{
    private static final long PROGRESS_INTERVAL_NS = 2_000_000_000L;

    @Spec
    private CommandSpec spec;

    @Mixin
    private ShardOptions shards;

    @Option(names = "--format", paramLabel = "text|json", defaultValue = "text",
        description = "text (default) or json: one JSON object per problem, then one per shard summary.")
    private InfoCommand.Format format;

    @Option(names = "--quiet", description = "No progress on stderr.")
    private boolean quiet;

    @Option(names = "--threads", paramLabel = "N", defaultValue = "0",
        description = "Threads (default: one per processor): shards are verified in parallel, and a shard's " +
            "documents are replayed by the threads left over, while one thread reads its journal.")
    private int threads;

    @Override
    public Integer call() throws IOException, InterruptedException
    {
        final PrintWriter out = spec.commandLine().getOut();
        final JsonGenerator json = format == InfoCommand.Format.json ? RecordFormat.jsonLines(out) : null;
        final List<ShardData> selected = shards.shards();
        final int budget = threads > 0 ? threads : Runtime.getRuntime().availableProcessors();
        final int parallelism = Math.max(1, Math.min(selected.size(), budget));
        final int workers = Math.max(1, budget / parallelism);
        long total = 0;
        if (parallelism == 1)
        {
            for (final ShardData shard : selected)
            {
                total += verify(shard, json, workers);
            }
        }
        else
        {
            final ExecutorService pool = Executors.newFixedThreadPool(parallelism, r ->
            {
                final Thread t = new Thread(r, "quire-verify");
                t.setDaemon(true);
                return t;
            });
            try
            {
                final List<Future<Long>> results = new ArrayList<>();
                for (final ShardData shard : selected)
                {
                    results.add(pool.submit(() -> verify(shard, json, workers)));
                }
                for (final Future<Long> result : results)
                {
                    total += result.get();
                }
            }
            catch (final ExecutionException ex)
            {
                if (ex.getCause() instanceof RuntimeException cause)
                {
                    throw cause;
                }
                throw new IllegalStateException(ex.getCause());
            }
            finally
            {
                pool.shutdownNow();
            }
        }
        if (json == null)
        {
            out.println(total == 0 ? "verify: OK" : "verify: " + total + " problem(s)");
        }
        out.flush();
        return total == 0 ? ExitCodes.OK : ExitCodes.PROBLEMS;
    }

    /** Verify one shard, printing its problems and summary as whole lines (shards may run in parallel). */
    private long verify(final ShardData shard, final JsonGenerator json, final int workers) throws IOException
    {
        final PrintWriter out = spec.commandLine().getOut();
        final PrintWriter err = spec.commandLine().getErr();
        final long[] next = {System.nanoTime() + PROGRESS_INTERVAL_NS};
        final long start = System.nanoTime();
        final JournalVerifier verifier = new JournalVerifier(shard, problem ->
        {
            synchronized (out)
            {
                if (json != null)
                {
                    writeJson(json, problem);
                    out.println();
                }
                else
                {
                    out.println(problem);
                }
                out.flush();
            }
        }, workers);
        final JournalVerifier.Summary summary = verifier.run((records, lsn, end) ->
        {
            final long now = System.nanoTime();
            if (!quiet && now >= next[0])
            {
                next[0] = now + PROGRESS_INTERVAL_NS;
                synchronized (out)
                {
                    err.println(String.format(Locale.ROOT,
                        "verify: shard %d: %,d records, %s, lsn %,d of %,d (%.1f%%)", shard.id(),
                        records, rate(records, now - start), lsn, end, end <= 0 ? 100.0 : lsn * 100.0 / end));
                    err.flush();
                }
            }
        });
        synchronized (out)
        {
            if (json != null)
            {
                json.writeStartObject();
                json.writeStringField("summary", "shard");
                json.writeNumberField("shard", shard.id());
                json.writeNumberField("records", summary.records());
                json.writeNumberField("firstLsn", summary.firstLsn());
                json.writeNumberField("lastLsn", summary.lastLsn());
                json.writeNumberField("documents", summary.documents());
                json.writeNumberField("snapshotsChecked", summary.snapshotsChecked());
                json.writeNumberField("problems", summary.problems());
                json.writeNumberField("millis", summary.nanos() / 1_000_000);
                json.writeEndObject();
                json.flush();
                out.println();
            }
            else
            {
                out.println(String.format(Locale.ROOT,
                    "verify: shard %d: %,d records (lsn %d..%d), %,d documents, %,d snapshots checked in %.2f s " +
                    "(%s): %s", shard.id(), summary.records(), summary.firstLsn(), summary.lastLsn(),
                    summary.documents(), summary.snapshotsChecked(), summary.nanos() / 1e9,
                    rate(summary.records(), summary.nanos()),
                    summary.problems() == 0 ? "OK" : summary.problems() + " problem(s)"));
            }
            out.flush();
        }
        return summary.problems();
    }

    /**
     * @param records records read.
     * @param nanos   in this time.
     * @return the rate, e.g. {@code 1.19 M records/s} or {@code 5,120 records/s}.
     */
    static String rate(final long records, final long nanos)
    {
        final double perSecond = records * 1e9 / Math.max(1, nanos);
        return perSecond >= 100_000 ? String.format(Locale.ROOT, "%.2f M records/s", perSecond / 1e6) :
            String.format(Locale.ROOT, "%,.0f records/s", perSecond);
    }

    private static void writeJson(final JsonGenerator json, final VerifyProblem p)
    {
        try
        {
            json.writeStartObject();
            json.writeStringField("kind", p.kind().name());
            json.writeNumberField("shard", p.shard());
            json.writeNumberField("lsn", p.lsn());
            if (p.doc() != null)
            {
                json.writeStringField("doc", p.doc());
            }
            json.writeNumberField("version", p.version());
            if (p.file() != null)
            {
                json.writeStringField("file", p.file());
            }
            json.writeStringField("excerptIndex", p.excerptIndex() < 0 ? "" : "0x" +
                Long.toHexString(p.excerptIndex()));
            json.writeNumberField("position", p.position());
            json.writeStringField("detail", p.detail());
            json.writeEndObject();
            json.flush();
        }
        catch (final IOException ex)
        {
            throw new UncheckedIOException(ex);
        }
    }
}
