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
import io.quire.engine.egress.EgressPublisher;
import org.agrona.DirectBuffer;
import org.agrona.ExpandableArrayBuffer;
import org.agrona.concurrent.UnsafeBuffer;

/**
 * What the ingress thread sends to edges itself: rejects it decides before a command reaches a ring (overloaded,
 * not primary, malformed) and engine heartbeats. Encoders are held as fields; nothing is allocated per message.
 * Sends retry back-pressure only briefly: the ingress thread must keep draining.
 */
final class IngressPublisher
{
    /** The ingress must not stall on one slow edge: retry back-pressure for at most this long. */
    static final long RETRY_NS = 200_000;

    private static final UnsafeBuffer EMPTY = new UnsafeBuffer(new byte[0]);

    private final ExpandableArrayBuffer buffer = new ExpandableArrayBuffer(2048);
    private final MessageHeaderEncoder header = new MessageHeaderEncoder();
    private final OpRejectEncoder opReject = new OpRejectEncoder();
    private final RequestRejectEncoder requestReject = new RequestRejectEncoder();
    private final EngineHeartbeatEncoder heartbeat = new EngineHeartbeatEncoder();
    private final EngineCounters counters;

    IngressPublisher(final EngineCounters counters)
    {
        this.counters = counters;
    }

    /**
     * Refuse a SubmitOp. The var fields are echoed when the message was valid (else they are empty).
     */
    @SuppressWarnings("checkstyle:ParameterNumber")
    boolean opReject(
        final Publication publication, final long sessionId, final long requestId, final long docHash,
        final long baseVersion, final long seq, final int edgeId, final OpKind kind, final RejectReason reason,
        final DirectBuffer in, final int collectionOffset, final int collectionLength, final int docIdOffset,
        final int docIdLength, final int sourceOffset, final int sourceLength, final byte[] message)
    {
        final DirectBuffer vars = in == null ? EMPTY : in;
        opReject.wrapAndApplyHeader(buffer, 0, header)
            .sessionId(sessionId).requestId(requestId).docHash(docHash).baseVersion(baseVersion)
            .currentVersion(-1).seq(seq).edgeId(edgeId).opKind(kind).reason(reason)
            .putCollection(vars, collectionOffset, collectionLength)
            .putDocId(vars, docIdOffset, docIdLength)
            .putSource(vars, sourceOffset, sourceLength)
            .putMessage(message, 0, message.length);
        return send(publication, MessageHeaderEncoder.ENCODED_LENGTH + opReject.encodedLength());
    }

    /**
     * Refuse any other request.
     */
    @SuppressWarnings("checkstyle:ParameterNumber")
    boolean requestReject(
        final Publication publication, final long sessionId, final long requestId, final long routingHash,
        final int edgeId, final RequestKind kind, final RejectReason reason, final DirectBuffer in,
        final int collectionOffset, final int collectionLength, final int docIdOffset, final int docIdLength,
        final int channelOffset, final int channelLength, final byte[] message)
    {
        final DirectBuffer vars = in == null ? EMPTY : in;
        requestReject.wrapAndApplyHeader(buffer, 0, header)
            .sessionId(sessionId).requestId(requestId).routingHash(routingHash).edgeId(edgeId).requestKind(kind)
            .reason(reason)
            .putCollection(vars, collectionOffset, collectionLength)
            .putDocId(vars, docIdOffset, docIdLength)
            .putChannel(vars, channelOffset, channelLength)
            .putMessage(message, 0, message.length);
        return send(publication, MessageHeaderEncoder.ENCODED_LENGTH + requestReject.encodedLength());
    }

    boolean heartbeat(
        final Publication publication, final long epoch, final long timestampNs, final int nodeId,
        final int shardCount, final int shardBegin, final int shardEnd)
    {
        heartbeat.wrapAndApplyHeader(buffer, 0, header)
            .epoch(epoch).timestampNs(timestampNs).nodeId(nodeId).shardCount(shardCount).shardBegin(shardBegin)
            .shardEnd(shardEnd).role(NodeRole.PRIMARY);
        // Heartbeats are periodic and best effort (a new edge's publication is often not connected yet when it is
        // greeted): one try, and a miss is not an undelivered reply.
        final boolean sent = publication.offer(buffer, 0, MessageHeaderEncoder.ENCODED_LENGTH +
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

    private boolean send(final Publication publication, final int length)
    {
        final boolean sent = EgressPublisher.offer(publication, buffer, 0, length, RETRY_NS,
            counters.egressNotConnected, counters.egressBackPressureDrops, counters.egressBackPressureRetries,
            counters.egressClosed);
        if (!sent)
        {
            counters.ingressRepliesUndelivered.incrementOrdered();
        }
        return sent;
    }
}
