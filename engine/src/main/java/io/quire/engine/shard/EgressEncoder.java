package io.quire.engine.shard;

import io.quire.codec.protocol.AclRole;
import io.quire.codec.protocol.AclStateEncoder;
import io.quire.codec.protocol.BooleanType;
import io.quire.codec.protocol.ComponentKind;
import io.quire.codec.protocol.DocSnapshotEncoder;
import io.quire.codec.protocol.HistoryEntryEncoder;
import io.quire.codec.protocol.MessageHeaderEncoder;
import io.quire.codec.protocol.OpAckEncoder;
import io.quire.codec.protocol.OpBroadcastEncoder;
import io.quire.codec.protocol.OpKind;
import io.quire.codec.protocol.OpRejectEncoder;
import io.quire.codec.protocol.PresenceBroadcastEncoder;
import io.quire.codec.protocol.PresenceRequestBroadcastEncoder;
import io.quire.codec.protocol.PresenceShape;
import io.quire.codec.protocol.RejectReason;
import io.quire.codec.protocol.RequestDoneEncoder;
import io.quire.codec.protocol.RequestKind;
import io.quire.codec.protocol.RequestRejectEncoder;
import io.quire.engine.ot.Rope;
import io.quire.engine.ot.TextOp;
import io.quire.engine.ring.Outbound;
import org.agrona.DirectBuffer;
import org.agrona.concurrent.UnsafeBuffer;

/**
 * Encodes the engine's outbound protocol messages into a slot's {@link Outbound} entries. Stage 1 owns it; flyweight
 * encoders and scratch buffers are reused, so encoding allocates nothing.
 */
final class EgressEncoder
{
    private static final byte[] EMPTY = new byte[0];
    private static final UnsafeBuffer EMPTY_BUFFER = new UnsafeBuffer(EMPTY);

    private final MessageHeaderEncoder header = new MessageHeaderEncoder();
    private final OpAckEncoder ack = new OpAckEncoder();
    private final OpRejectEncoder reject = new OpRejectEncoder();
    private final OpBroadcastEncoder broadcast = new OpBroadcastEncoder();
    private final DocSnapshotEncoder snapshot = new DocSnapshotEncoder();
    private final RequestDoneEncoder done = new RequestDoneEncoder();
    private final AclStateEncoder aclState = new AclStateEncoder();
    private final RequestRejectEncoder requestReject = new RequestRejectEncoder();
    private final HistoryEntryEncoder history = new HistoryEntryEncoder();
    private final PresenceBroadcastEncoder presence = new PresenceBroadcastEncoder();
    private final PresenceRequestBroadcastEncoder presenceRequest = new PresenceRequestBroadcastEncoder();
    private final Utf8Scratch utf8 = new Utf8Scratch();
    private final UnsafeBuffer bytesView = new UnsafeBuffer(EMPTY);
    private final StringBuilder piece = new StringBuilder();
    private final long[] utf8Total = new long[1];
    private final io.quire.engine.ot.Rope.ChunkVisitor utf8Counter =
        (chars, off, len) -> utf8Total[0] += io.quire.codec.Utf8.encodedLength(chars, off, len);
    private final int snapshotChunkBytes;
    final Outbound outbound = new Outbound();

    /**
     * @param snapshotChunkBytes most UTF-8 bytes of text per DocSnapshot message (fits the transport's max message).
     */
    EgressEncoder(final int snapshotChunkBytes)
    {
        this.snapshotChunkBytes = snapshotChunkBytes;
    }

    private UnsafeBuffer view(final byte[] bytes)
    {
        bytesView.wrap(bytes);
        return bytesView;
    }

    void opAck(
        final int edgeId, final long sessionId, final long requestId, final Document doc, final long version,
        final long seq, final DirectBuffer source, final int sourceOffset, final int sourceLength)
    {
        final int offset = outbound.begin(1);
        outbound.destination(0, edgeId);
        ack.wrapAndApplyHeader(outbound.buffer(), offset, header)
            .sessionId(sessionId).requestId(requestId).docHash(doc.hash).version(version).seq(seq).edgeId(edgeId)
            .putCollection(doc.collection, 0, doc.collection.length)
            .putDocId(doc.docId, 0, doc.docId.length)
            .putSource(source, sourceOffset, sourceLength);
        outbound.end(MessageHeaderEncoder.ENCODED_LENGTH + ack.encodedLength());
    }

    @SuppressWarnings("checkstyle:ParameterNumber")
    void opReject(
        final int edgeId, final long sessionId, final long requestId, final long docHash, final long baseVersion,
        final long currentVersion, final long seq, final OpKind kind, final RejectReason reason,
        final DirectBuffer collection, final int collectionOffset, final int collectionLength,
        final DirectBuffer docId, final int docIdOffset, final int docIdLength,
        final DirectBuffer source, final int sourceOffset, final int sourceLength, final CharSequence message)
    {
        final int offset = outbound.begin(1);
        outbound.destination(0, edgeId);
        reject.wrapAndApplyHeader(outbound.buffer(), offset, header)
            .sessionId(sessionId).requestId(requestId).docHash(docHash).baseVersion(baseVersion)
            .currentVersion(currentVersion).seq(seq).edgeId(edgeId).opKind(kind).reason(reason)
            .putCollection(collection, collectionOffset, collectionLength)
            .putDocId(docId, docIdOffset, docIdLength)
            .putSource(source, sourceOffset, sourceLength);
        final int n = utf8.encode(truncate(message, 900));
        reject.putMessage(utf8.buffer, 0, n);
        outbound.end(MessageHeaderEncoder.ENCODED_LENGTH + reject.encodedLength());
    }

    /**
     * A committed op (or one replayed for catch-up) to a set of edges, or to one session of one edge.
     */
    @SuppressWarnings("checkstyle:ParameterNumber")
    void opBroadcast(
        final SubscriberSet edges, final int singleEdge, final long targetSessionId,
        final int originEdgeId, final long originSessionId, final long originRequestId,
        final Document doc, final HistoryEntry entry)
    {
        final int destinations = edges == null ? 1 : edges.size();
        final int offset = outbound.begin(destinations);
        if (edges == null)
        {
            outbound.destination(0, singleEdge);
        }
        else
        {
            for (int i = 0; i < destinations; i++)
            {
                outbound.destination(i, edges.edgeAt(i));
            }
        }
        final OpKind kind = opKind(entry.kind);
        broadcast.wrapAndApplyHeader(outbound.buffer(), offset, header)
            .targetSessionId(targetSessionId).originSessionId(originSessionId).originRequestId(originRequestId)
            .docHash(doc.hash).version(entry.version).seq(entry.seq)
            .targetEdgeId(edges == null ? singleEdge : 0).originEdgeId(originEdgeId).opKind(kind);
        final TextOp op = entry.op;
        final OpBroadcastEncoder.ComponentsEncoder components =
            broadcast.componentsCount(entry.kind == HistoryEntry.EDIT ? op.size() : 0);
        if (entry.kind == HistoryEntry.EDIT)
        {
            final char[] chars = op.textBuffer();
            for (int i = 0, n = op.size(); i < n; i++)
            {
                components.next().kind(componentKind(op.kind(i))).length(op.length(i));
                if (op.hasText(i))
                {
                    final int bytes = utf8.encode(chars, op.textStart(i), op.textLength(i));
                    components.putText(utf8.buffer, 0, bytes);
                }
                else
                {
                    components.putText(EMPTY_BUFFER, 0, 0);
                }
            }
        }
        broadcast.putCollection(doc.collection, 0, doc.collection.length)
            .putDocId(doc.docId, 0, doc.docId.length)
            .putSource(entry.source, 0, entry.sourceLength);
        if (entry.kind == HistoryEntry.CREATE)
        {
            broadcast.createType(io.quire.codec.CodecConstants.TEXT_UNICODE_URI);
            putCreateData(op);
        }
        else
        {
            broadcast.putCreateType(EMPTY, 0, 0);
            broadcast.putCreateData(EMPTY, 0, 0);
        }
        outbound.end(MessageHeaderEncoder.ENCODED_LENGTH + broadcast.encodedLength());
    }

    private void putCreateData(final TextOp createText)
    {
        if (createText.size() == 0)
        {
            broadcast.putCreateData(EMPTY, 0, 0);
            return;
        }
        final int bytes = utf8.encode(createText.textBuffer(), createText.textStart(0), createText.textLength(0));
        broadcast.putCreateData(utf8.buffer, 0, bytes);
    }

    /**
     * A document snapshot to one session, split into chunks on code point boundaries.
     */
    void docSnapshot(
        final int edgeId, final long sessionId, final long requestId, final Document doc, final long version,
        final boolean exists, final Rope text, final RequestKind requestKind)
    {
        final long totalBytes = exists ? utf8Length(text) : 0;
        if (!exists || totalBytes == 0)
        {
            snapshotChunk(edgeId, sessionId, requestId, doc, version, exists, requestKind, 0, 0, EMPTY_BUFFER, 0, true);
            return;
        }
        final int cps = text.length();
        int cp = 0;
        long byteOffset = 0;
        piece.setLength(0);
        while (cp < cps)
        {
            // A code point is at most 4 UTF-8 bytes, so a chunk of snapshotChunkBytes / 4 code points always fits
            // the transport's message size, and chunks end on code point boundaries (each is valid UTF-8 alone).
            final int n = Math.min(cps - cp, Math.max(1, snapshotChunkBytes / 4));
            piece.setLength(0);
            text.appendTo(cp, cp + n, piece);
            final int bytes = utf8.encode(piece);
            cp += n;
            snapshotChunk(edgeId, sessionId, requestId, doc, version, true, requestKind, totalBytes, byteOffset,
                utf8.buffer, bytes, cp == cps);
            byteOffset += bytes;
        }
    }

    private void snapshotChunk(
        final int edgeId, final long sessionId, final long requestId, final Document doc, final long version,
        final boolean exists, final RequestKind requestKind, final long totalBytes, final long chunkOffset,
        final DirectBuffer chunk, final int chunkLength, final boolean last)
    {
        final int offset = outbound.begin(1);
        outbound.destination(0, edgeId);
        snapshot.wrapAndApplyHeader(outbound.buffer(), offset, header)
            .sessionId(sessionId).requestId(requestId).docHash(doc.hash).version(version)
            .totalLength(totalBytes).chunkOffset(chunkOffset).edgeId(edgeId).requestKind(requestKind)
            .lastChunk(last ? BooleanType.TRUE : BooleanType.FALSE)
            .putCollection(doc.collection, 0, doc.collection.length)
            .putDocId(doc.docId, 0, doc.docId.length);
        if (exists)
        {
            snapshot.docType(io.quire.codec.CodecConstants.TEXT_UNICODE_URI);
        }
        else
        {
            snapshot.putDocType(EMPTY, 0, 0);
        }
        snapshot.putText(chunk, 0, chunkLength);
        outbound.end(MessageHeaderEncoder.ENCODED_LENGTH + snapshot.encodedLength());
    }

    private long utf8Length(final Rope text)
    {
        utf8Total[0] = 0;
        text.forEachChunk(utf8Counter);
        return utf8Total[0];
    }

    void requestDone(
        final int edgeId, final long sessionId, final long requestId, final long routingHash, final long version,
        final RequestKind kind, final byte[] collection, final byte[] docId,
        final DirectBuffer channel, final int channelOffset, final int channelLength)
    {
        final int offset = outbound.begin(1);
        outbound.destination(0, edgeId);
        done.wrapAndApplyHeader(outbound.buffer(), offset, header)
            .sessionId(sessionId).requestId(requestId).routingHash(routingHash).version(version).edgeId(edgeId)
            .requestKind(kind)
            .putCollection(collection, 0, collection.length)
            .putDocId(docId, 0, docId.length)
            .putChannel(channel, channelOffset, channelLength);
        outbound.end(MessageHeaderEncoder.ENCODED_LENGTH + done.encodedLength());
    }

    void aclState(
        final int edgeId, final long sessionId, final long requestId, final Document doc, final RequestKind kind)
    {
        final int offset = outbound.begin(1);
        outbound.destination(0, edgeId);
        aclState.wrapAndApplyHeader(outbound.buffer(), offset, header)
            .sessionId(sessionId).requestId(requestId).docHash(doc.hash).version(doc.version).edgeId(edgeId)
            .requestKind(kind);
        final DocumentAcl acl = doc.acl;
        final AclStateEncoder.EntriesEncoder entries = aclState.entriesCount(acl.size());
        for (int i = 0; i < acl.size(); i++)
        {
            final byte[] user = acl.user(i);
            entries.next().role(AclRole.get(acl.role(i))).putUser(user, 0, user.length);
        }
        aclState.putCollection(doc.collection, 0, doc.collection.length)
            .putDocId(doc.docId, 0, doc.docId.length);
        outbound.end(MessageHeaderEncoder.ENCODED_LENGTH + aclState.encodedLength());
    }

    @SuppressWarnings("checkstyle:ParameterNumber")
    void requestReject(
        final int edgeId, final long sessionId, final long requestId, final long routingHash, final RequestKind kind,
        final RejectReason reason, final DirectBuffer collection, final int collectionOffset, final int collectionLength,
        final DirectBuffer docId, final int docIdOffset, final int docIdLength,
        final DirectBuffer channel, final int channelOffset, final int channelLength, final CharSequence message)
    {
        final int offset = outbound.begin(1);
        outbound.destination(0, edgeId);
        requestReject.wrapAndApplyHeader(outbound.buffer(), offset, header)
            .sessionId(sessionId).requestId(requestId).routingHash(routingHash).edgeId(edgeId).requestKind(kind)
            .reason(reason)
            .putCollection(collection, collectionOffset, collectionLength)
            .putDocId(docId, docIdOffset, docIdLength)
            .putChannel(channel, channelOffset, channelLength);
        final int n = utf8.encode(truncate(message, 900));
        requestReject.putMessage(utf8.buffer, 0, n);
        outbound.end(MessageHeaderEncoder.ENCODED_LENGTH + requestReject.encodedLength());
    }

    /** One committed op's metadata (version, time, author, size) to the session that asked for the history. */
    void historyEntry(
        final int edgeId, final long sessionId, final long requestId, final Document doc, final HistoryEntry entry)
    {
        long inserted = 0;
        long deleted = 0;
        final TextOp op = entry.op;
        if (entry.kind != HistoryEntry.DELETE)
        {
            // A CREATE's op is one insert holding the initial text.
            for (int i = 0, n = op.size(); i < n; i++)
            {
                if (op.kind(i) == TextOp.INSERT)
                {
                    inserted += op.length(i);
                }
                else if (op.kind(i) == TextOp.DELETE)
                {
                    deleted += op.length(i);
                }
            }
        }
        final int offset = outbound.begin(1);
        outbound.destination(0, edgeId);
        history.wrapAndApplyHeader(outbound.buffer(), offset, header)
            .sessionId(sessionId).requestId(requestId).docHash(doc.hash).version(entry.version)
            .timestampNs(entry.timestampNs).inserted(inserted).deleted(deleted).edgeId(edgeId)
            .opKind(opKind(entry.kind))
            .putPrincipal(entry.principal, 0, entry.principalLength)
            .putSource(entry.source, 0, entry.sourceLength);
        outbound.end(MessageHeaderEncoder.ENCODED_LENGTH + history.encodedLength());
    }

    /** Presence (transformed, or relayed) to a set of edges, plus the same message back to its sender. */
    @SuppressWarnings("checkstyle:ParameterNumber")
    void presence(
        final SubscriberSet edges, final int skipEdge, final int singleEdge, final long targetSessionId,
        final int originEdgeId, final long originSessionId, final long originRequestId, final long channelHash,
        final long docVersion, final long presenceVersion, final long index, final long length,
        final PresenceShape shape, final PresenceView in)
    {
        int destinations = 0;
        if (edges != null)
        {
            for (int i = 0; i < edges.size(); i++)
            {
                if (edges.edgeAt(i) != skipEdge)
                {
                    destinations++;
                }
            }
        }
        else
        {
            destinations = 1;
        }
        if (destinations == 0)
        {
            return;
        }
        final int offset = outbound.begin(destinations);
        if (edges != null)
        {
            int d = 0;
            for (int i = 0; i < edges.size(); i++)
            {
                if (edges.edgeAt(i) != skipEdge)
                {
                    outbound.destination(d++, edges.edgeAt(i));
                }
            }
        }
        else
        {
            outbound.destination(0, singleEdge);
        }
        presence.wrapAndApplyHeader(outbound.buffer(), offset, header)
            .targetSessionId(targetSessionId).originSessionId(originSessionId).originRequestId(originRequestId)
            .channelHash(channelHash).docVersion(docVersion).presenceVersion(presenceVersion)
            .targetEdgeId(edges == null ? singleEdge : 0).originEdgeId(originEdgeId)
            .index(index).length(length).shape(shape)
            .putChannel(in.buffer, in.channelOffset, in.channelLength)
            .putPresenceId(in.buffer, in.presenceIdOffset, in.presenceIdLength)
            .putSource(in.buffer, in.sourceOffset, in.sourceLength)
            .putCollection(in.buffer, in.collectionOffset, in.collectionLength)
            .putDocId(in.buffer, in.docIdOffset, in.docIdLength)
            .putValue(in.buffer, in.valueOffset, in.valueLength);
        outbound.end(MessageHeaderEncoder.ENCODED_LENGTH + presence.encodedLength());
    }

    void presenceRequest(
        final SubscriberSet edges, final int originEdgeId, final long originSessionId, final long channelHash,
        final DirectBuffer channel, final int channelOffset, final int channelLength)
    {
        if (edges.size() == 0)
        {
            return;
        }
        final int offset = outbound.begin(edges.size());
        for (int i = 0; i < edges.size(); i++)
        {
            outbound.destination(i, edges.edgeAt(i));
        }
        presenceRequest.wrapAndApplyHeader(outbound.buffer(), offset, header)
            .targetSessionId(0).originSessionId(originSessionId).channelHash(channelHash)
            .targetEdgeId(0).originEdgeId(originEdgeId)
            .putChannel(channel, channelOffset, channelLength);
        outbound.end(MessageHeaderEncoder.ENCODED_LENGTH + presenceRequest.encodedLength());
    }

    static OpKind opKind(final byte kind)
    {
        switch (kind)
        {
            case HistoryEntry.CREATE:
                return OpKind.CREATE;
            case HistoryEntry.DELETE:
                return OpKind.DELETE;
            default:
                return OpKind.EDIT;
        }
    }

    static ComponentKind componentKind(final byte kind)
    {
        switch (kind)
        {
            case TextOp.SKIP:
                return ComponentKind.RETAIN;
            case TextOp.INSERT:
                return ComponentKind.INSERT;
            default:
                return ComponentKind.DELETE;
        }
    }

    private static CharSequence truncate(final CharSequence message, final int max)
    {
        return message.length() <= max ? message : message.subSequence(0, max);
    }

    /** @return a buffer wrapping bytes, reused: valid until the next call. */
    DirectBuffer wrap(final byte[] bytes)
    {
        return view(bytes);
    }
}
