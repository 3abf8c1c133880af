package io.quire.replay;

import io.quire.engine.ot.TextOp;
import io.quire.journal.JournalReader;
import org.agrona.collections.LongArrayList;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;
import java.util.concurrent.Callable;

/**
 * {@code replay diff DATA_DIR_A DATA_DIR_B}: where two copies of the journals (primary and replica, before and after)
 * part ways, document by document.
 */
@Command(
    name = "diff",
    mixinStandardHelpOptions = true,
    description = {
        "Compare two data directories (e.g. a primary's and a replica's) document by document: for each document, " +
            "the first version where their records differ and why (op, source/seq, epoch, checksum, kind, " +
            "principal, timestamp, or the record missing on one side), and the documents present on one side only.",
        "Records are matched by document and version, not by LSN, so journals that interleave documents " +
            "differently still compare. A reads every record once into a compact index (two longs per record); " +
            "B is streamed against it."
    },
    exitCodeListHeading = "%nExit codes:%n",
    exitCodeList = {
        "0:identical histories",
        "1:they differ",
        "2:bad usage",
        "3:no such data directory, shard or journal"
    })
public final class DiffCommand implements Callable<Integer>
{
    @Spec
    private CommandSpec spec;

    @Parameters(index = "0", paramLabel = "DATA_DIR_A", description = "First data directory (e.g. the primary's).")
    private Path dirA;

    @Parameters(index = "1", paramLabel = "DATA_DIR_B", description = "Second data directory (e.g. the replica's).")
    private Path dirB;

    @Option(names = "--shard", paramLabel = "N", description = "Only this shard (on both sides).")
    private Integer shard;

    @Option(names = "--limit", paramLabel = "N", defaultValue = "1000",
        description = "Print at most N differing documents (default ${DEFAULT-VALUE}); all are counted.")
    private int limit;

    /** Side A's history of one document: a fingerprint and LSN per version. */
    private static final class DocIndex
    {
        final int shard;
        final LongArrayList fingerprints = new LongArrayList();
        final LongArrayList lsns = new LongArrayList();
        boolean seenOnB;

        DocIndex(final int shard)
        {
            this.shard = shard;
        }
    }

    /** Side B's walk of one document against A. */
    private static final class DocCompare
    {
        final int shard;
        long next;
        long divergence = -1;
        long lsnB = -1;
        String reason;

        DocCompare(final int shard)
        {
            this.shard = shard;
        }
    }

    @Override
    public Integer call()
    {
        final PrintWriter out = spec.commandLine().getOut();
        final List<ShardData> shardsA = DataDir.shards(dirA, shard);
        final List<ShardData> shardsB = DataDir.shards(dirB, shard);
        final Map<String, DocIndex> a = new HashMap<>();
        final RecordView view = new RecordView();
        long recordsA = 0;
        for (final ShardData s : shardsA)
        {
            recordsA += scan(s, view, r ->
            {
                final DocIndex index = a.computeIfAbsent(r.doc(), k -> new DocIndex(s.id()));
                final long v = r.version();
                while (index.fingerprints.size() < v)
                {
                    index.fingerprints.addLong(0);
                    index.lsns.addLong(-1);
                }
                if (index.fingerprints.size() == v)
                {
                    index.fingerprints.addLong(fingerprint(r));
                    index.lsns.addLong(r.lsn());
                }
            });
        }
        final Map<String, DocCompare> b = new HashMap<>();
        long recordsB = 0;
        for (final ShardData s : shardsB)
        {
            recordsB += scan(s, view, r ->
            {
                final DocCompare cmp = b.computeIfAbsent(r.doc(), k -> new DocCompare(s.id()));
                final DocIndex index = a.get(r.doc());
                final long v = r.version();
                if (v < cmp.next || cmp.divergence >= 0)
                {
                    return;
                }
                if (index == null)
                {
                    cmp.next = v + 1;
                    return;
                }
                index.seenOnB = true;
                if (v > cmp.next)
                {
                    diverge(cmp, cmp.next, -1, "missing on B (B jumps from version " + (cmp.next - 1) + " to " + v +
                        " at lsn " + r.lsn() + ")");
                    return;
                }
                cmp.next = v + 1;
                if (v >= index.fingerprints.size())
                {
                    diverge(cmp, v, r.lsn(), "missing on A (A ends at version " + (index.fingerprints.size() - 1) +
                        ")");
                }
                else if (index.fingerprints.getLong((int)v) != fingerprint(r))
                {
                    diverge(cmp, v, r.lsn(), null);
                }
            });
        }

        final TreeMap<String, String> report = new TreeMap<>();
        int differing = 0;
        int onlyA = 0;
        int onlyB = 0;
        for (final Map.Entry<String, DocIndex> e : a.entrySet())
        {
            final DocCompare cmp = b.get(e.getKey());
            final DocIndex index = e.getValue();
            if (cmp == null)
            {
                onlyA++;
                report.put(e.getKey(), "only in A (shard " + index.shard + ", versions 0.." +
                    (index.fingerprints.size() - 1) + ")");
                continue;
            }
            if (cmp.divergence < 0 && cmp.next < index.fingerprints.size())
            {
                diverge(cmp, cmp.next, -1, "missing on B (B ends at version " + (cmp.next - 1) + ", A at " +
                    (index.fingerprints.size() - 1) + ")");
            }
            if (cmp.divergence >= 0)
            {
                differing++;
                report.put(e.getKey(), explain(e.getKey(), index, cmp, shardsA, shardsB));
            }
        }
        for (final Map.Entry<String, DocCompare> e : b.entrySet())
        {
            if (!a.containsKey(e.getKey()))
            {
                onlyB++;
                report.put(e.getKey(), "only in B (shard " + e.getValue().shard + ", versions 0.." +
                    (e.getValue().next - 1) + ")");
            }
        }
        int printed = 0;
        for (final Map.Entry<String, String> e : report.entrySet())
        {
            if (printed++ < limit)
            {
                out.println("diff: " + e.getKey() + ": " + e.getValue());
            }
        }
        if (report.isEmpty())
        {
            out.println("diff: identical: " + a.size() + " documents; " + recordsA + " records in A, " + recordsB +
                " in B");
            return ExitCodes.OK;
        }
        out.println("diff: " + differing + " document(s) differ, " + onlyA + " only in A, " + onlyB +
            " only in B (of " + a.size() + " in A, " + b.size() + " in B)");
        return ExitCodes.PROBLEMS;
    }

    private static void diverge(final DocCompare cmp, final long version, final long lsnB, final String reason)
    {
        cmp.divergence = version;
        cmp.lsnB = lsnB;
        cmp.reason = reason;
    }

    /** Read every op record of a shard; damaged records are passed over (verify reports them). */
    private static long scan(final ShardData shard, final RecordView view,
        final java.util.function.Consumer<RecordView> visitor)
    {
        final long[] count = {0};
        try (JournalReader reader = shard.openReader().problemHandler(p -> { }))
        {
            while (reader.poll((lsn, buffer, offset, length, index, position) ->
            {
                count[0]++;
                try
                {
                    view.decode(lsn, buffer, offset, length, index, position);
                }
                catch (final RuntimeException ex)
                {
                    return;
                }
                if (view.type() == RecordView.Type.OP)
                {
                    visitor.accept(view);
                }
            }, 256) > 0)
            {
                // Read to the current end.
            }
        }
        return count[0];
    }

    private String explain(
        final String doc, final DocIndex index, final DocCompare cmp, final List<ShardData> shardsA,
        final List<ShardData> shardsB)
    {
        final StringBuilder out = new StringBuilder("first difference at version ").append(cmp.divergence);
        final long lsnA = cmp.divergence < index.lsns.size() ? index.lsns.getLong((int)cmp.divergence) : -1;
        out.append(" (A lsn ").append(lsnA).append(" shard ").append(index.shard).append(", B lsn ")
            .append(cmp.lsnB).append(" shard ").append(cmp.shard).append("): ");
        if (cmp.reason != null)
        {
            return out.append(cmp.reason).toString();
        }
        final RecordView ra = read(shardsA, index.shard, lsnA);
        final RecordView rb = read(shardsB, cmp.shard, cmp.lsnB);
        if (ra == null || rb == null)
        {
            return out.append("records differ (one side unreadable on second read)").toString();
        }
        final List<String> why = new ArrayList<>();
        field(why, "kind", ra.kindName(), rb.kindName());
        field(why, "op", opText(ra), opText(rb));
        field(why, "source/seq", ra.source() + "/" + ra.seq(), rb.source() + "/" + rb.seq());
        field(why, "epoch", ra.epoch(), rb.epoch());
        field(why, "checksum", Long.toHexString(ra.checksum()), Long.toHexString(rb.checksum()));
        field(why, "length", ra.codePointLength(), rb.codePointLength());
        field(why, "principal", ra.principal(), rb.principal());
        field(why, "timestamp", Times.iso(ra.timestampNs()), Times.iso(rb.timestampNs()));
        return out.append(why.isEmpty() ? "records differ" : String.join("; ", why)).toString();
    }

    private static String opText(final RecordView r)
    {
        final TextOp op = r.op();
        return r.kind() == io.quire.engine.shard.HistoryEntry.EDIT ? op.toJson() :
            RecordFormat.excerpt(op.size() == 0 ? "" : op.text(0));
    }

    private static void field(final List<String> why, final String name, final Object a, final Object b)
    {
        if (!Objects.equals(a, b))
        {
            why.add(name + " differs: A " + a + ", B " + b);
        }
    }

    private static RecordView read(final List<ShardData> shards, final int shardId, final long lsn)
    {
        if (lsn < 0)
        {
            return null;
        }
        for (final ShardData s : shards)
        {
            if (s.id() == shardId)
            {
                try (ShardAccess access = new ShardAccess(s))
                {
                    final RecordView view = new RecordView();
                    return access.read(lsn, view) ? view : null;
                }
            }
        }
        return null;
    }

    /** A 64-bit fingerprint of everything a record says about its op, except where it sits (LSN, prevLsn). */
    static long fingerprint(final RecordView r)
    {
        long h = mix(0x9E3779B97F4A7C15L, r.version());
        h = mix(h, r.kind());
        h = mix(h, r.seq());
        h = mix(h, r.epoch());
        h = mix(h, r.checksum());
        h = mix(h, r.codePointLength());
        h = mix(h, r.timestampNs());
        h = mix(h, r.source().hashCode());
        h = mix(h, r.principal().hashCode());
        final TextOp op = r.op();
        for (int i = 0; i < op.size(); i++)
        {
            h = mix(h, op.kind(i));
            h = mix(h, op.length(i));
            if (op.hasText(i))
            {
                final char[] text = op.textBuffer();
                for (int c = op.textStart(i), end = c + op.textLength(i); c < end; c++)
                {
                    h = h * 31 + text[c];
                }
            }
        }
        return mix(h, op.size());
    }

    private static long mix(final long h, final long v)
    {
        long x = (h ^ v) * 0xff51afd7ed558ccdL;
        x ^= x >>> 33;
        return x * 0xc4ceb9fe1a85ec53L;
    }
}
