package io.quire.engine.client;

import io.aeron.Aeron;
import io.aeron.ChannelUri;
import io.aeron.CommonContext;
import io.aeron.ExclusivePublication;
import io.aeron.FragmentAssembler;
import io.aeron.Publication;
import io.aeron.Subscription;
import io.aeron.logbuffer.FragmentHandler;
import io.aeron.logbuffer.Header;
import io.quire.codec.ShardRouter;
import io.quire.codec.Utf8;
import io.quire.codec.protocol.BooleanType;
import io.quire.codec.protocol.ComponentKind;
import io.quire.codec.protocol.DocSnapshotDecoder;
import io.quire.codec.protocol.EdgeHeartbeatEncoder;
import io.quire.codec.protocol.EdgeHelloEncoder;
import io.quire.codec.protocol.EngineHeartbeatDecoder;
import io.quire.codec.protocol.FetchSnapshotAtEncoder;
import io.quire.codec.protocol.MessageHeaderDecoder;
import io.quire.codec.protocol.MessageHeaderEncoder;
import io.quire.codec.protocol.NodeRole;
import io.quire.codec.protocol.OpAckDecoder;
import io.quire.codec.protocol.OpBroadcastDecoder;
import io.quire.codec.protocol.OpKind;
import io.quire.codec.protocol.OpRejectDecoder;
import io.quire.codec.protocol.PresenceBroadcastDecoder;
import io.quire.codec.protocol.PresenceRequestBroadcastDecoder;
import io.quire.codec.protocol.PresenceRequestEncoder;
import io.quire.codec.protocol.PresenceShape;
import io.quire.codec.protocol.PresenceSubscribeEncoder;
import io.quire.codec.protocol.PresenceUnsubscribeEncoder;
import io.quire.codec.protocol.PresenceUpdateEncoder;
import io.quire.codec.protocol.RejectReason;
import io.quire.codec.protocol.RequestDoneDecoder;
import io.quire.codec.protocol.RequestKind;
import io.quire.codec.protocol.RequestRejectDecoder;
import io.quire.codec.protocol.SessionClosedEncoder;
import io.quire.codec.protocol.SnapshotAtMode;
import io.quire.codec.protocol.SubmitOpEncoder;
import io.quire.codec.protocol.SubscribeEncoder;
import io.quire.codec.protocol.SubscribeMode;
import io.quire.codec.protocol.UnsubscribeEncoder;
import io.quire.engine.ot.TextOp;
import org.agrona.CloseHelper;
import org.agrona.DirectBuffer;
import org.agrona.ExpandableArrayBuffer;
import org.agrona.collections.Long2ObjectHashMap;
import org.agrona.concurrent.UnsafeBuffer;

import java.nio.charset.StandardCharsets;
import java.util.concurrent.TimeUnit;

/**
 * A client of an engine node that acts as an edge: it says hello with its reply channel, keeps sending heartbeats
 * (so an engine that restarted learns the reply channel again), encodes requests, and {@link #poll polls} replies
 * into a {@link Listener}. Used by the benchmark and tests; single-threaded (all calls from one thread).
 * <p>
 * Send methods return the request id (&gt; 0) when the ingress publication took the request, or the negative
 * {@link Publication} result ({@link Publication#BACK_PRESSURED}, {@link Publication#NOT_CONNECTED}, ...) when it
 * did not; the caller decides whether to retry. Encoding reuses flyweights and buffers: a submit allocates nothing.
 * <p>
 * The engine's contract for a subscribed edge: the broadcast of an op names its origin session, and that copy is the
 * origin session's ack (no separate OpAck is sent). The client turns it into {@link Listener#onAck} for the origin
 * session before passing the op on with {@link Listener#onOp}; a listener skips the origin session there.
 */
public final class EngineClient implements AutoCloseable
{
    /** Default interval of EdgeHeartbeats. */
    public static final long HEARTBEAT_INTERVAL_NS = TimeUnit.MILLISECONDS.toNanos(100);
    /** Default silence after which the engine counts as down. */
    public static final long ENGINE_TIMEOUT_NS = TimeUnit.SECONDS.toNanos(1);

    /** Receives replies; every method has an empty default. Views passed in are valid only during the call. */
    public interface Listener
    {
        /**
         * An op was committed (or recognised as a duplicate) at {@code version}.
         *
         * @param sessionId submitting session.
         * @param requestId its request id.
         * @param docHash   the document.
         * @param version   version the op was applied at.
         * @param seq       the op's seq.
         */
        default void onAck(long sessionId, long requestId, long docHash, long version, long seq)
        {
        }

        /**
         * An op was refused.
         *
         * @param sessionId      submitting session.
         * @param requestId      its request id.
         * @param docHash        the document.
         * @param seq            the op's seq.
         * @param reason         why.
         * @param currentVersion the document's version when refused, -1 if unknown.
         * @param message        human-readable detail.
         */
        default void onReject(
            long sessionId, long requestId, long docHash, long seq, RejectReason reason, long currentVersion,
            String message)
        {
        }

        /**
         * A committed op: a broadcast (target 0) or a catch-up op for one session.
         *
         * @param op the op (reused view).
         */
        default void onOp(ReceivedOp op)
        {
        }

        /**
         * A whole document snapshot (its chunks assembled).
         *
         * @param sessionId requesting session.
         * @param requestId the request.
         * @param docHash   the document.
         * @param version   snapshot version.
         * @param docType   type URI, or null for ShareDB's type null (missing or deleted).
         * @param text      the text.
         * @param kind      FETCH, SUBSCRIBE, SNAPSHOT_AT_VERSION or SNAPSHOT_AT_TIME.
         */
        default void onSnapshot(
            long sessionId, long requestId, long docHash, long version, String docType, String text, RequestKind kind)
        {
        }

        /**
         * A request finished without payload (after catch-up ops, unsubscribe, presence (un)subscribe).
         *
         * @param sessionId   requesting session.
         * @param requestId   the request.
         * @param routingHash the document or channel.
         * @param version     FETCH / SUBSCRIBE: the version after the catch-up ops; -1 otherwise.
         * @param kind        which request.
         */
        default void onDone(long sessionId, long requestId, long routingHash, long version, RequestKind kind)
        {
        }

        /**
         * A request other than a submit was refused.
         *
         * @param sessionId   requesting session.
         * @param requestId   the request.
         * @param routingHash the document or channel.
         * @param kind        which request.
         * @param reason      why.
         * @param message     human-readable detail.
         */
        default void onRequestReject(
            long sessionId, long requestId, long routingHash, RequestKind kind, RejectReason reason, String message)
        {
        }

        /**
         * A presence value.
         *
         * @param targetSessionId 0 for every subscriber of the channel, else one session.
         * @param originSessionId whose presence (its own copy is its ack).
         * @param originEdgeId    the origin's edge.
         * @param channelHash     the channel.
         * @param docVersion      version the value was transformed to, -1 for a non-document channel.
         * @param presenceVersion ShareDB pv.
         * @param shape           NULL, INDEX_LENGTH or OPAQUE.
         * @param index           INDEX_LENGTH: the index.
         * @param length          INDEX_LENGTH: the length.
         * @param channel         the channel.
         * @param presenceId      ShareDB presence id.
         * @param value           the JSON value or extra fields.
         */
        default void onPresence(
            long targetSessionId, long originSessionId, int originEdgeId, long channelHash, long docVersion,
            long presenceVersion, PresenceShape shape, long index, long length, String channel, String presenceId,
            String value)
        {
        }

        /**
         * Subscribers of a channel are asked to resend their presence.
         *
         * @param targetSessionId 0 for every subscriber except the origin, else one session.
         * @param originSessionId who asked.
         * @param channelHash     the channel.
         * @param channel         the channel.
         */
        default void onPresenceRequest(long targetSessionId, long originSessionId, long channelHash, String channel)
        {
        }

        /**
         * Every EngineHeartbeat.
         *
         * @param nodeId     the engine.
         * @param epoch      its epoch.
         * @param shardCount total shards.
         * @param shardBegin first shard it serves.
         * @param shardEnd   one past the last.
         */
        default void onEngineHeartbeat(int nodeId, long epoch, int shardCount, int shardBegin, int shardEnd)
        {
        }

        /**
         * The engine knows this client (first heartbeat, or the first from a new engine incarnation): requests sent
         * from now on will be answered. A client resends its unacknowledged ops and resubscribes here.
         *
         * @param nodeId the engine.
         * @param epoch  its epoch.
         */
        default void onEngineUp(int nodeId, long epoch)
        {
        }

        /** The engine fell silent or was replaced by a new incarnation: outstanding requests may never be answered. */
        default void onEngineDown()
        {
        }
    }

    private static final UnsafeBuffer EMPTY = new UnsafeBuffer(new byte[0]);

    private final Aeron aeron;
    private final ExclusivePublication ingress;
    private final Subscription replies;
    private final FragmentAssembler assembler;
    private final Listener listener;
    private final int edgeId;
    private final long edgeEpoch;
    private final String replyChannel;
    private final int replyStream;
    private final NodeRole role;
    private long heartbeatIntervalNs = HEARTBEAT_INTERVAL_NS;
    private long engineTimeoutNs = ENGINE_TIMEOUT_NS;
    private long nextHeartbeatNs;
    private boolean helloSent;
    private long lastEngineNs;
    private boolean engineUp;
    private int engineImageSession;
    private long nextRequestId = 1;

    private final ExpandableArrayBuffer buffer = new ExpandableArrayBuffer(4096);
    private final ExpandableArrayBuffer text = new ExpandableArrayBuffer(1024);
    private final MessageHeaderEncoder headerEncoder = new MessageHeaderEncoder();
    private final EdgeHelloEncoder helloEncoder = new EdgeHelloEncoder();
    private final EdgeHeartbeatEncoder heartbeatEncoder = new EdgeHeartbeatEncoder();
    private final SubmitOpEncoder submitEncoder = new SubmitOpEncoder();
    private final SubscribeEncoder subscribeEncoder = new SubscribeEncoder();
    private final UnsubscribeEncoder unsubscribeEncoder = new UnsubscribeEncoder();
    private final FetchSnapshotAtEncoder fetchAtEncoder = new FetchSnapshotAtEncoder();
    private final PresenceUpdateEncoder presenceUpdateEncoder = new PresenceUpdateEncoder();
    private final PresenceSubscribeEncoder presenceSubscribeEncoder = new PresenceSubscribeEncoder();
    private final PresenceUnsubscribeEncoder presenceUnsubscribeEncoder = new PresenceUnsubscribeEncoder();
    private final PresenceRequestEncoder presenceRequestEncoder = new PresenceRequestEncoder();
    private final SessionClosedEncoder sessionClosedEncoder = new SessionClosedEncoder();
    private final byte[] replyChannelBytes;

    private final MessageHeaderDecoder headerDecoder = new MessageHeaderDecoder();
    private final OpAckDecoder ackDecoder = new OpAckDecoder();
    private final OpRejectDecoder rejectDecoder = new OpRejectDecoder();
    private final OpBroadcastDecoder broadcastDecoder = new OpBroadcastDecoder();
    private final DocSnapshotDecoder snapshotDecoder = new DocSnapshotDecoder();
    private final RequestDoneDecoder doneDecoder = new RequestDoneDecoder();
    private final RequestRejectDecoder requestRejectDecoder = new RequestRejectDecoder();
    private final PresenceBroadcastDecoder presenceDecoder = new PresenceBroadcastDecoder();
    private final PresenceRequestBroadcastDecoder presenceRequestDecoder = new PresenceRequestBroadcastDecoder();
    private final EngineHeartbeatDecoder engineHeartbeatDecoder = new EngineHeartbeatDecoder();
    private final ReceivedOp received = new ReceivedOp();
    private final Long2ObjectHashMap<SnapshotAssembly> snapshots = new Long2ObjectHashMap<>();
    private final FragmentHandler handler = this::onFragment;

    private static final class SnapshotAssembly
    {
        final StringBuilder text = new StringBuilder();
    }

    private EngineClient(
        final Aeron aeron, final String ingressChannel, final int ingressStream, final int edgeId,
        final String replyChannel, final int replyStream, final Listener listener, final NodeRole role)
    {
        this.aeron = aeron;
        this.edgeId = edgeId;
        this.listener = listener;
        this.role = role;
        this.replyStream = replyStream;
        // An incarnation number that grows across restarts of the same edge id.
        this.edgeEpoch = System.currentTimeMillis() * 1000 + (System.nanoTime() / 1000) % 1000;
        Subscription subscription = null;
        ExclusivePublication publication = null;
        try
        {
            subscription = aeron.addSubscription(replyChannel, replyStream);
            this.replyChannel = resolve(replyChannel, subscription);
            publication = aeron.addExclusivePublication(ingressChannel, ingressStream);
        }
        catch (final RuntimeException ex)
        {
            CloseHelper.quietClose(subscription);
            CloseHelper.quietClose(publication);
            throw ex;
        }
        this.replies = subscription;
        this.ingress = publication;
        this.replyChannelBytes = this.replyChannel.getBytes(StandardCharsets.UTF_8);
        this.assembler = new FragmentAssembler(handler);
        this.nextHeartbeatNs = System.nanoTime();
    }

    /**
     * Create a client; it says hello on its first {@link #poll} once the ingress is connected.
     *
     * @param aeron          the Aeron client to use (not closed by this client).
     * @param ingressChannel the engine's ingress channel.
     * @param ingressStream  its stream.
     * @param edgeId         this client's edge id (unique among the engine's edges).
     * @param replyChannel   where replies go: {@code aeron:ipc}, or UDP, e.g. {@code aeron:udp?endpoint=127.0.0.1:0}
     *                       (a port 0 is resolved to the real port before the hello).
     * @param replyStream    the reply stream id.
     * @param listener       receives replies.
     * @return the client.
     */
    public static EngineClient connect(
        final Aeron aeron, final String ingressChannel, final int ingressStream, final int edgeId,
        final String replyChannel, final int replyStream, final Listener listener)
    {
        return new EngineClient(aeron, ingressChannel, ingressStream, edgeId, replyChannel, replyStream, listener,
            NodeRole.EDGE);
    }

    /**
     * As {@link #connect}, announcing itself as a tool (a load generator) rather than an edge.
     *
     * @param aeron          the Aeron client.
     * @param ingressChannel the engine's ingress channel.
     * @param ingressStream  its stream.
     * @param edgeId         this client's edge id.
     * @param replyChannel   where replies go.
     * @param replyStream    the reply stream id.
     * @param listener       receives replies.
     * @return the client.
     */
    public static EngineClient connectTool(
        final Aeron aeron, final String ingressChannel, final int ingressStream, final int edgeId,
        final String replyChannel, final int replyStream, final Listener listener)
    {
        return new EngineClient(aeron, ingressChannel, ingressStream, edgeId, replyChannel, replyStream, listener,
            NodeRole.TOOL);
    }

    private static String resolve(final String channel, final Subscription subscription)
    {
        final ChannelUri uri = ChannelUri.parse(channel);
        final String endpoint = uri.get(CommonContext.ENDPOINT_PARAM_NAME);
        if (!CommonContext.UDP_MEDIA.equals(uri.media()) || endpoint == null || !endpoint.endsWith(":0"))
        {
            return channel;
        }
        final long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        String actual;
        while ((actual = subscription.resolvedEndpoint()) == null)
        {
            if (System.nanoTime() - deadline > 0)
            {
                throw new IllegalStateException("reply endpoint " + endpoint + " not resolved in 10 s");
            }
            Thread.yield();
        }
        uri.put(CommonContext.ENDPOINT_PARAM_NAME, actual);
        return uri.toString();
    }

    /**
     * @param nanos interval between EdgeHeartbeats.
     * @return this.
     */
    public EngineClient heartbeatIntervalNs(final long nanos)
    {
        this.heartbeatIntervalNs = nanos;
        return this;
    }

    /**
     * @param nanos silence after which the engine counts as down.
     * @return this.
     */
    public EngineClient engineTimeoutNs(final long nanos)
    {
        this.engineTimeoutNs = nanos;
        return this;
    }

    /** @return this client's edge id. */
    public int edgeId()
    {
        return edgeId;
    }

    /** @return this client's incarnation. */
    public long edgeEpoch()
    {
        return edgeEpoch;
    }

    /** @return the reply channel sent in hellos (a UDP port 0 resolved). */
    public String replyChannel()
    {
        return replyChannel;
    }

    /** @return true while the engine's heartbeats arrive. */
    public boolean isEngineUp()
    {
        return engineUp;
    }

    /** @return true if the ingress publication is connected to the engine. */
    public boolean isConnected()
    {
        return ingress.isConnected();
    }

    /**
     * Do the client's work: hello and heartbeats when due, engine liveness, and up to {@code limit} replies.
     *
     * @param limit most fragments to read.
     * @return work done (0 when idle).
     */
    public int poll(final int limit)
    {
        final long now = System.nanoTime();
        int work = 0;
        if (now - nextHeartbeatNs >= 0)
        {
            nextHeartbeatNs = now + heartbeatIntervalNs;
            if (sendHello(!helloSent) > 0)
            {
                helloSent = true;
            }
            work++;
        }
        if (engineUp && now - lastEngineNs > engineTimeoutNs)
        {
            engineUp = false;
            listener.onEngineDown();
            work++;
        }
        return work + replies.poll(assembler, limit);
    }

    private long sendHello(final boolean hello)
    {
        final int length;
        if (hello)
        {
            helloEncoder.wrapAndApplyHeader(buffer, 0, headerEncoder)
                .edgeEpoch(edgeEpoch).timestampNs(System.currentTimeMillis() * 1_000_000L).edgeId(edgeId)
                .responseStreamId(replyStream).role(role)
                .putResponseChannel(replyChannelBytes, 0, replyChannelBytes.length);
            length = MessageHeaderEncoder.ENCODED_LENGTH + helloEncoder.encodedLength();
        }
        else
        {
            heartbeatEncoder.wrapAndApplyHeader(buffer, 0, headerEncoder)
                .edgeEpoch(edgeEpoch).timestampNs(System.currentTimeMillis() * 1_000_000L).edgeId(edgeId)
                .responseStreamId(replyStream).role(role)
                .putResponseChannel(replyChannelBytes, 0, replyChannelBytes.length);
            length = MessageHeaderEncoder.ENCODED_LENGTH + heartbeatEncoder.encodedLength();
        }
        return ingress.offer(buffer, 0, length);
    }

    // ------------------------------------------------------------------------------------------------------------
    // Requests

    /**
     * Submit an edit.
     *
     * @param sessionId   the submitting session (non-zero).
     * @param doc         the document.
     * @param baseVersion the session's version of the document.
     * @param source      the op's src, UTF-8.
     * @param seq         the op's seq.
     * @param op          the op.
     * @return the request id, or a negative {@link Publication} result.
     */
    public long submitEdit(
        final long sessionId, final DocRef doc, final long baseVersion, final byte[] source, final long seq,
        final TextOp op)
    {
        return submit(sessionId, doc, baseVersion, source, seq, OpKind.EDIT, op, null);
    }

    /**
     * Create a text-unicode document.
     *
     * @param sessionId   the submitting session.
     * @param doc         the document.
     * @param baseVersion the session's version, -1 if it never fetched.
     * @param source      src, UTF-8.
     * @param seq         seq.
     * @param data        the initial text.
     * @return the request id, or a negative {@link Publication} result.
     */
    public long submitCreate(
        final long sessionId, final DocRef doc, final long baseVersion, final byte[] source, final long seq,
        final String data)
    {
        return submit(sessionId, doc, baseVersion, source, seq, OpKind.CREATE, null, data);
    }

    /**
     * Delete a document.
     *
     * @param sessionId   the submitting session.
     * @param doc         the document.
     * @param baseVersion the session's version.
     * @param source      src, UTF-8.
     * @param seq         seq.
     * @return the request id, or a negative {@link Publication} result.
     */
    public long submitDelete(
        final long sessionId, final DocRef doc, final long baseVersion, final byte[] source, final long seq)
    {
        return submit(sessionId, doc, baseVersion, source, seq, OpKind.DELETE, null, null);
    }

    private long submit(
        final long sessionId, final DocRef doc, final long baseVersion, final byte[] source, final long seq,
        final OpKind kind, final TextOp op, final String createData)
    {
        final long requestId = nextRequestId++;
        final SubmitOpEncoder e = submitEncoder.wrapAndApplyHeader(buffer, 0, headerEncoder)
            .sessionId(sessionId).requestId(requestId).docHash(doc.hash()).baseVersion(baseVersion).seq(seq)
            .edgeId(edgeId).opKind(kind);
        putComponents(e, op, text);
        e.putCollection(doc.collectionBytes(), 0, doc.collectionBytes().length)
            .putDocId(doc.docIdBytes(), 0, doc.docIdBytes().length)
            .putSource(source, 0, source.length)
            .putPrincipal(EMPTY, 0, 0);
        if (kind == OpKind.CREATE)
        {
            e.createType(io.quire.codec.CodecConstants.TEXT_UNICODE_URI);
            final int bytes = Utf8.encode(createData, text, 0);
            e.putCreateData(text, 0, bytes);
        }
        else
        {
            e.putCreateType(EMPTY, 0, 0).putCreateData(EMPTY, 0, 0);
        }
        return offer(requestId, MessageHeaderEncoder.ENCODED_LENGTH + e.encodedLength());
    }

    /**
     * Fetch or subscribe to a document.
     *
     * @param sessionId   the session.
     * @param doc         the document.
     * @param fromVersion -1 for a snapshot, else the version to send ops from.
     * @param live        true to subscribe (ShareDB s), false to fetch once (f).
     * @return the request id, or a negative {@link Publication} result.
     */
    public long subscribe(final long sessionId, final DocRef doc, final long fromVersion, final boolean live)
    {
        final long requestId = nextRequestId++;
        subscribeEncoder.wrapAndApplyHeader(buffer, 0, headerEncoder)
            .sessionId(sessionId).requestId(requestId).docHash(doc.hash()).fromVersion(fromVersion).edgeId(edgeId)
            .mode(live ? SubscribeMode.SUBSCRIBE : SubscribeMode.FETCH)
            .putCollection(doc.collectionBytes(), 0, doc.collectionBytes().length)
            .putDocId(doc.docIdBytes(), 0, doc.docIdBytes().length)
            .putPrincipal(EMPTY, 0, 0);
        return offer(requestId, MessageHeaderEncoder.ENCODED_LENGTH + subscribeEncoder.encodedLength());
    }

    /**
     * Stop live updates of a document for a session.
     *
     * @param sessionId the session.
     * @param doc       the document.
     * @return the request id, or a negative {@link Publication} result.
     */
    public long unsubscribe(final long sessionId, final DocRef doc)
    {
        final long requestId = nextRequestId++;
        unsubscribeEncoder.wrapAndApplyHeader(buffer, 0, headerEncoder)
            .sessionId(sessionId).requestId(requestId).docHash(doc.hash()).edgeId(edgeId)
            .putCollection(doc.collectionBytes(), 0, doc.collectionBytes().length)
            .putDocId(doc.docIdBytes(), 0, doc.docIdBytes().length);
        return offer(requestId, MessageHeaderEncoder.ENCODED_LENGTH + unsubscribeEncoder.encodedLength());
    }

    /**
     * A read-only historical snapshot.
     *
     * @param sessionId   the session.
     * @param doc         the document.
     * @param atVersion   the version, -1 for the latest (ignored when {@code atTimeNs >= 0}).
     * @param atTimeNs    a wall-clock time in ns to take the snapshot at, or -1 to use {@code atVersion}.
     * @return the request id, or a negative {@link Publication} result.
     */
    public long fetchAt(final long sessionId, final DocRef doc, final long atVersion, final long atTimeNs)
    {
        final long requestId = nextRequestId++;
        fetchAtEncoder.wrapAndApplyHeader(buffer, 0, headerEncoder)
            .sessionId(sessionId).requestId(requestId).docHash(doc.hash()).atVersion(atVersion)
            .atTimestampNs(atTimeNs).edgeId(edgeId)
            .mode(atTimeNs >= 0 ? SnapshotAtMode.TIMESTAMP : SnapshotAtMode.VERSION)
            .putCollection(doc.collectionBytes(), 0, doc.collectionBytes().length)
            .putDocId(doc.docIdBytes(), 0, doc.docIdBytes().length)
            .putPrincipal(EMPTY, 0, 0);
        return offer(requestId, MessageHeaderEncoder.ENCODED_LENGTH + fetchAtEncoder.encodedLength());
    }

    /**
     * Send a presence value on a document's channel (cold path: allocates).
     *
     * @param sessionId       the session.
     * @param doc             the document whose channel it is.
     * @param presenceId      ShareDB presence id.
     * @param source          the session's src.
     * @param docVersion      document version the value refers to.
     * @param presenceVersion ShareDB pv.
     * @param shape           NULL, INDEX_LENGTH or OPAQUE.
     * @param index           INDEX_LENGTH: index.
     * @param length          INDEX_LENGTH: length.
     * @param value           JSON value or extra fields ("" for none).
     * @return the request id, or a negative {@link Publication} result.
     */
    public long presenceUpdate(
        final long sessionId, final DocRef doc, final String presenceId, final String source, final long docVersion,
        final long presenceVersion, final PresenceShape shape, final long index, final long length, final String value)
    {
        final long requestId = nextRequestId++;
        final String channel = doc.channel();
        presenceUpdateEncoder.wrapAndApplyHeader(buffer, 0, headerEncoder)
            .sessionId(sessionId).requestId(requestId).channelHash(ShardRouter.channelHash(channel))
            .docVersion(docVersion).presenceVersion(presenceVersion).edgeId(edgeId).index(index).length(length)
            .shape(shape)
            .channel(channel).presenceId(presenceId).source(source).collection(doc.collection()).docId(doc.docId())
            .principal("").value(value);
        return offer(requestId, MessageHeaderEncoder.ENCODED_LENGTH + presenceUpdateEncoder.encodedLength());
    }

    /**
     * Receive a presence channel.
     *
     * @param sessionId the session.
     * @param channel   the channel.
     * @return the request id, or a negative {@link Publication} result.
     */
    public long presenceSubscribe(final long sessionId, final String channel)
    {
        final long requestId = nextRequestId++;
        presenceSubscribeEncoder.wrapAndApplyHeader(buffer, 0, headerEncoder)
            .sessionId(sessionId).requestId(requestId).channelHash(ShardRouter.channelHash(channel)).edgeId(edgeId)
            .channel(channel).principal("");
        return offer(requestId, MessageHeaderEncoder.ENCODED_LENGTH + presenceSubscribeEncoder.encodedLength());
    }

    /**
     * Stop receiving a presence channel.
     *
     * @param sessionId the session.
     * @param channel   the channel.
     * @return the request id, or a negative {@link Publication} result.
     */
    public long presenceUnsubscribe(final long sessionId, final String channel)
    {
        final long requestId = nextRequestId++;
        presenceUnsubscribeEncoder.wrapAndApplyHeader(buffer, 0, headerEncoder)
            .sessionId(sessionId).requestId(requestId).channelHash(ShardRouter.channelHash(channel)).edgeId(edgeId)
            .channel(channel);
        return offer(requestId, MessageHeaderEncoder.ENCODED_LENGTH + presenceUnsubscribeEncoder.encodedLength());
    }

    /**
     * Ask a channel's other subscribers to resend their presence (no reply).
     *
     * @param sessionId the session.
     * @param channel   the channel.
     * @return the request id, or a negative {@link Publication} result.
     */
    public long presenceRequest(final long sessionId, final String channel)
    {
        final long requestId = nextRequestId++;
        presenceRequestEncoder.wrapAndApplyHeader(buffer, 0, headerEncoder)
            .sessionId(sessionId).requestId(requestId).channelHash(ShardRouter.channelHash(channel)).edgeId(edgeId)
            .channel(channel);
        return offer(requestId, MessageHeaderEncoder.ENCODED_LENGTH + presenceRequestEncoder.encodedLength());
    }

    /**
     * A session closed (no reply).
     *
     * @param sessionId the session.
     * @return the request id, or a negative {@link Publication} result.
     */
    public long sessionClosed(final long sessionId)
    {
        final long requestId = nextRequestId++;
        sessionClosedEncoder.wrapAndApplyHeader(buffer, 0, headerEncoder)
            .sessionId(sessionId).requestId(requestId).edgeId(edgeId);
        return offer(requestId, MessageHeaderEncoder.ENCODED_LENGTH + sessionClosedEncoder.encodedLength());
    }

    /**
     * Send raw bytes on the ingress (tests: malformed or hand-made messages).
     *
     * @param raw    the bytes.
     * @param offset first byte.
     * @param length length.
     * @return the publication's result.
     */
    public long sendRaw(final DirectBuffer raw, final int offset, final int length)
    {
        return ingress.offer(raw, offset, length);
    }

    private long offer(final long requestId, final int length)
    {
        final long result = ingress.offer(buffer, 0, length);
        return result > 0 ? requestId : result;
    }

    // ------------------------------------------------------------------------------------------------------------
    // Replies

    private void onFragment(final DirectBuffer buf, final int offset, final int length, final Header header)
    {
        headerDecoder.wrap(buf, offset);
        final int body = offset + MessageHeaderDecoder.ENCODED_LENGTH;
        final int blockLength = headerDecoder.blockLength();
        final int version = headerDecoder.version();
        switch (headerDecoder.templateId())
        {
            case OpAckDecoder.TEMPLATE_ID:
            {
                final OpAckDecoder d = ackDecoder.wrap(buf, body, blockLength, version);
                listener.onAck(d.sessionId(), d.requestId(), d.docHash(), d.version(), d.seq());
                break;
            }
            case OpRejectDecoder.TEMPLATE_ID:
            {
                final OpRejectDecoder d = rejectDecoder.wrap(buf, body, blockLength, version);
                final long session = d.sessionId();
                final long request = d.requestId();
                final long hash = d.docHash();
                final long seq = d.seq();
                final long current = d.currentVersion();
                final RejectReason reason = d.reason();
                d.skipCollection();
                d.skipDocId();
                d.skipSource();
                listener.onReject(session, request, hash, seq, reason, current, d.message());
                break;
            }
            case OpBroadcastDecoder.TEMPLATE_ID:
                onBroadcast(buf, body, blockLength, version);
                break;
            case DocSnapshotDecoder.TEMPLATE_ID:
                onSnapshot(buf, body, blockLength, version);
                break;
            case RequestDoneDecoder.TEMPLATE_ID:
            {
                final RequestDoneDecoder d = doneDecoder.wrap(buf, body, blockLength, version);
                listener.onDone(d.sessionId(), d.requestId(), d.routingHash(), d.version(), d.requestKind());
                break;
            }
            case RequestRejectDecoder.TEMPLATE_ID:
            {
                final RequestRejectDecoder d = requestRejectDecoder.wrap(buf, body, blockLength, version);
                final long session = d.sessionId();
                final long request = d.requestId();
                final long hash = d.routingHash();
                final RequestKind kind = d.requestKind();
                final RejectReason reason = d.reason();
                d.skipCollection();
                d.skipDocId();
                d.skipChannel();
                listener.onRequestReject(session, request, hash, kind, reason, d.message());
                break;
            }
            case PresenceBroadcastDecoder.TEMPLATE_ID:
            {
                final PresenceBroadcastDecoder d = presenceDecoder.wrap(buf, body, blockLength, version);
                final long target = d.targetSessionId();
                final long origin = d.originSessionId();
                final int originEdge = (int)d.originEdgeId();
                final long channelHash = d.channelHash();
                final long docVersion = d.docVersion();
                final long pv = d.presenceVersion();
                final long index = d.index();
                final long len = d.length();
                final PresenceShape shape = d.shape();
                final String channel = d.channel();
                final String presenceId = d.presenceId();
                d.skipSource();
                d.skipCollection();
                d.skipDocId();
                listener.onPresence(target, origin, originEdge, channelHash, docVersion, pv, shape, index, len,
                    channel, presenceId, d.value());
                break;
            }
            case PresenceRequestBroadcastDecoder.TEMPLATE_ID:
            {
                final PresenceRequestBroadcastDecoder d = presenceRequestDecoder.wrap(buf, body, blockLength, version);
                listener.onPresenceRequest(d.targetSessionId(), d.originSessionId(), d.channelHash(), d.channel());
                break;
            }
            case EngineHeartbeatDecoder.TEMPLATE_ID:
                onEngineHeartbeat(buf, body, blockLength, version, header.sessionId());
                break;
            default:
                break;
        }
    }

    private void onEngineHeartbeat(
        final DirectBuffer buf, final int body, final int blockLength, final int version, final int imageSession)
    {
        final EngineHeartbeatDecoder d = engineHeartbeatDecoder.wrap(buf, body, blockLength, version);
        final int nodeId = (int)d.nodeId();
        final long epoch = d.epoch();
        lastEngineNs = System.nanoTime();
        listener.onEngineHeartbeat(nodeId, epoch, d.shardCount(), d.shardBegin(), d.shardEnd());
        if (engineUp && imageSession != engineImageSession)
        {
            // A new publication from the engine: it restarted faster than the timeout noticed.
            engineUp = false;
            listener.onEngineDown();
        }
        if (!engineUp)
        {
            engineUp = true;
            engineImageSession = imageSession;
            listener.onEngineUp(nodeId, epoch);
        }
    }

    private void onBroadcast(final DirectBuffer buf, final int body, final int blockLength, final int version)
    {
        final OpBroadcastDecoder d = broadcastDecoder.wrap(buf, body, blockLength, version);
        final ReceivedOp r = received;
        r.targetSessionId = d.targetSessionId();
        r.originSessionId = d.originSessionId();
        r.originRequestId = d.originRequestId();
        r.docHash = d.docHash();
        r.version = d.version();
        r.seq = d.seq();
        r.originEdgeId = (int)d.originEdgeId();
        r.kind = d.opKind();
        final TextOp op = r.op;
        op.clear();
        for (final OpBroadcastDecoder.ComponentsDecoder c : d.components())
        {
            final int len = (int)c.length();
            final int textLength = c.textLength();
            final int textOffset = d.limit() + OpBroadcastDecoder.ComponentsDecoder.textHeaderLength();
            switch (c.kind())
            {
                case RETAIN:
                    op.addSkip(len);
                    break;
                case INSERT:
                    addText(op, TextOp.INSERT, buf, textOffset, textLength, len);
                    break;
                default:
                    if (textLength == 0)
                    {
                        op.addDelete(len);
                    }
                    else
                    {
                        addText(op, TextOp.DELETE, buf, textOffset, textLength, len);
                    }
                    break;
            }
            c.skipText();
        }
        d.skipCollection();
        d.skipDocId();
        r.source.setLength(0);
        Utf8.decode(buf, d.limit() + OpBroadcastDecoder.sourceHeaderLength(), d.sourceLength(), r.source);
        d.skipSource();
        d.skipCreateType();
        r.createData.setLength(0);
        if (r.kind == OpKind.CREATE)
        {
            Utf8.decode(buf, d.limit() + OpBroadcastDecoder.createDataHeaderLength(), d.createDataLength(),
                r.createData);
        }
        if (r.targetSessionId == 0 && r.originEdgeId == edgeId)
        {
            listener.onAck(r.originSessionId, r.originRequestId, r.docHash, r.version, r.seq);
        }
        listener.onOp(r);
    }

    private static void addText(
        final TextOp op, final byte kind, final DirectBuffer buf, final int offset, final int length,
        final int codePoints)
    {
        final int start = op.beginRawText(length);
        final int chars = Utf8.decode(buf, offset, length, op.textBuffer(), start);
        op.endRawText(kind, start, chars, codePoints);
    }

    private void onSnapshot(final DirectBuffer buf, final int body, final int blockLength, final int version)
    {
        final DocSnapshotDecoder d = snapshotDecoder.wrap(buf, body, blockLength, version);
        final long session = d.sessionId();
        final long request = d.requestId();
        final long hash = d.docHash();
        final long snapshotVersion = d.version();
        final boolean last = d.lastChunk() == BooleanType.TRUE;
        final RequestKind kind = d.requestKind();
        d.skipCollection();
        d.skipDocId();
        final String docType = d.docType();
        SnapshotAssembly assembly = snapshots.get(request);
        if (assembly == null)
        {
            assembly = new SnapshotAssembly();
            snapshots.put(request, assembly);
        }
        Utf8.decode(buf, d.limit() + DocSnapshotDecoder.textHeaderLength(), d.textLength(), assembly.text);
        d.skipText();
        if (last)
        {
            snapshots.remove(request);
            listener.onSnapshot(session, request, hash, snapshotVersion, docType.isEmpty() ? null : docType,
                assembly.text.toString(), kind);
        }
    }

    @Override
    public void close()
    {
        CloseHelper.quietClose(ingress);
        CloseHelper.quietClose(replies);
    }

    /** @return the Aeron client this client uses. */
    public Aeron aeron()
    {
        return aeron;
    }

    /**
     * Encode an op's components into a SubmitOp (the group comes right after its fixed block).
     *
     * @param e       the encoder, its fixed block written.
     * @param op      the op, or null for none (create, delete).
     * @param scratch where each insert's text is UTF-8 encoded before it is copied in.
     * @return the encoder, at its collection field.
     */
    public static SubmitOpEncoder putComponents(
        final SubmitOpEncoder e, final TextOp op, final ExpandableArrayBuffer scratch)
    {
        final int n = op == null ? 0 : op.size();
        final SubmitOpEncoder.ComponentsEncoder components = e.componentsCount(n);
        for (int i = 0; i < n; i++)
        {
            final byte k = op.kind(i);
            components.next()
                .kind(k == TextOp.SKIP ? ComponentKind.RETAIN : k == TextOp.INSERT ? ComponentKind.INSERT :
                    ComponentKind.DELETE)
                .length(op.length(i));
            if (op.hasText(i))
            {
                final int bytes = Utf8.encode(op.textBuffer(), op.textStart(i), op.textLength(i), scratch, 0);
                components.putText(scratch, 0, bytes);
            }
            else
            {
                components.putText(EMPTY, 0, 0);
            }
        }
        return e;
    }
}
