package io.quire.edge;

import io.aeron.logbuffer.FragmentHandler;
import io.aeron.logbuffer.Header;
import io.quire.codec.MalformedMessageException;
import io.quire.codec.MessageValidator;
import io.quire.codec.protocol.DocSnapshotDecoder;
import io.quire.codec.protocol.EngineHeartbeatDecoder;
import io.quire.codec.protocol.HistoryEntryDecoder;
import io.quire.codec.protocol.MessageHeaderDecoder;
import io.quire.codec.protocol.OpAckDecoder;
import io.quire.codec.protocol.OpBroadcastDecoder;
import io.quire.codec.protocol.OpRejectDecoder;
import io.quire.codec.protocol.PresenceBroadcastDecoder;
import io.quire.codec.protocol.PresenceRequestBroadcastDecoder;
import io.quire.codec.protocol.RequestDoneDecoder;
import io.quire.codec.protocol.RequestRejectDecoder;
import org.agrona.DirectBuffer;
import org.agrona.concurrent.UnsafeBuffer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Decodes what engines send to this edge (after {@link MessageValidator} passed it) and hands it to the
 * {@link ReplyDispatcher}. Messages addressed to another edge are dropped, and so is everything but heartbeats from
 * an engine that is not the primary of the newest epoch for its shards ({@link EngineLinks#accepts}). Reply agent
 * thread only.
 */
final class ReplyAdapter implements FragmentHandler
{
    private static final Logger LOG = LoggerFactory.getLogger(ReplyAdapter.class);

    private final MessageValidator validator;
    private final ReplyDispatcher dispatcher;
    private final long edgeId;
    private final EdgeMetrics metrics;
    private final UnsafeBuffer view = new UnsafeBuffer(new byte[0]);
    private final MessageHeaderDecoder header = new MessageHeaderDecoder();
    private final OpAckDecoder ack = new OpAckDecoder();
    private final OpRejectDecoder reject = new OpRejectDecoder();
    private final OpBroadcastDecoder broadcast = new OpBroadcastDecoder();
    private final DocSnapshotDecoder snapshot = new DocSnapshotDecoder();
    private final RequestDoneDecoder done = new RequestDoneDecoder();
    private final RequestRejectDecoder requestReject = new RequestRejectDecoder();
    private final PresenceBroadcastDecoder presence = new PresenceBroadcastDecoder();
    private final PresenceRequestBroadcastDecoder presenceRequest = new PresenceRequestBroadcastDecoder();
    private final EngineHeartbeatDecoder heartbeat = new EngineHeartbeatDecoder();
    private final io.quire.codec.protocol.AclStateDecoder aclState = new io.quire.codec.protocol.AclStateDecoder();
    private final HistoryEntryDecoder historyEntry = new HistoryEntryDecoder();
    private long lastMalformedLogNs;

    ReplyAdapter(
        final MessageValidator validator, final ReplyDispatcher dispatcher, final int edgeId, final EdgeMetrics metrics)
    {
        this.validator = validator;
        this.dispatcher = dispatcher;
        this.edgeId = edgeId;
        this.metrics = metrics;
    }

    /** {@inheritDoc} */
    public void onFragment(final DirectBuffer buffer, final int offset, final int length, final Header aeronHeader)
    {
        final long receivedNs = System.nanoTime();
        final int templateId;
        try
        {
            templateId = validator.validate(buffer, offset, length);
        }
        catch (final MalformedMessageException ex)
        {
            metrics.malformedReply();
            if (receivedNs - lastMalformedLogNs > 1_000_000_000L)
            {
                lastMalformedLogNs = receivedNs;
                LOG.warn("dropped a malformed engine message: {}", ex.getMessage());
            }
            return;
        }
        if (templateId != EngineHeartbeatDecoder.TEMPLATE_ID && !dispatcher.acceptsFrom(aeronHeader.sessionId()))
        {
            metrics.fencedMessage();
            return;
        }
        view.wrap(buffer, offset, length);
        header.wrap(view, 0);
        final int blockLength = header.blockLength();
        final int version = header.version();
        final int at = MessageHeaderDecoder.ENCODED_LENGTH;
        try
        {
            switch (templateId)
            {
                case OpBroadcastDecoder.TEMPLATE_ID:
                    broadcast.wrap(view, at, blockLength, version);
                    if (isForMe(broadcast.targetEdgeId()))
                    {
                        dispatcher.onOpBroadcast(broadcast, receivedNs);
                    }
                    break;
                case OpAckDecoder.TEMPLATE_ID:
                    ack.wrap(view, at, blockLength, version);
                    if (ack.edgeId() == edgeId)
                    {
                        dispatcher.onOpAck(ack, receivedNs);
                    }
                    break;
                case OpRejectDecoder.TEMPLATE_ID:
                    reject.wrap(view, at, blockLength, version);
                    if (reject.edgeId() == edgeId)
                    {
                        dispatcher.onOpReject(reject);
                    }
                    break;
                case DocSnapshotDecoder.TEMPLATE_ID:
                    snapshot.wrap(view, at, blockLength, version);
                    if (snapshot.edgeId() == edgeId)
                    {
                        dispatcher.onDocSnapshot(snapshot);
                    }
                    break;
                case RequestDoneDecoder.TEMPLATE_ID:
                    done.wrap(view, at, blockLength, version);
                    if (done.edgeId() == edgeId)
                    {
                        dispatcher.onRequestDone(done);
                    }
                    break;
                case RequestRejectDecoder.TEMPLATE_ID:
                    requestReject.wrap(view, at, blockLength, version);
                    if (requestReject.edgeId() == edgeId)
                    {
                        dispatcher.onRequestReject(requestReject);
                    }
                    break;
                case PresenceBroadcastDecoder.TEMPLATE_ID:
                    presence.wrap(view, at, blockLength, version);
                    if (isForMe(presence.targetEdgeId()))
                    {
                        dispatcher.onPresenceBroadcast(presence);
                    }
                    break;
                case PresenceRequestBroadcastDecoder.TEMPLATE_ID:
                    presenceRequest.wrap(view, at, blockLength, version);
                    if (isForMe(presenceRequest.targetEdgeId()))
                    {
                        dispatcher.onPresenceRequestBroadcast(presenceRequest);
                    }
                    break;
                case io.quire.codec.protocol.AclStateDecoder.TEMPLATE_ID:
                    aclState.wrap(view, at, blockLength, version);
                    if (aclState.edgeId() == edgeId)
                    {
                        dispatcher.onAclState(aclState);
                    }
                    break;
                case HistoryEntryDecoder.TEMPLATE_ID:
                    historyEntry.wrap(view, at, blockLength, version);
                    if (historyEntry.edgeId() == edgeId)
                    {
                        dispatcher.onHistoryEntry(historyEntry);
                    }
                    break;
                case EngineHeartbeatDecoder.TEMPLATE_ID:
                    heartbeat.wrap(view, at, blockLength, version);
                    dispatcher.onEngineHeartbeat(aeronHeader.sessionId(), heartbeat);
                    break;
                default:
                    break;
            }
        }
        catch (final RuntimeException ex)
        {
            // One bad reply must not stop the agent: every other session's replies flow through here.
            LOG.error("failed to handle engine message template {}", templateId, ex);
        }
    }

    private boolean isForMe(final long targetEdgeId)
    {
        return targetEdgeId == 0 || targetEdgeId == edgeId;
    }
}
