package io.quire.systemtest;

import io.quire.engine.ot.Rope;
import io.quire.engine.ot.TextOp;
import io.quire.engine.ot.TextUnicode;
import io.quire.engine.shard.HistoryEntry;
import io.quire.engine.shard.JournalRecords;
import io.quire.journal.JournalProblem;
import io.quire.journal.JournalReader;
import org.agrona.DirectBuffer;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Stream;

/**
 * Reads an engine's journals offline (read-only, no engine running) and checks what must hold whatever happened
 * to the engine: every frame's CRC, LSNs consecutive from 1 per shard, each document's versions consecutive from 0,
 * no (source, seq) committed twice to a document, and the text after every record equal to the checksum the record
 * carries when the document is rebuilt from the records alone. Failures are collected, not thrown.
 */
final class JournalAudit
{
    /** One committed op as the journal has it. */
    record Committed(long lsn, long version, byte kind, String source, long seq, String op, long checksum)
    {
    }

    /** A document rebuilt from its records. */
    static final class Doc
    {
        final String key;
        final List<Committed> records = new ArrayList<>();
        final Rope text = new Rope();
        boolean exists;

        Doc(final String key)
        {
            this.key = key;
        }

        long version()
        {
            return records.size();
        }
    }

    final Map<String, Doc> docs = new LinkedHashMap<>();
    final List<String> failures = new ArrayList<>();
    long records;

    private final JournalRecords decoder = new JournalRecords();
    private final HistoryEntry entry = new HistoryEntry();
    private final TextUnicode ot = new TextUnicode();

    /**
     * Audit every {@code shard-N/journal} under a data directory.
     *
     * @param dataDir the engine's data directory.
     * @return the audit.
     */
    static JournalAudit of(final Path dataDir) throws java.io.IOException
    {
        final JournalAudit audit = new JournalAudit();
        try (Stream<Path> shards = Files.list(dataDir))
        {
            for (final Path shard : shards.sorted().toList())
            {
                final Path journal = shard.resolve("journal");
                if (Files.isDirectory(journal))
                {
                    audit.readShard(shard.getFileName().toString(), journal);
                }
            }
        }
        return audit;
    }

    private void readShard(final String shard, final Path journal)
    {
        final long[] expectedLsn = {1};
        final Map<String, Set<String>> sourceSeqs = new HashMap<>();
        try (JournalReader reader = JournalReader.open(journal))
        {
            reader.problemHandler(problem -> failures.add(shard + ": " + describe(problem)));
            reader.toStart();
            while (reader.poll((lsn, buffer, offset, length, index, position) ->
                onRecord(shard, lsn, buffer, offset, expectedLsn, sourceSeqs), 64) > 0)
            {
                // keep reading
            }
        }
    }

    private static String describe(final JournalProblem problem)
    {
        return problem.toString();
    }

    private void onRecord(
        final String shard, final long lsn, final DirectBuffer buffer, final int offset, final long[] expectedLsn,
        final Map<String, Set<String>> sourceSeqs)
    {
        records++;
        if (lsn != expectedLsn[0])
        {
            failures.add(shard + ": LSN " + lsn + " where " + expectedLsn[0] + " was expected");
        }
        expectedLsn[0] = lsn + 1;
        if (!decoder.isOpRecord(buffer, offset))
        {
            return;
        }
        decoder.decode(buffer, offset, lsn, entry);
        final String key = string(buffer, decoder.lastCollectionOffset(), decoder.lastCollectionLength()) + "/" +
            string(buffer, decoder.lastDocIdOffset(), decoder.lastDocIdLength());
        final Doc doc = docs.computeIfAbsent(key, Doc::new);
        final String source = new String(entry.source(), 0, entry.sourceLength(), StandardCharsets.UTF_8);
        if (entry.version() != doc.version())
        {
            failures.add(key + ": record lsn " + lsn + " has version " + entry.version() + ", expected " + doc.version());
        }
        if (!source.isEmpty() && !sourceSeqs.computeIfAbsent(key, k -> new HashSet<>()).add(source + "#" + entry.seq()))
        {
            failures.add(key + ": (" + source + ", " + entry.seq() + ") committed twice (again at lsn " + lsn + ")");
        }
        final TextOp op = entry.op();
        switch (entry.kind())
        {
            case HistoryEntry.CREATE:
                doc.text.clear();
                if (op.size() > 0)
                {
                    doc.text.insert(0, op.textBuffer(), op.textStart(0), op.textLength(0));
                }
                doc.exists = true;
                break;
            case HistoryEntry.DELETE:
                doc.text.clear();
                doc.exists = false;
                break;
            default:
                ot.apply(op, doc.text);
                break;
        }
        final long actual = doc.exists ? doc.text.checksum() : 0;
        if (actual != entry.checksum())
        {
            failures.add(key + ": text after version " + entry.version() + " (lsn " + lsn + ") has checksum " +
                Long.toHexString(actual) + ", the record says " + Long.toHexString(entry.checksum()));
        }
        doc.records.add(new Committed(lsn, entry.version(), entry.kind(), source, entry.seq(),
            entry.kind() == HistoryEntry.EDIT ? op.toJson() : "", entry.checksum()));
    }

    private static String string(final DirectBuffer buffer, final int offset, final int length)
    {
        final byte[] bytes = new byte[length];
        buffer.getBytes(offset, bytes);
        return new String(bytes, StandardCharsets.UTF_8);
    }
}
