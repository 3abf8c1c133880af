package io.quire.engine.shard;

import io.quire.codec.CodecConstants;
import io.quire.codec.RejectReasons;
import io.quire.codec.Utf8;
import io.quire.codec.Utf8Exception;
import io.quire.codec.protocol.AclAction;
import io.quire.codec.protocol.AclRequestDecoder;
import io.quire.codec.protocol.AclRole;
import io.quire.codec.protocol.FetchSnapshotAtDecoder;
import io.quire.codec.protocol.HistoryRequestDecoder;
import io.quire.codec.protocol.MessageHeaderDecoder;
import io.quire.codec.protocol.OpKind;
import io.quire.codec.protocol.PresenceRequestDecoder;
import io.quire.codec.protocol.PresenceShape;
import io.quire.codec.protocol.PresenceSubscribeDecoder;
import io.quire.codec.protocol.PresenceUnsubscribeDecoder;
import io.quire.codec.protocol.PresenceUpdateDecoder;
import io.quire.codec.protocol.RejectReason;
import io.quire.codec.protocol.RequestKind;
import io.quire.codec.protocol.SnapshotAtMode;
import io.quire.codec.protocol.SubmitOpDecoder;
import io.quire.codec.protocol.SubscribeDecoder;
import io.quire.codec.protocol.SubscribeMode;
import io.quire.codec.protocol.UnsubscribeDecoder;
import io.quire.engine.ot.InvalidOpException;
import io.quire.engine.ot.Rope;
import io.quire.engine.ot.TextOp;
import io.quire.engine.ot.TextUnicode;
import io.quire.engine.ring.CommandEvent;
import org.agrona.DirectBuffer;
import org.agrona.concurrent.EpochNanoClock;
import org.agrona.concurrent.UnsafeBuffer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.function.LongSupplier;

/**
 * Stage 1 of a shard ring: validates, de-duplicates, transforms, applies and versions each submitted op, and answers
 * reads and subscriptions, exactly as ShareDB's server would (see {@code shared/protocol/sharedb-wire-protocol.md}
 * §5–7). It leaves the journal record and every outbound message in the slot; it never does I/O on the hot path.
 * <p>
 * Semantics worth knowing:
 * <ul>
 *   <li>An op at base version v is transformed against the committed ops v..current-1 with side {@code left}.</li>
 *   <li>A resubmitted op (same source and seq found among those ops) is not applied again: the submitter gets the
 *       ops it missed and then an ack with the original version.</li>
 *   <li>Committed create/delete make later ops fail as ShareDB does (ERR_DOC_WAS_DELETED, ERR_DOC_ALREADY_CREATED).</li>
 *   <li>Every request gets exactly one reply (an ack, a reject, a snapshot, or catch-up ops and a done).</li>
 *   <li>Nothing is changed by an op that is rejected: ops are checked against the document before it is touched.</li>
 * </ul>
 */
public final class ShardSequencer
{
    /** Most entries one HistoryRequest is answered with, whatever it asks for. */
    public static final int MAX_HISTORY_ENTRIES = 1000;

    private static final Logger LOG = LoggerFactory.getLogger(ShardSequencer.class);
    private static final byte[] EMPTY = new byte[0];

    private final SequencerConfig config;
    private final DocumentStore docs;
    private final PresenceChannels channels = new PresenceChannels();
    private final DocumentPersistence persistence;
    private final JournalHistory journalHistory;
    private final LongSupplier journaledSequence;
    private final LongSupplier epoch;
    private final EpochNanoClock clock;
    private final ShardCounters counters;
    private final TextUnicode ot = new TextUnicode();
    private final JournalRecords journalRecords = new JournalRecords();
    private final EgressEncoder egress;
    private final AccessControl access;
    private final AclRecords aclRecords = new AclRecords();
    private final AclRequestDecoder aclRequest = new AclRequestDecoder();

    private final MessageHeaderDecoder header = new MessageHeaderDecoder();
    private final SubmitOpDecoder submit = new SubmitOpDecoder();
    private final SubscribeDecoder subscribe = new SubscribeDecoder();
    private final UnsubscribeDecoder unsubscribe = new UnsubscribeDecoder();
    private final FetchSnapshotAtDecoder fetchAt = new FetchSnapshotAtDecoder();
    private final HistoryRequestDecoder historyRequest = new HistoryRequestDecoder();
    private final PresenceUpdateDecoder presenceUpdate = new PresenceUpdateDecoder();
    private final PresenceSubscribeDecoder presenceSubscribe = new PresenceSubscribeDecoder();
    private final PresenceUnsubscribeDecoder presenceUnsubscribe = new PresenceUnsubscribeDecoder();
    private final PresenceRequestDecoder presenceRequest = new PresenceRequestDecoder();
    private final PresenceView presence = new PresenceView();
    private final UnsafeBuffer emptyBuffer = new UnsafeBuffer(EMPTY);

    private final TextOp incoming = new TextOp(8, 64);
    private final TextOp working = new TextOp(8, 64);
    private final TextOp scratch = new TextOp(8, 64);
    private final HistoryEntry createDataHolder = new HistoryEntry();
    private final List<HistoryEntry> fallback = new ArrayList<>();
    private final ArrayDeque<Document> dueSnapshots = new ArrayDeque<>();
    private final StringBuilder message = new StringBuilder(128);
    // Commit time of the current ring batch (see beginBatch): wall clock and System.nanoTime().
    private boolean inBatch;
    private boolean batchClockRead;
    private long batchEpochNanos;
    private long batchNanos;

    private long nextLsn;
    private long fallbackFrom;
    private String historyProblem;

    // Fields of the message being handled, decoded once.
    private CommandEvent event;
    private long sequence;
    private DirectBuffer in;
    private long sessionId;
    private long requestId;
    private int edgeId;
    private long docHash;
    private int collectionOffset;
    private int collectionLength;
    private int docIdOffset;
    private int docIdLength;
    private int sourceOffset;
    private int sourceLength;
    private int principalOffset;
    private int principalLength;
    private int createTypeOffset;
    private int createTypeLength;
    private int createDataOffset;
    private int createDataLength;

    /**
     * @param config            limits and intervals.
     * @param docs              the shard's documents.
     * @param persistence       snapshots (for unloads and periodic snapshots).
     * @param records           journal lookups for history older than memory holds.
     * @param nextLsn           the LSN the next journal record gets (from recovery).
     * @param journaledSequence the ring sequence the journal stage has passed.
     * @param epoch             the current epoch (journaled with every record).
     * @param clock             wall clock for record timestamps.
     * @param counters          the shard's counters.
     */
    public ShardSequencer(
        final SequencerConfig config,
        final DocumentStore docs,
        final DocumentPersistence persistence,
        final RecordLookup records,
        final long nextLsn,
        final LongSupplier journaledSequence,
        final LongSupplier epoch,
        final EpochNanoClock clock,
        final ShardCounters counters)
    {
        this.config = config;
        this.docs = docs;
        this.persistence = persistence;
        this.journalHistory = new JournalHistory(records);
        this.nextLsn = nextLsn;
        this.journaledSequence = journaledSequence;
        this.epoch = epoch;
        this.clock = clock;
        this.counters = counters;
        this.egress = new EgressEncoder(config.snapshotChunkBytes());
        this.access = new AccessControl(config.aclEnforced());
    }

    /** @return the LSN the next record will get. */
    public long nextLsn()
    {
        return nextLsn;
    }

    /**
     * Before the ring starts only: records were appended to the journal outside the ring (an {@code EpochRecord}
     * when the node became primary); the next op record gets the LSN after them.
     *
     * @param nextLsn the journal's next LSN.
     */
    public void journaledOutsideRing(final long nextLsn)
    {
        if (nextLsn < this.nextLsn)
        {
            throw new IllegalStateException("next LSN " + nextLsn + " is behind the sequencer's " + this.nextLsn);
        }
        this.nextLsn = nextLsn;
    }

    /** @return the shard's documents. */
    public DocumentStore documents()
    {
        return docs;
    }

    /**
     * A ring batch begins: the ops committed until {@link #endBatch()} share one commit time (journal timestamp and
     * sequenced stamp), read when the first of them commits. Outside a batch every commit reads the clocks.
     */
    public void beginBatch()
    {
        inBatch = true;
        batchClockRead = false;
    }

    /** The ring batch is over (its journal batch is committed or about to be). */
    public void endBatch()
    {
        inBatch = false;
    }

    /**
     * Handle one slot.
     *
     * @param event    the slot.
     * @param sequence its ring sequence.
     */
    public void onEvent(final CommandEvent event, final long sequence)
    {
        this.event = event;
        this.sequence = sequence;
        event.resetOutcome();
        egress.outbound.wrap(event);
        runDueSnapshots();
        try
        {
            if (event.control() != CommandEvent.CONTROL_NONE)
            {
                onControl(event);
                return;
            }
            in = event.in();
            header.wrap(in, 0);
            switch (event.templateId())
            {
                case SubmitOpDecoder.TEMPLATE_ID:
                    onSubmit();
                    break;
                case SubscribeDecoder.TEMPLATE_ID:
                    onSubscribe();
                    break;
                case UnsubscribeDecoder.TEMPLATE_ID:
                    onUnsubscribe();
                    break;
                case FetchSnapshotAtDecoder.TEMPLATE_ID:
                    onFetchAt();
                    break;
                case HistoryRequestDecoder.TEMPLATE_ID:
                    onHistory();
                    break;
                case PresenceUpdateDecoder.TEMPLATE_ID:
                    onPresenceUpdate();
                    break;
                case PresenceSubscribeDecoder.TEMPLATE_ID:
                    onPresenceSubscribe(true);
                    break;
                case PresenceUnsubscribeDecoder.TEMPLATE_ID:
                    onPresenceSubscribe(false);
                    break;
                case PresenceRequestDecoder.TEMPLATE_ID:
                    onPresenceRequest();
                    break;
                case AclRequestDecoder.TEMPLATE_ID:
                    onAclRequest();
                    break;
                default:
                    counters.ignored();
                    break;
            }
        }
        catch (final RuntimeException ex)
        {
            // A bug must cost one request, never the shard thread. State is not half-changed: every mutation comes
            // after the checks that can fail.
            LOG.error("shard {}: internal error handling template {} at sequence {}",
                config.shardId(), event.templateId(), sequence, ex);
            counters.internalError();
            event.resetOutcome();
            egress.outbound.wrap(event);
            rejectAfterInternalError(ex);
        }
        finally
        {
            final long journaled = journaledSequence.getAsLong();
            docs.enforceBounds(journaled, null);
        }
    }

    // ------------------------------------------------------------------------------------------------------------
    // Submit

    private void onSubmit()
    {
        submit.wrap(in, MessageHeaderDecoder.ENCODED_LENGTH, header.blockLength(), header.version());
        sessionId = submit.sessionId();
        requestId = submit.requestId();
        edgeId = (int)submit.edgeId();
        docHash = submit.docHash();
        long base = submit.baseVersion();
        final long seq = submit.seq();
        final OpKind kind = submit.opKind();
        counters.opIn();

        incoming.clear();
        String decodeProblem = null;
        for (final SubmitOpDecoder.ComponentsDecoder c : submit.components())
        {
            final int length = (int)Math.min(Integer.MAX_VALUE, c.length());
            final int textLength = c.textLength();
            final int textOffset = submit.limit() + SubmitOpDecoder.ComponentsDecoder.textHeaderLength();
            if (decodeProblem == null)
            {
                decodeProblem = addComponent(c.kind(), length, textOffset, textLength);
            }
            c.skipText();
        }
        collectionOffset = submit.limit() + SubmitOpDecoder.collectionHeaderLength();
        collectionLength = submit.collectionLength();
        submit.skipCollection();
        docIdOffset = submit.limit() + SubmitOpDecoder.docIdHeaderLength();
        docIdLength = submit.docIdLength();
        submit.skipDocId();
        sourceOffset = submit.limit() + SubmitOpDecoder.sourceHeaderLength();
        sourceLength = submit.sourceLength();
        submit.skipSource();
        principalOffset = submit.limit() + SubmitOpDecoder.principalHeaderLength();
        principalLength = submit.principalLength();
        submit.skipPrincipal();
        createTypeOffset = submit.limit() + SubmitOpDecoder.createTypeHeaderLength();
        createTypeLength = submit.createTypeLength();
        submit.skipCreateType();
        createDataOffset = submit.limit() + SubmitOpDecoder.createDataHeaderLength();
        createDataLength = submit.createDataLength();
        submit.skipCreateData();

        if (decodeProblem != null)
        {
            rejectOp(base, -1, seq, kind, RejectReason.OP_BADLY_FORMED, decodeProblem);
            return;
        }

        final Document doc = docs.findOrCreate(
            docHash, in, collectionOffset, collectionLength, in, docIdOffset, docIdLength);
        if (!mayWrite(doc, kind))
        {
            rejectOp(base, doc.version, seq, kind, RejectReason.FORBIDDEN, kind == OpKind.EDIT ?
                "Not allowed to edit this document" : "Only an owner may create or delete this document");
            return;
        }
        docs.load(doc);

        switch (kind)
        {
            case CREATE:
                submitCreate(doc, base, seq);
                break;
            case DELETE:
                if (base == CodecConstants.NULL_VERSION)
                {
                    base = doc.version;
                }
                if (checkBase(doc, base, seq, kind) && walk(doc, base, seq, kind))
                {
                    commit(doc, HistoryEntry.DELETE, seq, null, base);
                }
                break;
            default:
                submitEdit(doc, base, seq);
                break;
        }
    }

    private String addComponent(
        final io.quire.codec.protocol.ComponentKind kind, final int length, final int textOffset, final int textLength)
    {
        switch (kind)
        {
            case RETAIN:
                if (textLength != 0)
                {
                    return "a retain component carries text";
                }
                incoming.addSkip(length);
                return null;
            case INSERT:
                return addText(TextOp.INSERT, length, textOffset, textLength);
            case DELETE:
                if (textLength == 0)
                {
                    incoming.addDelete(length);
                    return null;
                }
                return addText(TextOp.DELETE, length, textOffset, textLength);
            default:
                return "unknown component kind";
        }
    }

    private String addText(final byte kind, final int length, final int textOffset, final int textLength)
    {
        final int start = incoming.beginRawText(textLength);
        final int chars;
        try
        {
            chars = Utf8.decode(in, textOffset, textLength, incoming.textBuffer(), start);
        }
        catch (final Utf8Exception ex)
        {
            return "text is not well-formed UTF-8: " + ex.getMessage();
        }
        final int codePoints = Character.codePointCount(incoming.textBuffer(), start, chars);
        if (codePoints != length)
        {
            return "component length " + length + " does not match its text's " + codePoints + " code points";
        }
        incoming.endRawText(kind, start, chars, codePoints);
        return null;
    }

    private void submitCreate(final Document doc, long base, final long seq)
    {
        if (!isTextUnicode(createTypeOffset, createTypeLength))
        {
            rejectOp(base, doc.version, seq, OpKind.CREATE, RejectReason.TYPE_NOT_RECOGNIZED, "Unknown type");
            return;
        }
        if (base == CodecConstants.NULL_VERSION)
        {
            if (doc.exists)
            {
                if (doc.createVersion >= 0 && seq == doc.createSeq &&
                    Document.equalBytes(doc.createSource, in, sourceOffset, sourceLength) && sourceLength > 0)
                {
                    duplicate(doc, doc.createVersion, doc.createVersion, seq);
                }
                else
                {
                    rejectOp(base, doc.version, seq, OpKind.CREATE, RejectReason.DOC_ALREADY_CREATED,
                        "Invalid op submitted. Document already created");
                }
                return;
            }
            base = doc.version;
        }
        if (!checkBase(doc, base, seq, OpKind.CREATE) || !walk(doc, base, seq, OpKind.CREATE))
        {
            return;
        }
        if (doc.exists)
        {
            rejectOp(base, doc.version, seq, OpKind.CREATE, RejectReason.DOC_ALREADY_CREATED, "Document already exists");
            return;
        }
        final TextOp data = createDataHolder.op;
        data.clear();
        if (createDataLength > 0)
        {
            final int start = data.beginRawText(createDataLength);
            final int chars;
            try
            {
                chars = Utf8.decode(in, createDataOffset, createDataLength, data.textBuffer(), start);
            }
            catch (final Utf8Exception ex)
            {
                rejectOp(base, doc.version, seq, OpKind.CREATE, RejectReason.OP_BADLY_FORMED,
                    "create data is not well-formed UTF-8: " + ex.getMessage());
                return;
            }
            final int codePoints = Character.codePointCount(data.textBuffer(), start, chars);
            if (codePoints > config.maxDocumentCodePoints())
            {
                rejectOp(base, doc.version, seq, OpKind.CREATE, RejectReason.DOC_TOO_LARGE,
                    "create data of " + codePoints + " code points exceeds the document limit of " +
                    config.maxDocumentCodePoints());
                return;
            }
            data.endRawText(TextOp.INSERT, start, chars, codePoints);
        }
        commit(doc, HistoryEntry.CREATE, seq, data, base);
    }

    private void submitEdit(final Document doc, long base, final long seq)
    {
        if (base == CodecConstants.NULL_VERSION)
        {
            base = doc.version;
        }
        if (!checkBase(doc, base, seq, OpKind.EDIT))
        {
            return;
        }
        try
        {
            ot.validate(incoming);
        }
        catch (final InvalidOpException ex)
        {
            rejectOp(base, doc.version, seq, OpKind.EDIT, RejectReason.OP_BADLY_FORMED, ex.getMessage());
            return;
        }
        ot.normalize(incoming, working);
        if (!walk(doc, base, seq, OpKind.EDIT))
        {
            return;
        }
        if (!doc.exists)
        {
            rejectOp(base, doc.version, seq, OpKind.EDIT, RejectReason.DOC_DOES_NOT_EXIST, "Document does not exist");
            return;
        }
        final Rope text = doc.text;
        try
        {
            ot.checkApplicable(working, text.length());
        }
        catch (final InvalidOpException ex)
        {
            rejectOp(base, doc.version, seq, OpKind.EDIT, RejectReason.OP_NOT_APPLIED, ex.getMessage());
            return;
        }
        final long newLength = lengthAfter(working, text.length());
        if (newLength > config.maxDocumentCodePoints())
        {
            rejectOp(base, doc.version, seq, OpKind.EDIT, RejectReason.DOC_TOO_LARGE,
                "the document would grow to " + newLength + " code points, beyond the limit of " +
                config.maxDocumentCodePoints());
            return;
        }
        ot.applyChecked(working, text);
        commit(doc, HistoryEntry.EDIT, seq, working, base);
    }

    private static long lengthAfter(final TextOp op, final int length)
    {
        long result = length;
        for (int i = 0, n = op.size(); i < n; i++)
        {
            if (op.kind(i) == TextOp.INSERT)
            {
                result += op.length(i);
            }
            else if (op.kind(i) == TextOp.DELETE)
            {
                result -= op.length(i);
            }
        }
        return result;
    }

    private boolean checkBase(final Document doc, final long base, final long seq, final OpKind kind)
    {
        if (base > doc.version || base < 0)
        {
            rejectOp(base, doc.version, seq, kind, RejectReason.VERSION_NEWER_THAN_CURRENT,
                base < 0 ? "Invalid op submitted. Negative version" :
                "Invalid op submitted. Op version newer than current snapshot");
            return false;
        }
        return true;
    }

    /**
     * Walk the committed ops since {@code base}: find a duplicate, apply ShareDB's create/delete rules, and (for
     * edits) transform {@link #working} against each with side left.
     *
     * @return true to go on and apply; false if a reply (duplicate ack or reject) has been produced.
     */
    private boolean walk(final Document doc, final long base, final long seq, final OpKind kind)
    {
        if (base == doc.version)
        {
            return true;
        }
        if (!resolveRange(doc, base, doc.version))
        {
            rejectOp(base, doc.version, seq, kind, RejectReason.HISTORY_GONE,
                "Op submit failed. The ops needed to transform it up to the current version are gone: " + historyProblem);
            return false;
        }
        for (long v = base; v < doc.version; v++)
        {
            final HistoryEntry committed = entryAt(doc, v);
            // A resubmission is the same source, seq AND author: without the author check one user could replay
            // another's (source, seq) first and have the real op acknowledged as a duplicate, i.e. dropped.
            if (sourceLength > 0 && committed.seq == seq &&
                committed.sourceEquals(in, sourceOffset, sourceLength) &&
                committed.principalEquals(in, principalOffset, principalLength))
            {
                duplicate(doc, v, base, seq);
                return false;
            }
            if (committed.kind == HistoryEntry.DELETE)
            {
                if (kind != OpKind.DELETE)
                {
                    rejectOp(base, doc.version, seq, kind, RejectReason.DOC_WAS_DELETED, "Document was deleted");
                    return false;
                }
            }
            else if (committed.kind == HistoryEntry.CREATE || kind == OpKind.CREATE)
            {
                rejectOp(base, doc.version, seq, kind, RejectReason.DOC_ALREADY_CREATED, "Document was created remotely");
                return false;
            }
            else if (kind == OpKind.EDIT)
            {
                ot.transform(working, committed.op, TextUnicode.Side.LEFT, scratch);
                working.copyFrom(scratch);
            }
        }
        return true;
    }

    /** The submitter's op was already committed at {@code version}: send what it missed, then ack again. */
    private void duplicate(final Document doc, final long version, final long base, final long seq)
    {
        counters.duplicate();
        if (base < version && resolveRange(doc, base, version))
        {
            for (long v = base; v < version; v++)
            {
                egress.opBroadcast(null, edgeId, sessionId, 0, 0, 0, doc, entryAt(doc, v));
            }
        }
        egress.opAck(edgeId, sessionId, requestId, doc, version, seq, in, sourceOffset, sourceLength);
        event.setResult(CommandEvent.RESULT_DUPLICATE, (byte)0);
    }

    private void commit(final Document doc, final byte kind, final long seq, final TextOp op, final long base)
    {
        final long version = doc.version;
        // As ShareDB does: before the ack, the submitter gets every op its submission was transformed against, so it
        // can bring its own copy up to the ack's version (already resolved by walk(); sent before the history entry
        // below may recycle the oldest one).
        for (long v = base; v < version; v++)
        {
            egress.opBroadcast(null, edgeId, sessionId, 0, 0, 0, doc, entryAt(doc, v));
        }
        final long lsn = nextLsn++;
        final HistoryEntry entry = doc.history.append(version, journaledSequence.getAsLong());
        entry.version = version;
        entry.kind = kind;
        if (op == null)
        {
            entry.op.clear();
        }
        else
        {
            entry.op.copyFrom(op);
        }
        entry.setSource(in, sourceOffset, sourceLength);
        entry.setPrincipal(in, principalOffset, principalLength);
        entry.seq = seq;
        entry.lsn = lsn;
        entry.prevLsn = doc.lastLsn;
        if (!inBatch || !batchClockRead)
        {
            // One pair of clock reads per ring batch (per op outside one): the batch's ops share a commit time,
            // as a group commit does, read when its first op commits.
            batchEpochNanos = clock.nanoTime();
            batchNanos = System.nanoTime();
            batchClockRead = inBatch;
        }
        entry.timestampNs = batchEpochNanos;
        entry.ringSequence = sequence;

        if (kind == HistoryEntry.CREATE)
        {
            doc.text.clear();
            if (op.size() > 0)
            {
                doc.text.insert(0, op.textBuffer(), op.textStart(0), op.textLength(0));
            }
            doc.exists = true;
            doc.createVersion = version;
            doc.createSeq = seq;
            doc.createSource = copyBytes(in, sourceOffset, sourceLength);
            if (principalLength > 0 && doc.acl.isEmpty())
            {
                // The creator of an unclaimed document owns it; the CREATE record is the grant (quire-journal.xml).
                doc.acl.set(copyBytes(in, principalOffset, principalLength), DocumentAcl.OWNER);
            }
        }
        else if (kind == HistoryEntry.DELETE)
        {
            doc.text.clear();
            doc.exists = false;
            doc.createVersion = -1;
            doc.createSeq = 0;
            doc.createSource = EMPTY;
        }
        doc.version = version + 1;
        doc.lastLsn = lsn;
        doc.lastRingSequence = sequence;
        doc.lastTimestampNs = entry.timestampNs;
        final long checksum = doc.exists ? doc.text.checksum() : 0;
        entry.checksum = checksum;

        final long sequencedNanos = batchNanos;
        event.sequenced(sequencedNanos);
        final int recordLength = journalRecords.encode(
            event.journalBuffer(), config.shardId(), epoch.getAsLong(), doc, entry, checksum, doc.text.length(),
            Math.max(0, sequencedNanos - event.receivedNanos()));
        event.setJournal(lsn, recordLength);
        doc.journalBytesSinceSnapshot += recordLength;

        final SubscriberSet subscribers = doc.subscribers;
        if (subscribers.size() > 0)
        {
            egress.opBroadcast(subscribers, 0, 0, edgeId, sessionId, requestId, doc, entry);
        }
        if (!subscribers.contains(edgeId))
        {
            egress.opAck(edgeId, sessionId, requestId, doc, version, seq, in, sourceOffset, sourceLength);
        }
        event.setResult(CommandEvent.RESULT_COMMITTED, (byte)0);
        counters.committed();

        docs.accountChange(doc);
        // Every N ops, and (with a journal ratio) not before the ops since the last snapshot took that many times the
        // document's length in the journal: a large document's snapshots stay a fraction of its journal's bytes.
        if (config.snapshotIntervalOps() > 0 && ++doc.opsSinceSnapshot >= config.snapshotIntervalOps() &&
            !doc.snapshotDue &&
            doc.journalBytesSinceSnapshot >= (long)config.snapshotJournalRatio() * doc.text.length())
        {
            doc.snapshotDue = true;
            dueSnapshots.add(doc);
        }
    }

    private static byte[] copyBytes(final DirectBuffer buffer, final int offset, final int length)
    {
        if (length == 0)
        {
            return EMPTY;
        }
        final byte[] bytes = new byte[length];
        buffer.getBytes(offset, bytes);
        return bytes;
    }

    private boolean isTextUnicode(final int offset, final int length)
    {
        return matches(CodecConstants.TEXT_UNICODE_NAME, offset, length) ||
            matches(CodecConstants.TEXT_UNICODE_URI, offset, length);
    }

    private boolean matches(final String ascii, final int offset, final int length)
    {
        if (ascii.length() != length)
        {
            return false;
        }
        for (int i = 0; i < length; i++)
        {
            if (in.getByte(offset + i) != (byte)ascii.charAt(i))
            {
                return false;
            }
        }
        return true;
    }

    private void rejectOp(
        final long base, final long current, final long seq, final OpKind kind, final RejectReason reason,
        final String text)
    {
        counters.rejected(reason);
        egress.opReject(edgeId, sessionId, requestId, docHash, base, current, seq, kind, reason,
            in, collectionOffset, collectionLength, in, docIdOffset, docIdLength, in, sourceOffset, sourceLength, text);
        event.setResult(CommandEvent.RESULT_REJECTED, (byte)reason.value());
    }

    // ------------------------------------------------------------------------------------------------------------
    // History beyond memory

    /**
     * Make the ops [from, to) of a document available through {@link #entryAt}: from memory, or, for versions older
     * than memory holds, from the journal by walking the records' prevLsn chain.
     */
    private boolean resolveRange(final Document doc, final long from, final long to)
    {
        final History history = doc.history;
        final long memoryStart = history.size() > 0 ? history.firstVersion() : doc.version;
        fallback.clear();
        fallbackFrom = from;
        if (from >= memoryStart)
        {
            return true;
        }
        final long anchorLsn = history.size() > 0 ? history.oldest().prevLsn : doc.lastLsn;
        if (!journalHistory.collect(anchorLsn, memoryStart - 1, from, Math.min(to, memoryStart),
            config.maxCatchUpOps(), fallback))
        {
            historyProblem = journalHistory.problem();
            return false;
        }
        return true;
    }

    private HistoryEntry entryAt(final Document doc, final long version)
    {
        final long index = version - fallbackFrom;
        if (index >= 0 && index < fallback.size())
        {
            return fallback.get((int)index);
        }
        return doc.history.get(version);
    }

    // ------------------------------------------------------------------------------------------------------------
    // Reads and subscriptions

    private void onSubscribe()
    {
        subscribe.wrap(in, MessageHeaderDecoder.ENCODED_LENGTH, header.blockLength(), header.version());
        sessionId = subscribe.sessionId();
        requestId = subscribe.requestId();
        edgeId = (int)subscribe.edgeId();
        docHash = subscribe.docHash();
        final long from = subscribe.fromVersion();
        final boolean live = subscribe.mode() == SubscribeMode.SUBSCRIBE;
        final RequestKind kind = live ? RequestKind.SUBSCRIBE : RequestKind.FETCH;
        collectionOffset = subscribe.limit() + SubscribeDecoder.collectionHeaderLength();
        collectionLength = subscribe.collectionLength();
        subscribe.skipCollection();
        docIdOffset = subscribe.limit() + SubscribeDecoder.docIdHeaderLength();
        docIdLength = subscribe.docIdLength();
        subscribe.skipDocId();
        principalOffset = subscribe.limit() + SubscribeDecoder.principalHeaderLength();
        principalLength = subscribe.principalLength();
        subscribe.skipPrincipal();
        sourceLength = 0;
        counters.read();

        final Document doc = docs.findOrCreate(docHash, in, collectionOffset, collectionLength, in, docIdOffset, docIdLength);
        if (!access.mayRead(doc, in, principalOffset, principalLength))
        {
            requestReject(kind, RejectReason.FORBIDDEN, "Not allowed to read this document");
            return;
        }
        if (from == CodecConstants.NULL_VERSION)
        {
            docs.load(doc);
            if (live)
            {
                doc.subscribers.add(edgeId);
            }
            egress.docSnapshot(edgeId, sessionId, requestId, doc, doc.version, doc.exists, doc.text, kind);
            event.setResult(CommandEvent.RESULT_REPLIED, (byte)0);
            return;
        }
        if (from < doc.version)
        {
            docs.load(doc);
            if (!resolveRange(doc, from, doc.version))
            {
                requestReject(kind, RejectReason.HISTORY_GONE,
                    "The ops from version " + from + " are no longer available (" + historyProblem +
                    "); fetch the document again");
                return;
            }
            for (long v = from; v < doc.version; v++)
            {
                egress.opBroadcast(null, edgeId, sessionId, 0, 0, 0, doc, entryAt(doc, v));
            }
        }
        if (live)
        {
            doc.subscribers.add(edgeId);
        }
        egress.requestDone(edgeId, sessionId, requestId, docHash, doc.version, kind,
            doc.collection, doc.docId, emptyBuffer, 0, 0);
        event.setResult(CommandEvent.RESULT_REPLIED, (byte)0);
    }

    private void onUnsubscribe()
    {
        unsubscribe.wrap(in, MessageHeaderDecoder.ENCODED_LENGTH, header.blockLength(), header.version());
        sessionId = unsubscribe.sessionId();
        requestId = unsubscribe.requestId();
        edgeId = (int)unsubscribe.edgeId();
        docHash = unsubscribe.docHash();
        collectionOffset = unsubscribe.limit() + UnsubscribeDecoder.collectionHeaderLength();
        collectionLength = unsubscribe.collectionLength();
        unsubscribe.skipCollection();
        docIdOffset = unsubscribe.limit() + UnsubscribeDecoder.docIdHeaderLength();
        docIdLength = unsubscribe.docIdLength();
        unsubscribe.skipDocId();
        final Document doc = docs.find(docHash, in, collectionOffset, collectionLength, in, docIdOffset, docIdLength);
        long version = CodecConstants.NULL_VERSION;
        if (doc != null)
        {
            doc.subscribers.remove(edgeId);
            version = doc.version;
        }
        egress.requestDone(edgeId, sessionId, requestId, docHash, version, RequestKind.UNSUBSCRIBE,
            bytes(in, collectionOffset, collectionLength), bytes(in, docIdOffset, docIdLength), emptyBuffer, 0, 0);
        event.setResult(CommandEvent.RESULT_REPLIED, (byte)0);
    }

    private void onFetchAt()
    {
        fetchAt.wrap(in, MessageHeaderDecoder.ENCODED_LENGTH, header.blockLength(), header.version());
        sessionId = fetchAt.sessionId();
        requestId = fetchAt.requestId();
        edgeId = (int)fetchAt.edgeId();
        docHash = fetchAt.docHash();
        final boolean byTime = fetchAt.mode() == SnapshotAtMode.TIMESTAMP;
        final long atVersion = fetchAt.atVersion();
        final long atTime = fetchAt.atTimestampNs();
        final RequestKind kind = byTime ? RequestKind.SNAPSHOT_AT_TIME : RequestKind.SNAPSHOT_AT_VERSION;
        collectionOffset = fetchAt.limit() + FetchSnapshotAtDecoder.collectionHeaderLength();
        collectionLength = fetchAt.collectionLength();
        fetchAt.skipCollection();
        docIdOffset = fetchAt.limit() + FetchSnapshotAtDecoder.docIdHeaderLength();
        docIdLength = fetchAt.docIdLength();
        fetchAt.skipDocId();
        principalOffset = fetchAt.limit() + FetchSnapshotAtDecoder.principalHeaderLength();
        principalLength = fetchAt.principalLength();
        fetchAt.skipPrincipal();
        counters.read();

        final Document doc = docs.findOrCreate(docHash, in, collectionOffset, collectionLength, in, docIdOffset, docIdLength);
        if (!access.mayRead(doc, in, principalOffset, principalLength))
        {
            requestReject(kind, RejectReason.FORBIDDEN, "Not allowed to read this document");
            return;
        }
        docs.load(doc);
        long target = byTime ? versionAtTime(doc, atTime) :
            (atVersion == CodecConstants.NULL_VERSION ? doc.version : Math.min(atVersion, doc.version));
        if (target < 0)
        {
            requestReject(kind, RejectReason.HISTORY_GONE, "The history before the requested time is no longer available");
            return;
        }
        if (target == doc.version)
        {
            egress.docSnapshot(edgeId, sessionId, requestId, doc, doc.version, doc.exists, doc.text, kind);
            event.setResult(CommandEvent.RESULT_REPLIED, (byte)0);
            return;
        }
        final Rope past = new Rope();
        final boolean[] exists = {false};
        if (!rebuild(doc, target, past, exists))
        {
            requestReject(kind, RejectReason.HISTORY_GONE,
                "Version " + target + " can no longer be rebuilt (" + historyProblem + ")");
            return;
        }
        egress.docSnapshot(edgeId, sessionId, requestId, doc, target, exists[0], past, kind);
        event.setResult(CommandEvent.RESULT_REPLIED, (byte)0);
    }

    /**
     * A page of who committed which version when: the entries of versions [start, end) oldest first, then the
     * document's version. Read-only, from memory or (older versions) the journal, like a catch-up; refused
     * FORBIDDEN to a principal who may not read the document, like a subscribe.
     */
    private void onHistory()
    {
        final HistoryRequestDecoder h = historyRequest;
        h.wrap(in, MessageHeaderDecoder.ENCODED_LENGTH, header.blockLength(), header.version());
        sessionId = h.sessionId();
        requestId = h.requestId();
        edgeId = (int)h.edgeId();
        docHash = h.docHash();
        final long from = h.fromVersion();
        final long wanted = Math.min(h.maxEntries(), MAX_HISTORY_ENTRIES);
        collectionOffset = h.limit() + HistoryRequestDecoder.collectionHeaderLength();
        collectionLength = h.collectionLength();
        h.skipCollection();
        docIdOffset = h.limit() + HistoryRequestDecoder.docIdHeaderLength();
        docIdLength = h.docIdLength();
        h.skipDocId();
        principalOffset = h.limit() + HistoryRequestDecoder.principalHeaderLength();
        principalLength = h.principalLength();
        h.skipPrincipal();
        counters.read();

        final Document doc = docs.findOrCreate(docHash, in, collectionOffset, collectionLength, in, docIdOffset, docIdLength);
        if (!access.mayRead(doc, in, principalOffset, principalLength))
        {
            requestReject(RequestKind.HISTORY, RejectReason.FORBIDDEN, "Not allowed to read this document");
            return;
        }
        docs.load(doc);
        final long start = from == CodecConstants.NULL_VERSION ? Math.max(0, doc.version - wanted) :
            Math.min(from, doc.version);
        final long end = Math.min(doc.version, start + wanted);
        if (start < end && !resolveRange(doc, start, end))
        {
            requestReject(RequestKind.HISTORY, RejectReason.HISTORY_GONE,
                "The history from version " + start + " can no longer be read (" + historyProblem + ")");
            return;
        }
        for (long v = start; v < end; v++)
        {
            egress.historyEntry(edgeId, sessionId, requestId, doc, entryAt(doc, v));
        }
        egress.requestDone(edgeId, sessionId, requestId, docHash, doc.version, RequestKind.HISTORY,
            doc.collection, doc.docId, emptyBuffer, 0, 0);
        event.setResult(CommandEvent.RESULT_REPLIED, (byte)0);
    }

    /** The document's version just after the last op committed at or before {@code timeNs}; -1 if unknown. */
    private long versionAtTime(final Document doc, final long timeNs)
    {
        if (doc.version == 0 || doc.lastTimestampNs <= timeNs && doc.lastTimestampNs != 0)
        {
            return doc.version;
        }
        final long from = Math.max(0, doc.version - config.maxCatchUpOps());
        if (!resolveRange(doc, from, doc.version))
        {
            return -1;
        }
        for (long v = doc.version - 1; v >= from; v--)
        {
            if (entryAt(doc, v).timestampNs <= timeNs)
            {
                return v + 1;
            }
        }
        return from == 0 ? 0 : -1;
    }

    /**
     * Rebuild the text at a past version: from the nearest snapshot at or before it if persistence has one, else
     * from version 0, then the ops up to the target. Cold path.
     */
    private boolean rebuild(final Document doc, final long target, final Rope out, final boolean[] exists)
    {
        final long start = persistence.loadAtOrBefore(doc, target, out);
        if (target == 0)
        {
            exists[0] = false;
            return true;
        }
        // Whether the document exists at a version is decided by the op just before it (a delete leaves it typeless).
        if (!resolveRange(doc, Math.min(start, target - 1), target))
        {
            return false;
        }
        for (long v = start; v < target; v++)
        {
            SnapshotPersistence.applyRecord(ot, out, entryAt(doc, v));
        }
        exists[0] = entryAt(doc, target - 1).kind != HistoryEntry.DELETE;
        return true;
    }

    private static byte[] bytes(final DirectBuffer buffer, final int offset, final int length)
    {
        return copyBytes(buffer, offset, length);
    }

    private void requestReject(final RequestKind kind, final RejectReason reason, final String text)
    {
        counters.rejected(reason);
        egress.requestReject(edgeId, sessionId, requestId, docHash, kind, reason,
            in, collectionOffset, collectionLength, in, docIdOffset, docIdLength, emptyBuffer, 0, 0, text);
        event.setResult(CommandEvent.RESULT_REJECTED, (byte)reason.value());
    }

    // ------------------------------------------------------------------------------------------------------------
    // Presence

    private void onPresenceUpdate()
    {
        final PresenceUpdateDecoder p = presenceUpdate;
        p.wrap(in, MessageHeaderDecoder.ENCODED_LENGTH, header.blockLength(), header.version());
        sessionId = p.sessionId();
        requestId = p.requestId();
        edgeId = (int)p.edgeId();
        final long channelHash = p.channelHash();
        long docVersion = p.docVersion();
        final long pv = p.presenceVersion();
        long index = p.index();
        long length = p.length();
        PresenceShape shape = p.shape();
        presence.buffer = in;
        presence.channelOffset = p.limit() + PresenceUpdateDecoder.channelHeaderLength();
        presence.channelLength = p.channelLength();
        p.skipChannel();
        presence.presenceIdOffset = p.limit() + PresenceUpdateDecoder.presenceIdHeaderLength();
        presence.presenceIdLength = p.presenceIdLength();
        p.skipPresenceId();
        presence.sourceOffset = p.limit() + PresenceUpdateDecoder.sourceHeaderLength();
        presence.sourceLength = p.sourceLength();
        p.skipSource();
        presence.collectionOffset = p.limit() + PresenceUpdateDecoder.collectionHeaderLength();
        presence.collectionLength = p.collectionLength();
        p.skipCollection();
        presence.docIdOffset = p.limit() + PresenceUpdateDecoder.docIdHeaderLength();
        presence.docIdLength = p.docIdLength();
        p.skipDocId();
        presence.principalOffset = p.limit() + PresenceUpdateDecoder.principalHeaderLength();
        presence.principalLength = p.principalLength();
        p.skipPrincipal();
        presence.valueOffset = p.limit() + PresenceUpdateDecoder.valueHeaderLength();
        presence.valueLength = p.valueLength();
        p.skipValue();
        counters.presence();

        if (presence.docIdLength > 0 && access.enforced() && presence.principalLength > 0)
        {
            final Document doc = docs.findOrCreate(channelHash, in, presence.collectionOffset,
                presence.collectionLength, in, presence.docIdOffset, presence.docIdLength);
            if (!access.mayRead(doc, in, presence.principalOffset, presence.principalLength))
            {
                presenceReject(RequestKind.PRESENCE_UPDATE, channelHash, presence.channelOffset,
                    presence.channelLength, "Not allowed to use presence on this document");
                return;
            }
        }
        if (presence.docIdLength > 0 && docVersion != CodecConstants.NULL_VERSION)
        {
            final long hash = io.quire.codec.ShardRouter.docHash(
                in, presence.collectionOffset, presence.collectionLength, in, presence.docIdOffset, presence.docIdLength);
            final Document doc = docs.find(hash, in, presence.collectionOffset, presence.collectionLength,
                in, presence.docIdOffset, presence.docIdLength);
            if (doc != null && docVersion < doc.version)
            {
                docs.load(doc);
                if (resolveRange(doc, docVersion, doc.version))
                {
                    for (long v = docVersion; v < doc.version; v++)
                    {
                        final HistoryEntry e = entryAt(doc, v);
                        if (shape == PresenceShape.INDEX_LENGTH)
                        {
                            if (e.kind != HistoryEntry.EDIT)
                            {
                                shape = PresenceShape.NULL;
                            }
                            else
                            {
                                final boolean own = e.sourceEquals(in, presence.sourceOffset, presence.sourceLength);
                                final long start = transformPosition(index, e.op, own);
                                final long end = transformPosition(index + length, e.op, own);
                                index = start;
                                length = Math.max(0, end - start);
                            }
                        }
                    }
                    docVersion = doc.version;
                }
            }
        }
        final SubscriberSet edges = channels.subscribers(channelHash, in, presence.channelOffset, presence.channelLength);
        if (edges != null)
        {
            egress.presence(edges, edgeId, 0, 0, edgeId, sessionId, requestId, channelHash, docVersion, pv,
                index, length, shape, presence);
        }
        // The sender gets the same (transformed) object back as its ack.
        egress.presence(null, -1, edgeId, sessionId, edgeId, sessionId, requestId, channelHash, docVersion, pv,
            index, length, shape, presence);
        event.setResult(CommandEvent.RESULT_REPLIED, (byte)0);
    }

    /**
     * Move a cursor through an op. Others' inserts at the cursor leave it before them (ot-text-unicode's
     * transformPosition); the author's own insert at the cursor moves it after the inserted text, where the
     * author's caret is.
     */
    static long transformPosition(final long cursor, final TextOp op, final boolean ownOp)
    {
        long pos = 0;
        long c = cursor;
        for (int i = 0, n = op.size(); i < n && (c > pos || (ownOp && c == pos)); i++)
        {
            final int len = op.length(i);
            switch (op.kind(i))
            {
                case TextOp.SKIP:
                    pos += len;
                    break;
                case TextOp.INSERT:
                    pos += len;
                    c += len;
                    break;
                default:
                    c -= Math.min(len, c - pos);
                    break;
            }
        }
        return c;
    }

    private void onPresenceSubscribe(final boolean subscribing)
    {
        final long channelHash;
        final int channelOffset;
        final int channelLength;
        if (subscribing)
        {
            presenceSubscribe.wrap(in, MessageHeaderDecoder.ENCODED_LENGTH, header.blockLength(), header.version());
            sessionId = presenceSubscribe.sessionId();
            requestId = presenceSubscribe.requestId();
            edgeId = (int)presenceSubscribe.edgeId();
            channelHash = presenceSubscribe.channelHash();
            channelOffset = presenceSubscribe.limit() + PresenceSubscribeDecoder.channelHeaderLength();
            channelLength = presenceSubscribe.channelLength();
            presenceSubscribe.skipChannel();
            principalOffset = presenceSubscribe.limit() + PresenceSubscribeDecoder.principalHeaderLength();
            principalLength = presenceSubscribe.principalLength();
            if (access.enforced() && principalLength > 0)
            {
                final Document doc = docs.findByChannel(channelHash, in, channelOffset, channelLength);
                if (doc != null && !access.mayRead(doc, in, principalOffset, principalLength))
                {
                    presenceReject(RequestKind.PRESENCE_SUBSCRIBE, channelHash, channelOffset, channelLength,
                        "Not allowed to use presence on this document");
                    return;
                }
            }
        }
        else
        {
            presenceUnsubscribe.wrap(in, MessageHeaderDecoder.ENCODED_LENGTH, header.blockLength(), header.version());
            sessionId = presenceUnsubscribe.sessionId();
            requestId = presenceUnsubscribe.requestId();
            edgeId = (int)presenceUnsubscribe.edgeId();
            channelHash = presenceUnsubscribe.channelHash();
            channelOffset = presenceUnsubscribe.limit() + PresenceUnsubscribeDecoder.channelHeaderLength();
            channelLength = presenceUnsubscribe.channelLength();
        }
        if (subscribing)
        {
            final SubscriberSet edges = channels.subscribe(channelHash, in, channelOffset, channelLength, edgeId);
            // ShareDB asks the channel's other subscribers to resend their presence to the newcomer.
            egress.presenceRequest(edges, edgeId, sessionId, channelHash, in, channelOffset, channelLength);
        }
        else
        {
            channels.unsubscribe(channelHash, in, channelOffset, channelLength, edgeId);
        }
        egress.requestDone(edgeId, sessionId, requestId, channelHash, CodecConstants.NULL_VERSION,
            subscribing ? RequestKind.PRESENCE_SUBSCRIBE : RequestKind.PRESENCE_UNSUBSCRIBE, EMPTY, EMPTY,
            in, channelOffset, channelLength);
        event.setResult(CommandEvent.RESULT_REPLIED, (byte)0);
    }

    private void presenceReject(
        final RequestKind kind, final long channelHash, final int channelOffset, final int channelLength,
        final String text)
    {
        counters.rejected(RejectReason.FORBIDDEN);
        egress.requestReject(edgeId, sessionId, requestId, channelHash, kind, RejectReason.FORBIDDEN,
            emptyBuffer, 0, 0, emptyBuffer, 0, 0, in, channelOffset, channelLength, text);
        event.setResult(CommandEvent.RESULT_REJECTED, (byte)RejectReason.FORBIDDEN.value());
    }

    private void onPresenceRequest()
    {
        presenceRequest.wrap(in, MessageHeaderDecoder.ENCODED_LENGTH, header.blockLength(), header.version());
        final long channelHash = presenceRequest.channelHash();
        final int channelOffset = presenceRequest.limit() + PresenceRequestDecoder.channelHeaderLength();
        final int channelLength = presenceRequest.channelLength();
        final SubscriberSet edges = channels.subscribers(channelHash, in, channelOffset, channelLength);
        if (edges != null)
        {
            egress.presenceRequest(edges, (int)presenceRequest.edgeId(), presenceRequest.sessionId(), channelHash,
                in, channelOffset, channelLength);
        }
        event.setResult(CommandEvent.RESULT_REPLIED, (byte)0);
    }

    // ------------------------------------------------------------------------------------------------------------
    // Access control

    private boolean mayWrite(final Document doc, final OpKind kind)
    {
        switch (kind)
        {
            case CREATE:
                return access.mayCreate(doc, in, principalOffset, principalLength);
            case DELETE:
                return access.mayDelete(doc, in, principalOffset, principalLength);
            default:
                return access.mayEdit(doc, in, principalOffset, principalLength);
        }
    }

    /**
     * GET: the ACL, for VIEWER and up. GRANT: OWNER only; journaled like an op (an LSN in this slot, replied to after
     * the journal stage) unless it changes nothing. Always checked, whether or not enforcement is on: an ACL request
     * without a principal is refused.
     */
    private void onAclRequest()
    {
        final AclRequestDecoder r = aclRequest;
        r.wrap(in, MessageHeaderDecoder.ENCODED_LENGTH, header.blockLength(), header.version());
        sessionId = r.sessionId();
        requestId = r.requestId();
        edgeId = (int)r.edgeId();
        docHash = r.docHash();
        final boolean grant = r.action() == AclAction.GRANT;
        final RequestKind kind = grant ? RequestKind.ACL_GRANT : RequestKind.ACL_GET;
        final AclRole role = r.role();
        collectionOffset = r.limit() + AclRequestDecoder.collectionHeaderLength();
        collectionLength = r.collectionLength();
        r.skipCollection();
        docIdOffset = r.limit() + AclRequestDecoder.docIdHeaderLength();
        docIdLength = r.docIdLength();
        r.skipDocId();
        final int userOffset = r.limit() + AclRequestDecoder.userHeaderLength();
        final int userLength = r.userLength();
        r.skipUser();
        principalOffset = r.limit() + AclRequestDecoder.principalHeaderLength();
        principalLength = r.principalLength();
        r.skipPrincipal();

        final Document doc = docs.findOrCreate(docHash, in, collectionOffset, collectionLength, in, docIdOffset, docIdLength);
        if (doc.version == 0 || (!doc.exists && doc.acl.isEmpty()))
        {
            requestReject(kind, RejectReason.DOC_DOES_NOT_EXIST, "Document does not exist");
            return;
        }
        final byte callerRole = principalLength == 0 ? DocumentAcl.NONE : doc.acl.roleOf(in, principalOffset, principalLength);
        if (callerRole < (grant ? DocumentAcl.OWNER : DocumentAcl.VIEWER))
        {
            requestReject(kind, RejectReason.FORBIDDEN, grant ? "Only an owner may change the roles of this document" :
                "Not allowed to read the roles of this document");
            return;
        }
        if (grant)
        {
            if (userLength == 0 || role == AclRole.NULL_VAL || role == AclRole.SBE_UNKNOWN)
            {
                requestReject(kind, RejectReason.MESSAGE_BADLY_FORMED, "A grant needs a user and a role");
                return;
            }
            final byte[] user = copyBytes(in, userOffset, userLength);
            final byte newRole = (byte)role.value();
            final byte oldRole = doc.acl.roleOf(user);
            if (oldRole == DocumentAcl.OWNER && newRole != DocumentAcl.OWNER && doc.acl.ownerCount() == 1)
            {
                requestReject(kind, RejectReason.LAST_OWNER, "A document must keep at least one owner");
                return;
            }
            if (newRole != DocumentAcl.NONE && doc.acl.isNew(user) && doc.acl.size() >= config.maxAclEntries())
            {
                requestReject(kind, RejectReason.ACL_TOO_LARGE,
                    "A document may have at most " + config.maxAclEntries() + " users with a role");
                return;
            }
            if (doc.acl.set(user, newRole))
            {
                final long lsn = nextLsn++;
                event.setJournal(lsn, aclRecords.encode(event.journalBuffer(), config.shardId(), epoch.getAsLong(),
                    clock.nanoTime(), doc, user, newRole, in, principalOffset, principalLength));
                // A snapshot taken before the journal has this record must not carry the new ACL.
                doc.lastRingSequence = sequence;
            }
        }
        egress.aclState(edgeId, sessionId, requestId, doc, kind);
        event.setResult(CommandEvent.RESULT_REPLIED, (byte)0);
    }

    // ------------------------------------------------------------------------------------------------------------
    // Control and housekeeping

    private void onControl(final CommandEvent e)
    {
        if (e.control() == CommandEvent.CONTROL_EDGE_GONE)
        {
            final int gone = e.controlEdgeId();
            docs.forEach(d -> d.subscribers.removeEdge(gone));
            channels.removeEdge(gone);
        }
    }

    private void runDueSnapshots()
    {
        if (dueSnapshots.isEmpty())
        {
            return;
        }
        final long journaled = journaledSequence.getAsLong();
        final Document doc = dueSnapshots.peek();
        if (!doc.loaded)
        {
            dueSnapshots.poll();
            doc.snapshotDue = false;
            return;
        }
        if (doc.lastRingSequence <= journaled)
        {
            if (doc.snapshotVersion != doc.version && !persistence.saveInBackground(doc))
            {
                return;
            }
            dueSnapshots.poll();
            doc.snapshotDue = false;
            doc.snapshotTaken();
        }
    }

    private void rejectAfterInternalError(final RuntimeException ex)
    {
        message.setLength(0);
        message.append("internal error: ").append(ex.getClass().getSimpleName());
        if (event.templateId() == SubmitOpDecoder.TEMPLATE_ID)
        {
            rejectOp(CodecConstants.NULL_VERSION, CodecConstants.NULL_VERSION, 0, OpKind.EDIT, RejectReason.INTERNAL,
                message.toString());
        }
        else if (event.templateId() == SubscribeDecoder.TEMPLATE_ID || event.templateId() == FetchSnapshotAtDecoder.TEMPLATE_ID)
        {
            requestReject(RequestKind.FETCH, RejectReason.INTERNAL, message.toString());
        }
        else if (event.templateId() == HistoryRequestDecoder.TEMPLATE_ID)
        {
            requestReject(RequestKind.HISTORY, RejectReason.INTERNAL, message.toString());
        }
    }

    /** @return the ShareDB error code of a reason (for logs). */
    static String code(final RejectReason reason)
    {
        return RejectReasons.shareDbCode(reason);
    }
}
