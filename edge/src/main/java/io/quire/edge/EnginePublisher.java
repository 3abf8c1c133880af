package io.quire.edge;

import io.aeron.Publication;
import io.quire.codec.protocol.AclAction;
import io.quire.codec.protocol.AclRequestEncoder;
import io.quire.codec.protocol.AclRole;
import io.quire.codec.protocol.EdgeHeartbeatEncoder;
import io.quire.codec.protocol.EdgeHelloEncoder;
import io.quire.codec.protocol.FetchSnapshotAtEncoder;
import io.quire.codec.protocol.HistoryRequestEncoder;
import io.quire.codec.protocol.MessageHeaderEncoder;
import io.quire.codec.protocol.NodeRole;
import io.quire.codec.protocol.OpKind;
import io.quire.codec.protocol.PresenceRequestEncoder;
import io.quire.codec.protocol.PresenceShape;
import io.quire.codec.protocol.PresenceSubscribeEncoder;
import io.quire.codec.protocol.PresenceUnsubscribeEncoder;
import io.quire.codec.protocol.PresenceUpdateEncoder;
import io.quire.codec.protocol.SessionClosedEncoder;
import io.quire.codec.protocol.SnapshotAtMode;
import io.quire.codec.protocol.SubmitOpEncoder;
import io.quire.codec.protocol.SubscribeEncoder;
import io.quire.codec.protocol.SubscribeMode;
import io.quire.codec.protocol.UnsubscribeEncoder;
import org.agrona.ExpandableArrayBuffer;

import java.util.List;

/**
 * Encodes edge requests as SBE and offers them to one engine's ingress {@link Publication} (a concurrent
 * publication: IO threads and the agent offer to it directly). Never blocks: a full or unconnected publication is
 * reported as a {@link Result} after a few immediate retries, and the caller answers the client with an error.
 * Encoders and the buffer are per thread.
 */
final class EnginePublisher
{
    /** Outcome of an offer. */
    enum Result
    {
        /** Sent. */
        OK,
        /** The publication is full (the engine is slow): retry later. */
        BACK_PRESSURED,
        /** No engine is subscribed to the ingress. */
        NOT_CONNECTED,
        /** The message is larger than the publication's max message length. */
        TOO_LARGE,
        /** The publication is closed (shutting down). */
        CLOSED
    }

    private static final int ATTEMPTS = 3;
    private static final ThreadLocal<Scratch> SCRATCH = ThreadLocal.withInitial(Scratch::new);

    private final ShardMap.Entry engine;
    private final Publication publication;
    private final int edgeId;
    private final Runnable waker;

    private static final class Scratch
    {
        final ExpandableArrayBuffer buffer = new ExpandableArrayBuffer(4096);
        final MessageHeaderEncoder header = new MessageHeaderEncoder();
        final SubmitOpEncoder submit = new SubmitOpEncoder();
        final SubscribeEncoder subscribe = new SubscribeEncoder();
        final UnsubscribeEncoder unsubscribe = new UnsubscribeEncoder();
        final FetchSnapshotAtEncoder fetchAt = new FetchSnapshotAtEncoder();
        final HistoryRequestEncoder history = new HistoryRequestEncoder();
        final PresenceUpdateEncoder presence = new PresenceUpdateEncoder();
        final PresenceSubscribeEncoder presenceSubscribe = new PresenceSubscribeEncoder();
        final PresenceUnsubscribeEncoder presenceUnsubscribe = new PresenceUnsubscribeEncoder();
        final PresenceRequestEncoder presenceRequest = new PresenceRequestEncoder();
        final SessionClosedEncoder sessionClosed = new SessionClosedEncoder();
        final AclRequestEncoder acl = new AclRequestEncoder();
        final EdgeHelloEncoder hello = new EdgeHelloEncoder();
        final EdgeHeartbeatEncoder heartbeat = new EdgeHeartbeatEncoder();
    }

    /**
     * @param engine      the engine's shard map entry.
     * @param publication its ingress publication.
     * @param edgeId      this edge's id.
     * @param waker       run after each message handed to the publication (wakes an engine in this JVM).
     */
    EnginePublisher(final ShardMap.Entry engine, final Publication publication, final int edgeId, final Runnable waker)
    {
        this.waker = waker;
        this.engine = engine;
        this.publication = publication;
        this.edgeId = edgeId;
    }

    /** @return the engine's map entry. */
    ShardMap.Entry engine()
    {
        return engine;
    }

    /** @return true if an engine is subscribed to the ingress. */
    boolean isConnected()
    {
        return publication.isConnected();
    }

    /** @return the Aeron session id of the publication (what the engine sees as its ingress image's). */
    int sessionId()
    {
        return publication.sessionId();
    }

    /** @return the publication. */
    Publication publication()
    {
        return publication;
    }

    @SuppressWarnings("checkstyle:ParameterNumber")
    Result submitOp(
        final long sessionId, final long requestId, final long docHash, final long baseVersion, final long seq,
        final OpKind kind, final List<TextOpJson.Component> components, final String collection, final String docId,
        final String source, final String principal, final String createType, final String createData)
    {
        final Scratch s = SCRATCH.get();
        final SubmitOpEncoder e = s.submit.wrapAndApplyHeader(s.buffer, 0, s.header)
            .sessionId(sessionId).requestId(requestId).docHash(docHash).baseVersion(baseVersion).seq(seq)
            .edgeId(edgeId).opKind(kind);
        final SubmitOpEncoder.ComponentsEncoder group = e.componentsCount(components.size());
        for (final TextOpJson.Component c : components)
        {
            group.next().kind(c.kind()).length(c.length()).text(c.text());
        }
        e.collection(collection).docId(docId).source(source).principal(principal)
            .createType(createType).createData(createData);
        return offer(s, MessageHeaderEncoder.ENCODED_LENGTH + e.encodedLength());
    }

    Result subscribe(
        final long sessionId, final long requestId, final long docHash, final long fromVersion,
        final SubscribeMode mode, final String collection, final String docId, final String principal)
    {
        final Scratch s = SCRATCH.get();
        final SubscribeEncoder e = s.subscribe.wrapAndApplyHeader(s.buffer, 0, s.header)
            .sessionId(sessionId).requestId(requestId).docHash(docHash).fromVersion(fromVersion).edgeId(edgeId)
            .mode(mode).collection(collection).docId(docId).principal(principal);
        return offer(s, MessageHeaderEncoder.ENCODED_LENGTH + e.encodedLength());
    }

    @SuppressWarnings("checkstyle:ParameterNumber")
    Result aclRequest(
        final long sessionId, final long requestId, final long docHash, final AclAction action, final AclRole role,
        final String collection, final String docId, final String user, final String principal)
    {
        final Scratch s = SCRATCH.get();
        final AclRequestEncoder e = s.acl.wrapAndApplyHeader(s.buffer, 0, s.header)
            .sessionId(sessionId).requestId(requestId).docHash(docHash).edgeId(edgeId).action(action).role(role)
            .collection(collection).docId(docId).user(user).principal(principal);
        return offer(s, MessageHeaderEncoder.ENCODED_LENGTH + e.encodedLength());
    }

    Result unsubscribe(
        final long sessionId, final long requestId, final long docHash, final String collection, final String docId)
    {
        final Scratch s = SCRATCH.get();
        final UnsubscribeEncoder e = s.unsubscribe.wrapAndApplyHeader(s.buffer, 0, s.header)
            .sessionId(sessionId).requestId(requestId).docHash(docHash).edgeId(edgeId)
            .collection(collection).docId(docId);
        return offer(s, MessageHeaderEncoder.ENCODED_LENGTH + e.encodedLength());
    }

    @SuppressWarnings("checkstyle:ParameterNumber")
    Result fetchSnapshotAt(
        final long sessionId, final long requestId, final long docHash, final SnapshotAtMode mode,
        final long atVersion, final long atTimestampNs, final String collection, final String docId,
        final String principal)
    {
        final Scratch s = SCRATCH.get();
        final FetchSnapshotAtEncoder e = s.fetchAt.wrapAndApplyHeader(s.buffer, 0, s.header)
            .sessionId(sessionId).requestId(requestId).docHash(docHash).atVersion(atVersion)
            .atTimestampNs(atTimestampNs).edgeId(edgeId).mode(mode)
            .collection(collection).docId(docId).principal(principal);
        return offer(s, MessageHeaderEncoder.ENCODED_LENGTH + e.encodedLength());
    }

    @SuppressWarnings("checkstyle:ParameterNumber")
    Result history(
        final long sessionId, final long requestId, final long docHash, final long fromVersion, final int maxEntries,
        final String collection, final String docId, final String principal)
    {
        final Scratch s = SCRATCH.get();
        final HistoryRequestEncoder e = s.history.wrapAndApplyHeader(s.buffer, 0, s.header)
            .sessionId(sessionId).requestId(requestId).docHash(docHash).fromVersion(fromVersion)
            .maxEntries(maxEntries).edgeId(edgeId)
            .collection(collection).docId(docId).principal(principal);
        return offer(s, MessageHeaderEncoder.ENCODED_LENGTH + e.encodedLength());
    }

    @SuppressWarnings("checkstyle:ParameterNumber")
    Result presenceUpdate(
        final long sessionId, final long requestId, final long channelHash, final long docVersion,
        final long presenceVersion, final long index, final long length, final PresenceShape shape,
        final String channel, final String presenceId, final String source, final String collection,
        final String docId, final String principal, final String value)
    {
        final Scratch s = SCRATCH.get();
        final PresenceUpdateEncoder e = s.presence.wrapAndApplyHeader(s.buffer, 0, s.header)
            .sessionId(sessionId).requestId(requestId).channelHash(channelHash).docVersion(docVersion)
            .presenceVersion(presenceVersion).edgeId(edgeId).index(index).length(length).shape(shape)
            .channel(channel).presenceId(presenceId).source(source).collection(collection).docId(docId)
            .principal(principal).value(value);
        return offer(s, MessageHeaderEncoder.ENCODED_LENGTH + e.encodedLength());
    }

    Result presenceSubscribe(
        final long sessionId, final long requestId, final long channelHash, final String channel,
        final String principal)
    {
        final Scratch s = SCRATCH.get();
        final PresenceSubscribeEncoder e = s.presenceSubscribe.wrapAndApplyHeader(s.buffer, 0, s.header)
            .sessionId(sessionId).requestId(requestId).channelHash(channelHash).edgeId(edgeId)
            .channel(channel).principal(principal);
        return offer(s, MessageHeaderEncoder.ENCODED_LENGTH + e.encodedLength());
    }

    Result presenceUnsubscribe(
        final long sessionId, final long requestId, final long channelHash, final String channel)
    {
        final Scratch s = SCRATCH.get();
        final PresenceUnsubscribeEncoder e = s.presenceUnsubscribe.wrapAndApplyHeader(s.buffer, 0, s.header)
            .sessionId(sessionId).requestId(requestId).channelHash(channelHash).edgeId(edgeId).channel(channel);
        return offer(s, MessageHeaderEncoder.ENCODED_LENGTH + e.encodedLength());
    }

    Result presenceRequest(final long sessionId, final long requestId, final long channelHash, final String channel)
    {
        final Scratch s = SCRATCH.get();
        final PresenceRequestEncoder e = s.presenceRequest.wrapAndApplyHeader(s.buffer, 0, s.header)
            .sessionId(sessionId).requestId(requestId).channelHash(channelHash).edgeId(edgeId).channel(channel);
        return offer(s, MessageHeaderEncoder.ENCODED_LENGTH + e.encodedLength());
    }

    Result sessionClosed(final long sessionId, final long requestId)
    {
        final Scratch s = SCRATCH.get();
        final SessionClosedEncoder e = s.sessionClosed.wrapAndApplyHeader(s.buffer, 0, s.header)
            .sessionId(sessionId).requestId(requestId).edgeId(edgeId);
        return offer(s, MessageHeaderEncoder.ENCODED_LENGTH + e.encodedLength());
    }

    Result hello(final long edgeEpoch, final long nowEpochNs, final String replyChannel, final int replyStream)
    {
        final Scratch s = SCRATCH.get();
        final EdgeHelloEncoder e = s.hello.wrapAndApplyHeader(s.buffer, 0, s.header)
            .edgeEpoch(edgeEpoch).timestampNs(nowEpochNs).edgeId(edgeId).responseStreamId(replyStream)
            .role(NodeRole.EDGE).responseChannel(replyChannel);
        return offer(s, MessageHeaderEncoder.ENCODED_LENGTH + e.encodedLength());
    }

    Result heartbeat(final long edgeEpoch, final long nowEpochNs, final String replyChannel, final int replyStream)
    {
        final Scratch s = SCRATCH.get();
        final EdgeHeartbeatEncoder e = s.heartbeat.wrapAndApplyHeader(s.buffer, 0, s.header)
            .edgeEpoch(edgeEpoch).timestampNs(nowEpochNs).edgeId(edgeId).responseStreamId(replyStream)
            .role(NodeRole.EDGE).responseChannel(replyChannel);
        return offer(s, MessageHeaderEncoder.ENCODED_LENGTH + e.encodedLength());
    }

    private Result offer(final Scratch s, final int length)
    {
        if (length > publication.maxMessageLength())
        {
            return Result.TOO_LARGE;
        }
        for (int attempt = 0; attempt < ATTEMPTS; attempt++)
        {
            final long position = publication.offer(s.buffer, 0, length);
            if (position > 0)
            {
                waker.run();
                return Result.OK;
            }
            if (position == Publication.NOT_CONNECTED)
            {
                return Result.NOT_CONNECTED;
            }
            if (position == Publication.CLOSED || position == Publication.MAX_POSITION_EXCEEDED)
            {
                return Result.CLOSED;
            }
            // BACK_PRESSURED or ADMIN_ACTION: a term rotation or a momentarily full term; retry at once, a few times.
        }
        return Result.BACK_PRESSURED;
    }
}
