package io.quire.replay;

import io.quire.codec.CodecConstants;
import io.quire.engine.ot.Rope;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;

/**
 * {@code replay doc DATA_DIR --doc C/ID (--version V | --at TIME)}: a document's exact text at a version or instant.
 */
@Command(
    name = "doc",
    description = {
        "Print a document's exact text at version V (the text after V ops: ShareDB's snapshot v) or at an instant, " +
            "rebuilt with the engine's OT code from the nearest snapshot at or before it plus the journal records " +
            "after it (walked back along the document's prevLsn chain from the next snapshot or its last record, " +
            "so unrelated records are never read), and verified against the checksum journaled after every record " +
            "applied.",
        "The text goes to stdout exactly (no newline added) or to --out; version, type, length and how it was " +
            "rebuilt go to stderr."
    },
    exitCodeListHeading = "%nExit codes:%n",
    exitCodeList = {
        "0:done",
        "1:the rebuilt text disagrees with a journaled checksum (run verify)",
        "2:bad usage",
        "3:no such data directory, shard, document or version (beyond the document's end), or unreadable records"
    })
public final class DocCommand implements Callable<Integer>
{
    @Spec
    private CommandSpec spec;

    @Option(names = {"-h", "--help"}, usageHelp = true, description = "Show this help message and exit.")
    private boolean help;

    @Mixin
    private ShardOptions shards;

    @Option(names = "--doc", required = true, paramLabel = "COLLECTION/ID", description = "The document.")
    private String doc;

    @ArgGroup(exclusive = true, multiplicity = "1")
    private When when;

    @Option(names = "--out", paramLabel = "FILE", description = "Write the text (UTF-8) to FILE instead of stdout.")
    private Path outFile;

    /** Version or time. */
    static final class When
    {
        @Option(names = "--version", paramLabel = "V", required = true,
            description = "Version: the text after V ops (0 is the empty, not yet created document).")
        Long version;

        @Option(names = "--at", paramLabel = "TIME", required = true,
            description = "Instant (ISO-8601 or epoch ms): the version after the last op committed at or before it.")
        String at;
    }

    @Override
    public Integer call() throws IOException
    {
        final DocRef ref = DocRef.parse(doc);
        final long start = System.nanoTime();
        final PrintWriter err = spec.commandLine().getErr();
        final List<ShardAccess> accesses = new ArrayList<>();
        try
        {
            for (final ShardData shard : shards.shards())
            {
                accesses.add(new ShardAccess(shard));
            }
            final long opened = System.nanoTime();
            final DocumentHistory history = DocumentHistory.find(accesses, ref);
            final long version;
            if (when.at != null)
            {
                final long at = Times.parseNanos(when.at);
                version = history.versionAt(at);
                err.println(ref + " at " + Times.iso(at) + " is at version " + version);
            }
            else
            {
                version = when.version;
            }
            final DocumentHistory.Rebuilt doc = history.rebuild(version);
            final long micros = (System.nanoTime() - opened) / 1000;
            final long openMicros = (opened - start) / 1000;
            final RecordView last = doc.lastRecord();
            err.println(ref + " version " + version + " of 0.." + history.endVersion() + " (shard " +
                history.shard().shard().id() + "): type " + (doc.exists() ? CodecConstants.TEXT_UNICODE_URI :
                "null (" + (version == 0 ? "not created yet" : "deleted") + ")") + ", " + doc.text().length() +
                " code points, " + doc.text().utf16Length() + " UTF-16 units");
            if (last != null)
            {
                err.println("  last op: v" + last.version() + " " + last.kindName() + " lsn " + last.lsn() + " at " +
                    Times.iso(last.timestampNs()) + " by " + last.author() + " (src " + last.source() + " seq " +
                    last.seq() + ", epoch " + last.epoch() + ")");
            }
            err.println("  rebuilt from " + (doc.snapshotVersion() < 0 ? "the start of the journal" :
                "the snapshot at v" + doc.snapshotVersion()) + " + " + doc.recordsApplied() + " journal records in " +
                String.format(Locale.ROOT, "%.1f ms (opening the journals: %.1f ms)", micros / 1000.0,
                openMicros / 1000.0) + "; verified against " + doc.verification());
            for (final ShardAccess access : accesses)
            {
                for (final String warning : access.warnings())
                {
                    err.println("  warning: " + warning);
                }
            }
            err.flush();
            if (outFile != null)
            {
                try (Writer w = Files.newBufferedWriter(outFile, StandardCharsets.UTF_8))
                {
                    write(doc.text(), w);
                }
            }
            else
            {
                final PrintWriter out = spec.commandLine().getOut();
                write(doc.text(), out);
                out.flush();
            }
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

    /**
     * @param text a rope.
     * @param out  receives its text, chunk by chunk.
     */
    static void write(final Rope text, final Writer out)
    {
        text.forEachChunk((chars, offset, length) ->
        {
            try
            {
                out.write(chars, offset, length);
            }
            catch (final IOException ex)
            {
                throw new UncheckedIOException(ex);
            }
        });
    }
}
