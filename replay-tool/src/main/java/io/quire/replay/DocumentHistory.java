package io.quire.replay;

import io.quire.codec.ShardRouter;
import io.quire.engine.ot.Rope;
import io.quire.engine.ot.TextUnicode;
import io.quire.engine.shard.HistoryEntry;
import io.quire.engine.shard.JournalHistory;
import io.quire.engine.shard.RopeAppender;
import io.quire.engine.shard.SnapshotPersistence;
import io.quire.journal.snapshot.SnapshotCorruptedException;
import io.quire.replay.ShardAccess.Anchor;
import io.quire.replay.ShardAccess.Snapshot;

import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.Consumer;

/**
 * One document's history in its shard, reached without scanning unrelated records: its snapshots, and anchors (the
 * LSN of the record at a known version: each snapshot's last covered record, and the document's last record) from
 * which the engine's {@link JournalHistory} walks the {@code prevLsn} chain back. A version is rebuilt from the
 * nearest snapshot at or before it plus the records after it, with the engine's own OT code, and checked against
 * the checksum journaled after every applied record.
 */
public final class DocumentHistory
{
    /**
     * A document rebuilt at a version.
     *
     * @param version         the version (number of ops applied).
     * @param text            the text.
     * @param exists          false for ShareDB's type null (not created yet, or deleted).
     * @param snapshotVersion version of the snapshot it started from, -1 if none.
     * @param recordsApplied  journal records applied after the snapshot.
     * @param verification    what the result was checked against.
     * @param lastRecord      the record at version - 1 (null at version 0, or if the journal lacks it).
     */
    public record Rebuilt(
        long version, Rope text, boolean exists, long snapshotVersion, int recordsApplied, String verification,
        RecordView lastRecord)
    {
    }

    /**
     * A random access by LSN costs a binary search of Chronicle index lookups (milliseconds on a large queue); reading
     * this many records sequentially costs about the same. A segment is read in one pass when that is cheaper than
     * one lookup per version.
     */
    static final long RECORDS_PER_SEEK = 10_000;

    private final ShardAccess shard;
    private final DocRef doc;
    private final List<Snapshot> snapshots;
    private final Anchor last;
    private final TreeMap<Long, Long> anchors = new TreeMap<>();
    private final JournalHistory history;
    private final TextUnicode ot = new TextUnicode();
    private long recordsPerSeek = RECORDS_PER_SEEK;

    private DocumentHistory(final ShardAccess shard, final DocRef doc, final List<Snapshot> snapshots,
        final Anchor last)
    {
        this.shard = shard;
        this.doc = doc;
        this.snapshots = snapshots;
        this.last = last;
        this.history = new JournalHistory(shard.lookup());
        for (final Snapshot s : snapshots)
        {
            if (s.meta().version() > 0 && s.meta().lsn() > 0)
            {
                anchors.put(s.meta().version() - 1, s.meta().lsn());
            }
        }
        if (last != null)
        {
            anchors.put(last.version(), last.lsn());
        }
    }

    /**
     * Find a document: first in the snapshot catalogs (by name, no scan), then by scanning the journals backwards
     * from their ends, the shard the router picks first.
     *
     * @param shards the shards to look in.
     * @param doc    the document.
     * @return its history.
     * @throws ToolException ({@link ExitCodes#NOT_FOUND}) if no shard has it.
     */
    public static DocumentHistory find(final List<ShardAccess> shards, final DocRef doc)
    {
        for (final ShardAccess shard : shards)
        {
            final List<Snapshot> snapshots = shard.snapshotsOf(doc);
            if (!snapshots.isEmpty())
            {
                final long lower = snapshots.get(snapshots.size() - 1).meta().lsn();
                return new DocumentHistory(shard, doc, snapshots, shard.lastRecord(doc, Math.max(1, lower)));
            }
        }
        final List<ShardAccess> ordered = new ArrayList<>(shards);
        final int maxId = shards.stream().mapToInt(s -> s.shard().id()).max().orElse(0);
        final int routed = ShardRouter.shardFor(doc.hash(), maxId + 1);
        ordered.sort((a, b) -> Boolean.compare(b.shard().id() == routed, a.shard().id() == routed));
        for (final ShardAccess shard : ordered)
        {
            final Anchor last = shard.lastRecord(doc, 1);
            if (last != null)
            {
                return new DocumentHistory(shard, doc, List.of(), last);
            }
        }
        throw ToolException.notFound("document " + doc + " not found in " + (shards.size() == 1 ?
            shards.get(0).shard() : "shards " + shards.stream().map(s -> String.valueOf(s.shard().id()))
            .reduce((a, b) -> a + ", " + b).orElse("")) + " (no snapshot and no journal record)");
    }

    /**
     * @param records records read sequentially instead of one random access; 0 always walks the chain by random
     *                access (tests use it to exercise both paths).
     * @return this.
     */
    DocumentHistory recordsPerSeek(final long records)
    {
        this.recordsPerSeek = records;
        return this;
    }

    /** @return the document. */
    public DocRef doc()
    {
        return doc;
    }

    /** @return the shard holding it. */
    public ShardAccess shard()
    {
        return shard;
    }

    /** @return its snapshots, oldest first. */
    public List<Snapshot> snapshots()
    {
        return snapshots;
    }

    /** @return the current version: one past the last record (or the newest snapshot if the journal ends before). */
    public long endVersion()
    {
        long end = last == null ? 0 : last.version() + 1;
        for (final Snapshot s : snapshots)
        {
            end = Math.max(end, s.meta().version());
        }
        return end;
    }

    /**
     * Rebuild the document at a version.
     *
     * @param version the version: the text after that many ops (ShareDB's snapshot {@code v}).
     * @return the document at that version.
     * @throws ToolException {@link ExitCodes#NOT_FOUND} if the version is beyond the end or its records are
     *                       unreadable; {@link ExitCodes#PROBLEMS} if the rebuilt text disagrees with the journal.
     */
    public Rebuilt rebuild(final long version)
    {
        final long end = endVersion();
        if (version < 0 || version > end)
        {
            throw ToolException.notFound("document " + doc + " has versions 0.." + end + "; version " + version +
                " is beyond its end");
        }
        final Rope text = new Rope();
        boolean exists = false;
        long from = 0;
        long snapshotVersion = -1;
        long snapshotChecksum = 0;
        for (int i = snapshots.size() - 1; i >= 0; i--)
        {
            final Snapshot s = snapshots.get(i);
            if (s.meta().version() > version)
            {
                continue;
            }
            if (load(s, text))
            {
                exists = s.meta().docType() != null;
                from = s.meta().version();
                snapshotVersion = from;
                snapshotChecksum = s.meta().checksum();
                break;
            }
        }
        int applied = 0;
        String verification;
        final RecordView lastRecord = version == 0 ? null : new RecordView();
        if (from < version)
        {
            final List<HistoryEntry> entries = collect(from, version);
            for (final HistoryEntry e : entries)
            {
                SnapshotPersistence.applyRecord(ot, text, e);
                exists = e.kind() == HistoryEntry.CREATE || (e.kind() == HistoryEntry.EDIT && exists);
                final long actual = e.kind() == HistoryEntry.DELETE ? 0 : text.checksum();
                if (actual != e.checksum())
                {
                    throw new ToolException(ExitCodes.PROBLEMS, "document " + doc + ": the text after version " +
                        e.version() + " (lsn " + e.lsn() + ") has checksum " + Long.toHexString(actual) +
                        ", the journal says " + Long.toHexString(e.checksum()) + ": run verify");
                }
                applied++;
            }
            final HistoryEntry tail = entries.get(entries.size() - 1);
            shard.read(tail.lsn(), lastRecord);
            verification = "checksum " + Long.toHexString(tail.checksum()) + " of record lsn " + tail.lsn() +
                " (and of every record applied)";
        }
        else if (version == 0)
        {
            verification = "version 0 is the empty document of type null";
        }
        else
        {
            final Long lsn = anchors.get(version - 1);
            if (lsn != null && shard.read(lsn, lastRecord))
            {
                final long actual = lastRecord.kind() == HistoryEntry.DELETE ? 0 : text.checksum();
                if (actual != lastRecord.checksum())
                {
                    throw new ToolException(ExitCodes.PROBLEMS, "document " + doc + ": snapshot at version " +
                        version + " has checksum " + Long.toHexString(actual) + ", the journal record lsn " + lsn +
                        " says " + Long.toHexString(lastRecord.checksum()) + ": run verify");
                }
                verification = "checksum " + Long.toHexString(lastRecord.checksum()) + " of record lsn " + lsn +
                    " and of the snapshot";
            }
            else
            {
                verification = "checksum " + Long.toHexString(snapshotChecksum) +
                    " of the snapshot only (its journal record is not readable)";
            }
        }
        return new Rebuilt(version, text, exists, snapshotVersion, applied, verification,
            lastRecord != null && lastRecord.type() != null ? lastRecord : null);
    }

    private boolean load(final Snapshot s, final Rope text)
    {
        text.clear();
        try
        {
            final RopeAppender appender = new RopeAppender(text);
            shard.snapshots().load(s.ref(), appender);
            appender.finish();
        }
        catch (final SnapshotCorruptedException | UncheckedIOException | IllegalStateException ex)
        {
            shard.warnings().add("snapshot " + s.ref().path() + " unreadable, using an older one: " + ex.getMessage());
            text.clear();
            return false;
        }
        if (text.checksum() != s.meta().checksum())
        {
            shard.warnings().add("snapshot " + s.ref().path() + " does not match its own checksum, using an older one");
            text.clear();
            return false;
        }
        return true;
    }

    /**
     * Collect the records at versions [from, to), walking back from the nearest anchor at or after {@code to - 1}.
     *
     * @param from first version.
     * @param to   one past the last version.
     * @return the records, oldest first.
     * @throws ToolException ({@link ExitCodes#NOT_FOUND}) if the chain is broken or a record unreadable.
     */
    public List<HistoryEntry> collect(final long from, final long to)
    {
        final Map.Entry<Long, Long> anchor = anchors.ceilingEntry(to - 1);
        if (anchor == null)
        {
            throw ToolException.notFound("document " + doc + ": no journal record at or after version " + (to - 1));
        }
        final Map.Entry<Long, Long> below = anchors.lowerEntry(from);
        final long lowerLsn = below == null ? 1 : below.getValue() + 1;
        final long versions = anchor.getKey() - from + 1;
        if (anchor.getValue() - lowerLsn + 1 <= versions * recordsPerSeek)
        {
            final List<HistoryEntry> chain = chainInRange(lowerLsn, anchor.getValue(), anchor.getKey(), from, to);
            if (chain != null)
            {
                return chain;
            }
        }
        final List<HistoryEntry> out = new ArrayList<>();
        if (!history.collect(anchor.getValue(), anchor.getKey(), from, to, Long.MAX_VALUE, out))
        {
            throw ToolException.notFound("document " + doc + ": cannot read its history back from version " +
                anchor.getKey() + " (lsn " + anchor.getValue() + "): " + history.problem() + warningsSuffix());
        }
        return out;
    }

    /**
     * Follow the prevLsn chain from the anchor back to version {@code from} through the document's records of an
     * LSN range read in one pass.
     *
     * @return the records at versions [from, to), oldest first, or null if the chain leaves the range or breaks.
     */
    private List<HistoryEntry> chainInRange(
        final long lowerLsn, final long anchorLsn, final long anchorVersion, final long from, final long to)
    {
        final Map<Long, HistoryEntry> range = shard.scan(doc, lowerLsn, anchorLsn);
        final ArrayList<HistoryEntry> reversed = new ArrayList<>();
        long lsn = anchorLsn;
        for (long version = anchorVersion; version >= from; version--)
        {
            final HistoryEntry e = range.get(lsn);
            if (e == null || e.version() != version)
            {
                return null;
            }
            if (version < to)
            {
                reversed.add(e);
            }
            lsn = e.prevLsn();
        }
        final List<HistoryEntry> out = new ArrayList<>(reversed.size());
        for (int i = reversed.size() - 1; i >= 0; i--)
        {
            out.add(reversed.get(i));
        }
        return out;
    }

    /**
     * Visit the records at versions [from, to) in order, a segment between two anchors at a time, so memory holds at
     * most one snapshot interval of records.
     *
     * @param from    first version.
     * @param to      one past the last version.
     * @param visitor receives each record (valid only during the call).
     */
    public void forEach(final long from, final long to, final Consumer<HistoryEntry> visitor)
    {
        long start = from;
        while (start < to)
        {
            final Map.Entry<Long, Long> anchor = anchors.ceilingEntry(start);
            final long segmentEnd = anchor == null ? to : Math.min(to, anchor.getKey() + 1);
            for (final HistoryEntry e : collect(start, segmentEnd))
            {
                visitor.accept(e);
            }
            start = segmentEnd;
        }
    }

    /**
     * The document's version at an instant: the number of its records committed at or before it. Binary search over
     * the anchors by their records' timestamps (the engine stamps records from one thread, in order), then one
     * segment read.
     *
     * @param timeNs ns since the Unix epoch.
     * @return the version.
     */
    public long versionAt(final long timeNs)
    {
        final List<Map.Entry<Long, Long>> list = new ArrayList<>(anchors.entrySet());
        final RecordView view = new RecordView();
        int lo = 0;
        int hi = list.size();
        while (lo < hi)
        {
            final int mid = (lo + hi) >>> 1;
            if (!shard.read(list.get(mid).getValue(), view))
            {
                throw ToolException.notFound("document " + doc + ": record lsn " + list.get(mid).getValue() +
                    " unreadable" + warningsSuffix());
            }
            if (view.timestampNs() <= timeNs)
            {
                lo = mid + 1;
            }
            else
            {
                hi = mid;
            }
        }
        if (lo == list.size())
        {
            return list.isEmpty() ? 0 : list.get(lo - 1).getKey() + 1;
        }
        final long segmentStart = lo == 0 ? 0 : list.get(lo - 1).getKey() + 1;
        long version = segmentStart;
        for (final HistoryEntry e : collect(segmentStart, list.get(lo).getKey() + 1))
        {
            if (e.timestampNs() <= timeNs)
            {
                version = e.version() + 1;
            }
        }
        return version;
    }

    private String warningsSuffix()
    {
        return shard.warnings().isEmpty() ? "" : " (" + String.join("; ", shard.warnings()) + ")";
    }
}
