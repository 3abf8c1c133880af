package io.quire.engine.shard;

import io.quire.journal.JournalRecordHandler;

import java.util.ArrayList;
import java.util.List;

/**
 * Reads a document's ops back from the journal by walking its records' {@code prevLsn} chain: from a known record
 * (the newest op not in memory) back to the oldest version wanted, then returned oldest first. Cold path: used for
 * catch-up and transforms from versions older than memory holds, and to rebuild documents.
 */
public final class JournalHistory
{
    private final RecordLookup records;
    private final JournalRecords decoder = new JournalRecords();
    private final HistoryEntry scratch = new HistoryEntry();
    private long wanted;
    private boolean found;
    private int foundLength;
    private final JournalRecordHandler handler = (lsn, buffer, offset, length, index, position) ->
    {
        if (lsn == wanted && decoder.isOpRecord(buffer, offset))
        {
            decoder.decode(buffer, offset, lsn, scratch);
            found = true;
            foundLength = length;
        }
    };
    private String problem;
    private long collectedBytes;

    /**
     * @param records random access to the journal.
     */
    public JournalHistory(final RecordLookup records)
    {
        this.records = records;
    }

    /**
     * Collect the ops at versions [from, to) given the newest one at or after {@code to - 1}.
     *
     * @param anchorLsn     LSN of the op at {@code anchorVersion}.
     * @param anchorVersion version of that op (at least {@code to - 1}).
     * @param from          oldest version wanted.
     * @param to            one past the newest version wanted.
     * @param maxReads      bound on records read.
     * @param out           receives fresh entries for versions [from, to), oldest first.
     * @return true if all were found; false with {@link #problem()} set otherwise.
     */
    public boolean collect(
        final long anchorLsn, final long anchorVersion, final long from, final long to, final long maxReads,
        final List<HistoryEntry> out)
    {
        problem = null;
        collectedBytes = 0;
        if (anchorVersion - from + 1 > maxReads)
        {
            problem = (anchorVersion - from + 1) + " ops would have to be read from the journal, more than the limit of " +
                maxReads;
            return false;
        }
        final List<HistoryEntry> reversed = new ArrayList<>();
        long lsn = anchorLsn;
        for (long version = anchorVersion; version >= from; version--)
        {
            if (lsn < 0 || !read(lsn))
            {
                problem = "no journal record for version " + version + " (lsn " + lsn + ")";
                return false;
            }
            if (scratch.version != version)
            {
                problem = "journal record lsn " + lsn + " has version " + scratch.version + ", expected " + version;
                return false;
            }
            if (version < to)
            {
                final HistoryEntry copy = new HistoryEntry();
                copy(scratch, copy);
                reversed.add(copy);
                collectedBytes += foundLength;
            }
            lsn = scratch.prevLsn;
        }
        for (int i = reversed.size() - 1; i >= 0; i--)
        {
            out.add(reversed.get(i));
        }
        return true;
    }

    /**
     * Check a snapshot against the journal: the record at the snapshot's LSN, while the journal still holds it, is
     * the op that brought the document to the snapshot's version, and the text after it had the snapshot's checksum.
     * A snapshot's own CRC and checksum only show that its file is intact, not that its text belongs to its version.
     *
     * @param lsn      the snapshot's LSN (-1: it covers no record).
     * @param version  the snapshot's version.
     * @param checksum the snapshot's checksum.
     * @return why the journal contradicts the snapshot, or null if it agrees or does not hold that record.
     */
    public String contradiction(final long lsn, final long version, final long checksum)
    {
        if (lsn < 0 || !read(lsn))
        {
            return null;
        }
        if (scratch.version != version - 1)
        {
            return "the journal record at lsn " + lsn + " is the op at version " + scratch.version + ", not " +
                (version - 1);
        }
        if (scratch.checksum != checksum)
        {
            return "the journal says the text after version " + scratch.version + " (lsn " + lsn + ") has checksum " +
                Long.toHexString(scratch.checksum) + ", the snapshot's text has " + Long.toHexString(checksum);
        }
        return null;
    }

    /** @return journal bytes of the records the last {@link #collect} returned. */
    public long collectedBytes()
    {
        return collectedBytes;
    }

    /** @return why the last {@link #collect} failed. */
    public String problem()
    {
        return problem;
    }

    private boolean read(final long lsn)
    {
        wanted = lsn;
        found = false;
        return records.read(lsn, handler) && found;
    }

    static void copy(final HistoryEntry from, final HistoryEntry to)
    {
        to.version = from.version;
        to.kind = from.kind;
        to.op.copyFrom(from.op);
        to.setSource(from.source, from.sourceLength);
        to.seq = from.seq;
        to.lsn = from.lsn;
        to.prevLsn = from.prevLsn;
        to.timestampNs = from.timestampNs;
        to.checksum = from.checksum;
        if (to.principal.length < from.principalLength)
        {
            to.principal = new byte[from.principalLength];
        }
        System.arraycopy(from.principal, 0, to.principal, 0, from.principalLength);
        to.principalLength = from.principalLength;
    }
}
