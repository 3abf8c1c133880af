package io.quire.engine.ingress;

import io.aeron.Publication;
import io.quire.codec.protocol.EngineHeartbeatEncoder;
import io.quire.codec.protocol.MessageHeaderEncoder;
import io.quire.codec.protocol.NodeRole;
import io.quire.codec.protocol.OpKind;
import io.quire.codec.protocol.OpRejectEncoder;
import io.quire.codec.protocol.RejectReason;
import io.quire.codec.protocol.RequestKind;
import io.quire.codec.protocol.RequestRejectEncoder;
import io.quire.engine.EngineCounters;
import io.quire.engine.egress.EdgeDirectory;
import org.agrona.DirectBuffer;
import org.agrona.ExpandableArrayBuffer;
import org.agrona.ExpandableRingBuffer;
import org.agrona.MutableDirectBuffer;
import org.agrona.concurrent.UnsafeBuffer;

/**
 * What the ingress thread sends to edges itself: rejects it decides before a command reaches a ring (overloaded,
 * not primary, malformed) and engine heartbeats. Encoders are held as fields; nothing is allocated per message.
 * <p>
 * The ingress must never wait for an edge, yet every request must get its reply: a reject the edge's publication
 * cannot take now (back-pressure, typically while that same edge floods an overloaded shard) is queued, in order,
 * and sent on later duty cycles; only when the queue is full, or the edge is gone, is a reject dropped, and counted.
 * Heartbeats are periodic and best effort: one try, never queued.
 */
final class IngressPublisher
{
    /** Bytes of rejects held for edges that are back-pressured, before further ones are dropped. */
    static final int MAX_PENDING_BYTES = 4 << 20;

    private static final int EDGE_ID_LENGTH = 4;
    private static final UnsafeBuffer EMPTY = new UnsafeBuffer(new byte[0]);

    private final ExpandableArrayBuffer buffer = new ExpandableArrayBuffer(2048);
    private final ExpandableRingBuffer pending = new ExpandableRingBuffer(0, MAX_PENDING_BYTES, false);
    private final MessageHeaderEncoder header = new MessageHeaderEncoder();
    private final OpRejectEncoder opReject = new OpRejectEncoder();
    private final RequestRejectEncoder requestReject = new RequestRejectEncoder();
    private final EngineHeartbeatEncoder heartbeat = new EngineHeartbeatEncoder();
    private final EngineCounters counters;
    private final EdgeDirectory directory;
    private final ExpandableRingBuffer.MessageConsumer sendPending = this::sendPending;
    private boolean blocked;

    IngressPublisher(final EngineCounters counters, final EdgeDirectory directory)
    {
        this.counters = counters;
        this.directory = directory;
    }

    /**
     * Refuse a SubmitOp. The var fields are echoed when the message was valid (else they are empty).
     */
    @SuppressWarnings("checkstyle:ParameterNumber")
    void opReject(
        final int edgeId, final long sessionId, final long requestId, final long docHash,
        final long baseVersion, final long seq, final OpKind kind, final RejectReason reason,
        final DirectBuffer in, final int collectionOffset, final int collectionLength, final int docIdOffset,
        final int docIdLength, final int sourceOffset, final int sourceLength, final byte[] message)
    {
        final DirectBuffer vars = in == null ? EMPTY : in;
        opReject.wrapAndApplyHeader(buffer, EDGE_ID_LENGTH, header)
            .sessionId(sessionId).requestId(requestId).docHash(docHash).baseVersion(baseVersion)
            .currentVersion(-1).seq(seq).edgeId(edgeId).opKind(kind).reason(reason)
            .putCollection(vars, collectionOffset, collectionLength)
            .putDocId(vars, docIdOffset, docIdLength)
            .putSource(vars, sourceOffset, sourceLength)
            .putMessage(message, 0, message.length);
        send(edgeId, MessageHeaderEncoder.ENCODED_LENGTH + opReject.encodedLength());
    }

    /**
     * Refuse any other request.
     */
    @SuppressWarnings("checkstyle:ParameterNumber")
    void requestReject(
        final int edgeId, final long sessionId, final long requestId, final long routingHash,
        final RequestKind kind, final RejectReason reason, final DirectBuffer in,
        final int collectionOffset, final int collectionLength, final int docIdOffset, final int docIdLength,
        final int channelOffset, final int channelLength, final byte[] message)
    {
        final DirectBuffer vars = in == null ? EMPTY : in;
        requestReject.wrapAndApplyHeader(buffer, EDGE_ID_LENGTH, header)
            .sessionId(sessionId).requestId(requestId).routingHash(routingHash).edgeId(edgeId).requestKind(kind)
            .reason(reason)
            .putCollection(vars, collectionOffset, collectionLength)
            .putDocId(vars, docIdOffset, docIdLength)
            .putChannel(vars, channelOffset, channelLength)
            .putMessage(message, 0, message.length);
        send(edgeId, MessageHeaderEncoder.ENCODED_LENGTH + requestReject.encodedLength());
    }

    boolean heartbeat(
        final Publication publication, final long epoch, final long timestampNs, final int nodeId,
        final int shardCount, final int shardBegin, final int shardEnd, final int ingressSessionId)
    {
        heartbeat.wrapAndApplyHeader(buffer, EDGE_ID_LENGTH, header)
            .epoch(epoch).timestampNs(timestampNs).nodeId(nodeId).shardCount(shardCount).shardBegin(shardBegin)
            .shardEnd(shardEnd).role(NodeRole.PRIMARY).ingressSessionId(ingressSessionId);
        // A new edge's publication is often not connected yet when it is greeted: a miss is not an undelivered reply.
        final boolean sent = publication.offer(buffer, EDGE_ID_LENGTH, MessageHeaderEncoder.ENCODED_LENGTH +
            heartbeat.encodedLength()) > 0;
        if (sent)
        {
            counters.heartbeatsSent.incrementOrdered();
        }
        else
        {
            counters.heartbeatsMissed.incrementOrdered();
        }
        return sent;
    }

    /** @return true if rejects wait for a back-pressured edge. */
    boolean hasPending()
    {
        return !pending.isEmpty();
    }

    /**
     * Send queued rejects, in order, until one meets back-pressure.
     *
     * @return rejects sent or dropped.
     */
    int flush()
    {
        blocked = false;
        return pending.consume(sendPending, Integer.MAX_VALUE);
    }

    private void send(final int edgeId, final int length)
    {
        if (!pending.isEmpty())
        {
            // Keep replies in order behind those already waiting.
            enqueue(edgeId, length);
            return;
        }
        final Publication publication = directory.publication(edgeId);
        final long result = publication == null ? Publication.NOT_CONNECTED :
            publication.offer(buffer, EDGE_ID_LENGTH, length);
        if (result > 0)
        {
            return;
        }
        if (result == Publication.BACK_PRESSURED || result == Publication.ADMIN_ACTION)
        {
            counters.egressBackPressureRetries.increment();
            enqueue(edgeId, length);
        }
        else
        {
            undelivered(result);
        }
    }

    private void enqueue(final int edgeId, final int length)
    {
        buffer.putInt(0, edgeId);
        if (!pending.append(buffer, 0, EDGE_ID_LENGTH + length))
        {
            counters.egressBackPressureDrops.increment();
            counters.ingressRepliesUndelivered.incrementOrdered();
        }
    }

    private boolean sendPending(final MutableDirectBuffer stored, final int offset, final int length, final int headOffset)
    {
        if (blocked)
        {
            return false;
        }
        final Publication publication = directory.publication(stored.getInt(offset));
        final long result = publication == null ? Publication.NOT_CONNECTED :
            publication.offer(stored, offset + EDGE_ID_LENGTH, length - EDGE_ID_LENGTH);
        if (result > 0)
        {
            return true;
        }
        if (result == Publication.BACK_PRESSURED || result == Publication.ADMIN_ACTION)
        {
            blocked = true;
            return false;
        }
        undelivered(result);
        return true;
    }

    private void undelivered(final long result)
    {
        if (result == Publication.NOT_CONNECTED)
        {
            counters.egressNotConnected.increment();
        }
        else
        {
            counters.egressClosed.increment();
        }
        counters.ingressRepliesUndelivered.incrementOrdered();
    }
}
