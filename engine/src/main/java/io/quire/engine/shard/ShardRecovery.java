package io.quire.engine.shard;

import io.quire.engine.ot.Rope;
import io.quire.engine.ot.TextUnicode;
import io.quire.journal.JournalReader;
import io.quire.journal.JournalRecordHandler;
import io.quire.journal.snapshot.CorruptSnapshotPolicy;
import io.quire.journal.snapshot.SnapshotMeta;
import io.quire.journal.snapshot.SnapshotRef;
import io.quire.journal.snapshot.SnapshotStore;
import org.agrona.DirectBuffer;

import java.util.IdentityHashMap;
import java.util.Map;
import java.util.Optional;

/**
 * Rebuilds a shard's documents at start: one sequential pass over the journal. The first time a document appears
 * its latest snapshot is loaded (and checked against its checksum); records before the snapshot only refill the
 * history (so resubmissions are still recognised after a restart), records after it are applied, and the text after
 * each applied record must equal the checksum that record carries. Any disagreement stops the start: serving a
 * history that differs from what clients were told is worse than not serving.
 */
public final class ShardRecovery implements JournalRecordHandler
{
    /**
     * What recovery found.
     *
     * @param records       journal records read.
     * @param applied       records applied to document texts (the rest were covered by snapshots).
     * @param documents     documents seen.
     * @param snapshots     snapshots loaded.
     * @param nextLsn       the LSN the next record will get.
     * @param millis        wall time taken.
     * @param lastEpoch     the highest epoch any record carries (0 for an empty journal): a node that becomes primary
     *                      for the shard must take a higher one.
     */
    public record Result(
        long records, long applied, int documents, int snapshots, long nextLsn, long millis, long lastEpoch)
    {
    }

    private static final class State
    {
        long textVersion;
        long nextVersion;
    }

    private final SnapshotStore snapshots;
    private final DocumentStore docs;
    private final JournalRecords decoder = new JournalRecords();
    private final AclRecords aclDecoder = new AclRecords();
    private final EpochRecords epochs = new EpochRecords();
    private final TextUnicode ot = new TextUnicode();
    private final HistoryEntry entry = new HistoryEntry();
    private final Map<Document, State> states = new IdentityHashMap<>();
    private long records;
    private long applied;
    private int snapshotsLoaded;
    private long lastLsn;
    private long lastEpoch;

    private ShardRecovery(final SnapshotStore snapshots, final DocumentStore docs)
    {
        this.snapshots = snapshots;
        this.docs = docs;
    }

    /**
     * Run recovery.
     *
     * @param reader    a reader over the shard's journal (positioned anywhere; rewound here).
     * @param snapshots the shard's snapshots.
     * @param docs      the empty document store to fill.
     * @return what was recovered.
     */
    public static Result recover(final JournalReader reader, final SnapshotStore snapshots, final DocumentStore docs)
    {
        return open(snapshots, docs).replay(reader);
    }

    /**
     * A recovery that can go on after the journal's end: a replica applies the records it receives with the same
     * checks ({@link #onRecord}, then {@link #enforceBounds()} between batches).
     *
     * @param snapshots the shard's snapshots.
     * @param docs      the empty document store to fill.
     * @return the handler, before any record.
     */
    public static ShardRecovery open(final SnapshotStore snapshots, final DocumentStore docs)
    {
        return new ShardRecovery(snapshots, docs);
    }

    /**
     * Replay a whole journal from its start.
     *
     * @param reader a reader over the shard's journal (rewound here).
     * @return what was recovered.
     */
    public Result replay(final JournalReader reader)
    {
        final long start = System.nanoTime();
        reader.toStart();
        while (reader.poll(this, 256) > 0)
        {
            enforceBounds();
        }
        finish();
        return new Result(records, applied, states.size(), snapshotsLoaded, lastLsn + 1,
            (System.nanoTime() - start) / 1_000_000, lastEpoch);
    }

    /** Keep the loaded documents within the store's memory bound (between batches). */
    public void enforceBounds()
    {
        docs.enforceBounds(Long.MAX_VALUE, null);
    }

    /** @return the LSN of the last record applied (0 if none). */
    public long lastLsn()
    {
        return lastLsn;
    }

    /** @return the newest epoch applied. */
    public long lastEpoch()
    {
        return lastEpoch;
    }

    @Override
    public void onRecord(
        final long lsn, final DirectBuffer buffer, final int offset, final int length, final long index,
        final int position)
    {
        records++;
        lastLsn = lsn;
        final long epoch = epochs.epochOf(buffer, offset);
        if (epoch >= 0 && epoch < lastEpoch)
        {
            throw new IllegalStateException("recovery: record lsn " + lsn + " has epoch " + epoch +
                ", older than epoch " + lastEpoch + " journaled before it (a fenced primary's record?)");
        }
        lastEpoch = Math.max(lastEpoch, epoch);
        if (aclDecoder.isAclRecord(buffer, offset))
        {
            final io.quire.codec.journal.AclRecordDecoder acl = aclDecoder.decode(buffer, offset);
            final Document doc = documentFor(acl.docHash(), buffer, aclDecoder.collectionOffset(),
                aclDecoder.collectionLength(), aclDecoder.docIdOffset(), aclDecoder.docIdLength());
            doc.acl.set(aclDecoder.user(), (byte)acl.roleRaw());
            return;
        }
        if (!decoder.isOpRecord(buffer, offset))
        {
            return;
        }
        final long hash = decoder.wrap(buffer, offset).docHash();
        decoder.decode(buffer, offset, lsn, entry);
        final Document doc = documentFor(hash, buffer, decoder.lastCollectionOffset(), decoder.lastCollectionLength(),
            decoder.lastDocIdOffset(), decoder.lastDocIdLength());
        final State state = states.get(doc);
        if (!doc.loaded)
        {
            // Unloaded earlier in this pass to respect the memory bound: reload at its current version.
            docs.load(doc);
            state.textVersion = doc.version;
        }
        if (entry.version != state.nextVersion)
        {
            throw new IllegalStateException("recovery: " + doc + " record lsn " + lsn + " has version " +
                entry.version + ", expected " + state.nextVersion + " (journal damaged or records missing)");
        }
        state.nextVersion++;

        doc.version = entry.version + 1;
        doc.lastLsn = lsn;
        doc.lastTimestampNs = entry.timestampNs;
        if (entry.kind == HistoryEntry.CREATE)
        {
            doc.exists = true;
            doc.createVersion = entry.version;
            doc.createSeq = entry.seq;
            doc.createSource = java.util.Arrays.copyOf(entry.source, entry.sourceLength);
            if (entry.principalLength > 0 && doc.acl.isEmpty())
            {
                doc.acl.set(java.util.Arrays.copyOf(entry.principal, entry.principalLength), DocumentAcl.OWNER);
            }
        }
        else if (entry.kind == HistoryEntry.DELETE)
        {
            doc.exists = false;
            doc.createVersion = -1;
            doc.createSeq = 0;
            doc.createSource = new byte[0];
        }
        final HistoryEntry slot = doc.history.append(entry.version, Long.MAX_VALUE);
        JournalHistory.copy(entry, slot);
        slot.ringSequence = -1;

        if (entry.version >= state.textVersion)
        {
            SnapshotPersistence.applyRecord(ot, doc.text, entry);
            state.textVersion++;
            applied++;
            final long actual = entry.kind == HistoryEntry.DELETE ? 0 : doc.text.checksum();
            if (actual != entry.checksum)
            {
                throw new IllegalStateException("recovery: " + doc + " text after version " + entry.version +
                    " (lsn " + lsn + ") has checksum " + Long.toHexString(actual) + ", the journal says " +
                    Long.toHexString(entry.checksum));
            }
            doc.opsSinceSnapshot++;
            doc.journalBytesSinceSnapshot += length;
        }
        docs.accountChange(doc);
    }

    /** The document a record is about: its shell, made (and started from its snapshot) the first time. */
    private Document documentFor(
        final long hash, final DirectBuffer buffer, final int collectionOffset, final int collectionLength,
        final int docIdOffset, final int docIdLength)
    {
        Document doc = docs.find(hash, buffer, collectionOffset, collectionLength, buffer, docIdOffset, docIdLength);
        if (doc == null)
        {
            final byte[] collection = new byte[collectionLength];
            buffer.getBytes(collectionOffset, collection);
            final byte[] docId = new byte[docIdLength];
            buffer.getBytes(docIdOffset, docId);
            doc = new Document(hash, collection, docId);
            docs.add(doc);
            final State state = new State();
            states.put(doc, state);
            startDocument(doc, state);
        }
        return doc;
    }

    private void startDocument(final Document doc, final State state)
    {
        final Rope text = new Rope();
        doc.history = new History(16, docs.historyMaxOps());
        final Optional<SnapshotRef> ref = snapshots.latest(
            doc.hash, doc.collectionString, doc.docIdString, CorruptSnapshotPolicy.SKIP);
        if (ref.isPresent())
        {
            final RopeAppender appender = new RopeAppender(text);
            final SnapshotMeta meta = snapshots.load(ref.get(), appender);
            appender.finish();
            if (text.checksum() != meta.checksum())
            {
                throw new IllegalStateException("recovery: snapshot " + ref.get().path() + " of " + doc +
                    " does not match its checksum");
            }
            state.textVersion = meta.version();
            doc.snapshotVersion = meta.version();
            // Folding every AclRecord of the journal over the snapshot's ACL gives the latest roles: each user ends
            // with the role of its last record, or the snapshot's if it has none (the journal may have lost a prefix).
            doc.acl.fromSnapshot(meta.acl());
            snapshotsLoaded++;
        }
        doc.text = text;
        docs.install(doc);
    }

    private void finish()
    {
        for (final Map.Entry<Document, State> e : states.entrySet())
        {
            final Document doc = e.getKey();
            if (e.getValue().textVersion > doc.version)
            {
                throw new IllegalStateException("recovery: the snapshot of " + doc + " is at version " +
                    e.getValue().textVersion + ", beyond the journal's last version " + doc.version +
                    " (journal truncated?)");
            }
        }
    }
}
