package io.quire.replay;

import com.fasterxml.jackson.core.JsonGenerator;
import io.quire.codec.journal.EpochRecordDecoder;
import io.quire.codec.journal.JournalRecordDecoder;
import io.quire.codec.journal.MessageHeaderDecoder;
import io.quire.codec.journal.OpKind;
import io.quire.engine.shard.JournalRecords;
import io.quire.journal.JournalProblem;
import io.quire.journal.JournalReader;
import io.quire.journal.snapshot.SnapshotRef;
import io.quire.journal.snapshot.SnapshotStore;
import org.agrona.collections.LongHashSet;
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
import java.util.TreeSet;
import java.util.concurrent.Callable;

/**
 * {@code replay info DATA_DIR}: per shard, what the journal and the snapshot catalog hold.
 */
@Command(
    name = "info",
    mixinStandardHelpOptions = true,
    description = {
        "Per shard: journal LSN range, excerpt index range, record counts by kind, documents, version range, epochs " +
            "seen, time span (first and last record timestamps, ISO-8601 UTC), and the snapshot catalog (files, " +
            "bytes, documents covered). Reads the whole journal once."
    },
    exitCodeListHeading = "%nExit codes:%n",
    exitCodeList = {
        "0:done",
        "1:damaged records met while reading (run verify for the details)",
        "2:bad usage",
        "3:no such data directory, shard or journal"
    })
public final class InfoCommand implements Callable<Integer>
{
    @Spec
    private CommandSpec spec;

    @Mixin
    private ShardOptions shards;

    @Option(names = "--format", paramLabel = "text|json", defaultValue = "text",
        description = "Output format: text (default) or json (one object per shard per line).")
    private Format format;

    /** Output formats. */
    enum Format
    {
        text, json
    }

    /** What one shard holds. */
    static final class ShardInfo
    {
        ShardData shard;
        long records;
        long batches;
        long firstLsn = -1;
        long lastLsn = -1;
        long firstIndex = -1;
        long lastIndex = -1;
        long creates;
        long edits;
        long deletes;
        long acls;
        long epochRecords;
        long unknown;
        final LongHashSet docs = new LongHashSet();
        long minVersion = Long.MAX_VALUE;
        long maxVersion = -1;
        long maxVersionLsn = -1;
        String maxVersionDoc = "";
        final TreeSet<Long> epochs = new TreeSet<>();
        long firstTime = Long.MAX_VALUE;
        long lastTime = Long.MIN_VALUE;
        final List<JournalProblem> problems = new ArrayList<>();
        int snapshots;
        long snapshotBytes;
        final LongHashSet snapshotDocs = new LongHashSet();
    }

    @Override
    public Integer call() throws IOException
    {
        final PrintWriter out = spec.commandLine().getOut();
        final JsonGenerator json = format == Format.json ?
            RecordFormat.jsonLines(out) : null;
        boolean problems = false;
        for (final ShardData shard : shards.shards())
        {
            final ShardInfo info = scan(shard);
            problems |= !info.problems.isEmpty();
            if (json != null)
            {
                writeJson(info, json);
                json.flush();
                out.println();
            }
            else
            {
                writeText(info, out);
            }
            out.flush();
        }
        return problems ? ExitCodes.PROBLEMS : ExitCodes.OK;
    }

    /**
     * Read a shard's journal and snapshot catalog.
     *
     * @param shard the shard.
     * @return what it holds.
     */
    static ShardInfo scan(final ShardData shard)
    {
        final ShardInfo info = new ShardInfo();
        info.shard = shard;
        final JournalRecords records = new JournalRecords();
        final MessageHeaderDecoder header = new MessageHeaderDecoder();
        final EpochRecordDecoder epochDecoder = new EpochRecordDecoder();
        try (JournalReader reader = shard.openReader().problemHandler(info.problems::add))
        {
            while (reader.poll((lsn, buffer, offset, length, index, position) ->
            {
                if (info.firstLsn < 0)
                {
                    info.firstLsn = lsn;
                    info.firstIndex = index;
                }
                info.lastLsn = lsn;
                info.lastIndex = index;
                info.records++;
                header.wrap(buffer, offset);
                final long time;
                switch (header.templateId())
                {
                    case JournalRecordDecoder.TEMPLATE_ID:
                    {
                        final JournalRecordDecoder d = records.wrap(buffer, offset);
                        final OpKind kind = d.opKind();
                        if (kind == OpKind.CREATE)
                        {
                            info.creates++;
                        }
                        else if (kind == OpKind.DELETE)
                        {
                            info.deletes++;
                        }
                        else
                        {
                            info.edits++;
                        }
                        info.docs.add(d.docHash());
                        final long version = d.version();
                        info.minVersion = Math.min(info.minVersion, version);
                        if (version > info.maxVersion)
                        {
                            info.maxVersion = version;
                            info.maxVersionLsn = lsn;
                        }
                        info.epochs.add(d.epoch());
                        time = d.timestampNs();
                        break;
                    }
                    case EpochRecordDecoder.TEMPLATE_ID:
                        info.epochRecords++;
                        epochDecoder.wrap(buffer, offset + MessageHeaderDecoder.ENCODED_LENGTH, header.blockLength(),
                            header.version());
                        info.epochs.add(epochDecoder.epoch());
                        time = epochDecoder.timestampNs();
                        break;
                    case io.quire.codec.journal.AclRecordDecoder.TEMPLATE_ID:
                        info.acls++;
                        time = Long.MIN_VALUE;
                        break;
                    default:
                        info.unknown++;
                        time = Long.MIN_VALUE;
                        break;
                }
                if (time != Long.MIN_VALUE)
                {
                    info.firstTime = Math.min(info.firstTime, time);
                    info.lastTime = Math.max(info.lastTime, time);
                }
            }, 256) > 0)
            {
                // Poll until the current end of the journal.
            }
            info.batches = reader.batchesRead();
        }
        if (info.maxVersionLsn > 0)
        {
            try (ShardAccess access = new ShardAccess(shard))
            {
                final RecordView view = new RecordView();
                if (access.read(info.maxVersionLsn, view))
                {
                    info.maxVersionDoc = view.doc();
                }
            }
        }
        final SnapshotStore store = shard.openSnapshots();
        if (store != null)
        {
            try (store)
            {
                for (final SnapshotRef ref : store.all())
                {
                    info.snapshots++;
                    info.snapshotBytes += ref.size();
                    info.snapshotDocs.add(ref.docHash());
                }
            }
        }
        return info;
    }

    private static void writeText(final ShardInfo i, final PrintWriter out)
    {
        out.println("shard " + i.shard.id() + " (" + i.shard.dir() + ")");
        if (i.records == 0)
        {
            out.println("  journal     empty");
        }
        else
        {
            out.println("  lsn         " + i.firstLsn + ".." + i.lastLsn + " (" + i.records + " records in " +
                i.batches + " batches)");
            out.println("  excerpts    0x" + Long.toHexString(i.firstIndex) + "..0x" + Long.toHexString(i.lastIndex));
            out.println("  records     CREATE " + i.creates + ", EDIT " + i.edits + ", DELETE " + i.deletes +
                ", ACL " + i.acls + ", EPOCH " + i.epochRecords + (i.unknown > 0 ? ", unknown " + i.unknown : ""));
            out.println("  documents   " + i.docs.size() + (i.maxVersion >= 0 ? " (versions " + i.minVersion + ".." +
                i.maxVersion + "; highest " + i.maxVersionDoc + " at v" + i.maxVersion + ")" : ""));
            out.println("  epochs      " + String.join(", ", i.epochs.stream().map(String::valueOf).toList()));
            if (i.firstTime != Long.MAX_VALUE)
            {
                out.println("  time        " + Times.iso(i.firstTime) + " .. " + Times.iso(i.lastTime) + " (" +
                    String.format(Locale.ROOT, "%.3f", (i.lastTime - i.firstTime) / 1e9) + " s)");
            }
        }
        out.println("  snapshots   " + i.snapshots + " files, " + bytes(i.snapshotBytes) + ", " +
            i.snapshotDocs.size() + " documents");
        out.println("  problems    " + (i.problems.isEmpty() ? "none" : i.problems.size() + " (first: " +
            i.problems.get(0) + "); run verify"));
    }

    private static void writeJson(final ShardInfo i, final JsonGenerator json)
    {
        try
        {
            json.writeStartObject();
            json.writeNumberField("shard", i.shard.id());
            json.writeStringField("dir", i.shard.dir().toString());
            json.writeNumberField("records", i.records);
            json.writeNumberField("batches", i.batches);
            json.writeNumberField("firstLsn", i.firstLsn);
            json.writeNumberField("lastLsn", i.lastLsn);
            json.writeStringField("firstExcerptIndex", "0x" + Long.toHexString(i.firstIndex));
            json.writeStringField("lastExcerptIndex", "0x" + Long.toHexString(i.lastIndex));
            json.writeObjectFieldStart("counts");
            json.writeNumberField("CREATE", i.creates);
            json.writeNumberField("EDIT", i.edits);
            json.writeNumberField("DELETE", i.deletes);
            json.writeNumberField("ACL", i.acls);
            json.writeNumberField("EPOCH", i.epochRecords);
            json.writeNumberField("unknown", i.unknown);
            json.writeEndObject();
            json.writeNumberField("documents", i.docs.size());
            json.writeNumberField("minVersion", i.maxVersion < 0 ? -1 : i.minVersion);
            json.writeNumberField("maxVersion", i.maxVersion);
            json.writeStringField("maxVersionDocument", i.maxVersionDoc);
            json.writeArrayFieldStart("epochs");
            for (final long e : i.epochs)
            {
                json.writeNumber(e);
            }
            json.writeEndArray();
            if (i.firstTime != Long.MAX_VALUE)
            {
                json.writeStringField("firstTime", Times.iso(i.firstTime));
                json.writeStringField("lastTime", Times.iso(i.lastTime));
            }
            json.writeObjectFieldStart("snapshots");
            json.writeNumberField("files", i.snapshots);
            json.writeNumberField("bytes", i.snapshotBytes);
            json.writeNumberField("documents", i.snapshotDocs.size());
            json.writeEndObject();
            json.writeArrayFieldStart("problems");
            for (final JournalProblem p : i.problems)
            {
                json.writeString(p.toString());
            }
            json.writeEndArray();
            json.writeEndObject();
        }
        catch (final IOException ex)
        {
            throw new UncheckedIOException(ex);
        }
    }

    /**
     * @param n a byte count.
     * @return it in B, KiB, MiB or GiB.
     */
    static String bytes(final long n)
    {
        if (n < 1024)
        {
            return n + " B";
        }
        final String[] units = {"KiB", "MiB", "GiB", "TiB"};
        double v = n;
        int u = -1;
        while (v >= 1024 && u < units.length - 1)
        {
            v /= 1024;
            u++;
        }
        return String.format(Locale.ROOT, "%.1f %s", v, units[u]);
    }
}
