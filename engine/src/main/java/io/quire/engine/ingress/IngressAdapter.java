package io.quire.engine.ingress;

import io.aeron.logbuffer.FragmentHandler;
import io.aeron.logbuffer.Header;
import io.quire.codec.MalformedMessageException;
import io.quire.codec.MessageValidator;
import io.quire.codec.ShardRouter;
import io.quire.codec.protocol.AclAction;
import io.quire.codec.protocol.AclRequestDecoder;
import io.quire.codec.protocol.EdgeHeartbeatDecoder;
import io.quire.codec.protocol.EdgeHelloDecoder;
import io.quire.codec.protocol.FetchSnapshotAtDecoder;
import io.quire.codec.protocol.HistoryRequestDecoder;
import io.quire.codec.protocol.MessageHeaderDecoder;
import io.quire.codec.protocol.OpKind;
import io.quire.codec.protocol.PresenceRequestDecoder;
import io.quire.codec.protocol.PresenceSubscribeDecoder;
import io.quire.codec.protocol.PresenceUnsubscribeDecoder;
import io.quire.codec.protocol.PresenceUpdateDecoder;
import io.quire.codec.protocol.RejectReason;
import io.quire.codec.protocol.RequestKind;
import io.quire.codec.protocol.SessionClosedDecoder;
import io.quire.codec.protocol.SnapshotAtMode;
import io.quire.codec.protocol.SubmitOpDecoder;
import io.quire.codec.protocol.SubscribeDecoder;
import io.quire.codec.protocol.SubscribeMode;
import io.quire.codec.protocol.UnsubscribeDecoder;
import io.quire.engine.EngineCounters;
import io.quire.engine.Shard;
import io.quire.engine.egress.EdgeDirectory;
import org.agrona.DirectBuffer;
import org.agrona.concurrent.status.AtomicCounter;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.nio.charset.StandardCharsets;

/**
 * Decodes what edges send and hands each command to its shard's ring, or refuses it with a typed reject. Every
 * message passes {@link MessageValidator} first; then the routing hash is recomputed from the message's own
 * collection and document id (or channel) and must equal the hash field, so an edge bug cannot put a document on the
 * wrong shard. A command for a shard this node does not own is refused as NOT_PRIMARY, one for a full ring as
 * OVERLOADED at once: the ring is the queue bound, nothing blocks and nothing is dropped without a reply.
 * <p>
 * Ingress thread only; decoders are flyweights held as fields and reject texts are encoded once, so a valid message
 * costs no allocation. No exception escapes {@link #onFragment}: a failure costs one message, counted and logged at a
 * rate-limited WARN.
 */
final class IngressAdapter implements FragmentHandler
{
    /** Hellos and heartbeats go to the agent, which owns the edge directory's life cycle. */
    interface EdgeHandler
    {
        /**
         * @param edgeId  the edge.
         * @param epoch   its incarnation.
         * @param channel its reply channel.
         * @param stream  its reply stream.
         * @param hello   true for EdgeHello (answered at once), false for EdgeHeartbeat.
         * @param ingressSessionId Aeron session id of the ingress image it came on (the edge's publication), echoed
         *                         in the heartbeats to that edge.
         */
        void onEdge(int edgeId, long epoch, String channel, int stream, boolean hello, int ingressSessionId);
    }

    private static final Logger LOG = LoggerFactory.getLogger(IngressAdapter.class);
    /** Commands are published to a ring in batches of at most this many (the agent publishes after every poll). */
    static final int PUBLISH_BATCH = 32;

    private final MessageValidator validator;
    private final Shard[] shards;
    private final int shardCount;
    private final int shardBegin;
    private final int shardEnd;
    private final EdgeDirectory directory;
    private final PendingControls controls;
    private final IngressPublisher publisher;
    private final EngineCounters counters;
    private final EdgeHandler edgeHandler;
    private final byte[][] overloadedMessages;
    private final byte[] notPrimaryMessage;
    private final byte[] docHashMismatch;
    private final byte[] channelHashMismatch;
    private final RateLimitedLog warn = new RateLimitedLog(LOG, 1_000_000_000L);

    private final MessageHeaderDecoder header = new MessageHeaderDecoder();
    private final EdgeHelloDecoder hello = new EdgeHelloDecoder();
    private final EdgeHeartbeatDecoder heartbeat = new EdgeHeartbeatDecoder();
    private final SubmitOpDecoder submit = new SubmitOpDecoder();
    private final SubscribeDecoder subscribe = new SubscribeDecoder();
    private final UnsubscribeDecoder unsubscribe = new UnsubscribeDecoder();
    private final FetchSnapshotAtDecoder fetchAt = new FetchSnapshotAtDecoder();
    private final HistoryRequestDecoder history = new HistoryRequestDecoder();
    private final PresenceUpdateDecoder presenceUpdate = new PresenceUpdateDecoder();
    private final PresenceSubscribeDecoder presenceSubscribe = new PresenceSubscribeDecoder();
    private final PresenceUnsubscribeDecoder presenceUnsubscribe = new PresenceUnsubscribeDecoder();
    private final PresenceRequestDecoder presenceRequest = new PresenceRequestDecoder();
    private final SessionClosedDecoder sessionClosed = new SessionClosedDecoder();
    private final AclRequestDecoder aclRequest = new AclRequestDecoder();

    // The message being handled: correlation fields and where its var fields are (0 lengths if unknown).
    private DirectBuffer in;
    private int templateId;
    private long sessionId;
    private long requestId;
    private int edgeId;
    private long hashField;
    private long baseVersion;
    private long seq;
    private OpKind opKind;
    private RequestKind requestKind;
    private int collectionOffset;
    private int collectionLength;
    private int docIdOffset;
    private int docIdLength;
    private int sourceOffset;
    private int sourceLength;
    private int channelOffset;
    private int channelLength;
    private int imageSessionId;
    // System.nanoTime() when the current poll began (0: outside a poll, read the clock per message).
    private long pollNanos;

    /**
     * @param validator   the protocol validator with the engine's limits.
     * @param shards      the owned shards, indexed by shard id minus {@code shardBegin}.
     * @param shardCount  the deployment's shard count.
     * @param shardBegin  first owned shard.
     * @param nodeId      this node (for messages).
     * @param directory   the known edges.
     * @param controls    control commands waiting for full rings.
     * @param publisher   sends the ingress's own replies.
     * @param counters    the node's counters.
     * @param edgeHandler receives hellos and heartbeats.
     */
    IngressAdapter(
        final MessageValidator validator,
        final Shard[] shards,
        final int shardCount,
        final int shardBegin,
        final int nodeId,
        final EdgeDirectory directory,
        final PendingControls controls,
        final IngressPublisher publisher,
        final EngineCounters counters,
        final EdgeHandler edgeHandler)
    {
        this.validator = validator;
        this.shards = shards;
        this.shardCount = shardCount;
        this.shardBegin = shardBegin;
        this.shardEnd = shardBegin + shards.length;
        this.directory = directory;
        this.controls = controls;
        this.publisher = publisher;
        this.counters = counters;
        this.edgeHandler = edgeHandler;
        overloadedMessages = new byte[shards.length][];
        for (int i = 0; i < shards.length; i++)
        {
            overloadedMessages[i] = utf8("shard " + (shardBegin + i) + " is overloaded: its queue of " +
                shards[i].ringSize() + " commands is full; retry later");
        }
        notPrimaryMessage = utf8("engine node " + nodeId + " serves shards " + shardBegin + "-" + shardEnd + " of " +
            shardCount + "; this document or channel is on another shard");
        docHashMismatch = utf8("the routing hash does not match the collection and document id");
        channelHashMismatch = utf8("the routing hash does not match the channel");
    }

    /**
     * The agent is about to poll: every message of this poll is taken as received now, the poll's start (at most
     * one poll early, so commit latency is over- rather than underestimated), which saves a clock read per message.
     *
     * @param nanos {@link System#nanoTime()} now.
     */
    void beginPoll(final long nanos)
    {
        pollNanos = nanos;
    }

    /** The poll is over: messages handed over outside a poll read the clock themselves. */
    void endPoll()
    {
        pollNanos = 0;
    }

    @Override
    public void onFragment(final DirectBuffer buffer, final int offset, final int length, final Header fragmentHeader)
    {
        final long receivedNanos = pollNanos != 0 ? pollNanos : System.nanoTime();
        counters.ingressMessages.incrementOrdered();
        final int template;
        try
        {
            template = validator.validate(buffer, offset, length);
        }
        catch (final MalformedMessageException ex)
        {
            onMalformed(buffer, offset, ex);
            return;
        }
        catch (final RuntimeException ex)
        {
            counters.ingressErrors.incrementOrdered();
            warn.warn("ingress: validating a message of " + length + " bytes failed", ex);
            return;
        }
        imageSessionId = fragmentHeader.sessionId();
        try
        {
            onMessage(buffer, offset, length, template, receivedNanos);
        }
        catch (final RuntimeException ex)
        {
            counters.ingressErrors.incrementOrdered();
            warn.warn("ingress: unexpected failure handling template " + template, ex);
        }
    }

    private void onMessage(
        final DirectBuffer buffer, final int offset, final int length, final int template, final long receivedNanos)
    {
        in = buffer;
        templateId = template;
        header.wrap(buffer, offset);
        final int body = offset + MessageHeaderDecoder.ENCODED_LENGTH;
        final int blockLength = header.blockLength();
        final int version = header.version();
        final long computed;
        final boolean channelKey;
        switch (template)
        {
            case EdgeHelloDecoder.TEMPLATE_ID:
                hello.wrap(buffer, body, blockLength, version);
                edgeHandler.onEdge((int)hello.edgeId(), hello.edgeEpoch(), hello.responseChannel(),
                    hello.responseStreamId(), true, imageSessionId);
                return;
            case EdgeHeartbeatDecoder.TEMPLATE_ID:
                heartbeat.wrap(buffer, body, blockLength, version);
                edgeHandler.onEdge((int)heartbeat.edgeId(), heartbeat.edgeEpoch(), heartbeat.responseChannel(),
                    heartbeat.responseStreamId(), false, imageSessionId);
                return;
            case SessionClosedDecoder.TEMPLATE_ID:
                sessionClosed.wrap(buffer, body, blockLength, version);
                counters.sessionsClosed.incrementOrdered();
                return;
            case SubmitOpDecoder.TEMPLATE_ID:
                readSubmit(body, blockLength, version);
                computed = docHash();
                channelKey = false;
                break;
            case SubscribeDecoder.TEMPLATE_ID:
                readSubscribe(body, blockLength, version);
                computed = docHash();
                channelKey = false;
                break;
            case UnsubscribeDecoder.TEMPLATE_ID:
                readUnsubscribe(body, blockLength, version);
                computed = docHash();
                channelKey = false;
                break;
            case FetchSnapshotAtDecoder.TEMPLATE_ID:
                readFetchAt(body, blockLength, version);
                computed = docHash();
                channelKey = false;
                break;
            case AclRequestDecoder.TEMPLATE_ID:
                readAclRequest(body, blockLength, version);
                computed = docHash();
                channelKey = false;
                break;
            case HistoryRequestDecoder.TEMPLATE_ID:
                readHistory(body, blockLength, version);
                computed = docHash();
                channelKey = false;
                break;
            case PresenceUpdateDecoder.TEMPLATE_ID:
                readPresenceUpdate(body, blockLength, version);
                computed = channelHash();
                channelKey = true;
                break;
            case PresenceSubscribeDecoder.TEMPLATE_ID:
                readPresenceSubscribe(body, blockLength, version);
                computed = channelHash();
                channelKey = true;
                break;
            case PresenceUnsubscribeDecoder.TEMPLATE_ID:
                readPresenceUnsubscribe(body, blockLength, version);
                computed = channelHash();
                channelKey = true;
                break;
            case PresenceRequestDecoder.TEMPLATE_ID:
                readPresenceRequest(body, blockLength, version);
                computed = channelHash();
                channelKey = true;
                break;
            default:
                counters.ingressUnexpected.incrementOrdered();
                warn.warn("ingress: template " + template + " is not an edge-to-engine message; dropped");
                return;
        }

        if (!directory.isKnown(edgeId))
        {
            counters.ingressUnknownEdge.incrementOrdered();
            warn.warn("ingress: template " + template + " from edge " + edgeId + ", which has not said hello; " +
                "dropped (there is nowhere to reply)");
            return;
        }
        if (computed != hashField)
        {
            reject(RejectReason.MESSAGE_BADLY_FORMED, channelKey ? channelHashMismatch : docHashMismatch, true);
            return;
        }
        final int shardId = ShardRouter.shardFor(computed, shardCount);
        if (shardId < shardBegin || shardId >= shardEnd)
        {
            reject(RejectReason.NOT_PRIMARY, notPrimaryMessage, true);
            return;
        }
        final int index = shardId - shardBegin;
        if ((controls.blocks(index) && (controls.flush() == 0 || controls.blocks(index))) ||
            !shards[index].offerDeferred(buffer, offset, length, template, receivedNanos, PUBLISH_BATCH))
        {
            // The sequencer never answers OVERLOADED, so the ingress is that counter's only writer.
            shards[index].counters().rejected(RejectReason.OVERLOADED);
            reject(RejectReason.OVERLOADED, overloadedMessages[index], true);
        }
    }

    private long docHash()
    {
        return ShardRouter.docHash(in, collectionOffset, collectionLength, in, docIdOffset, docIdLength);
    }

    private long channelHash()
    {
        return ShardRouter.channelHash(in, channelOffset, channelLength);
    }

    private void readSubmit(final int body, final int blockLength, final int version)
    {
        final SubmitOpDecoder d = submit;
        d.wrap(in, body, blockLength, version);
        readSubmitFixed();
        for (final SubmitOpDecoder.ComponentsDecoder c : d.components())
        {
            c.skipText();
        }
        collectionOffset = d.limit() + SubmitOpDecoder.collectionHeaderLength();
        collectionLength = d.collectionLength();
        d.skipCollection();
        docIdOffset = d.limit() + SubmitOpDecoder.docIdHeaderLength();
        docIdLength = d.docIdLength();
        d.skipDocId();
        sourceOffset = d.limit() + SubmitOpDecoder.sourceHeaderLength();
        sourceLength = d.sourceLength();
    }

    private void readSubmitFixed()
    {
        final SubmitOpDecoder d = submit;
        sessionId = d.sessionId();
        requestId = d.requestId();
        hashField = d.docHash();
        baseVersion = d.baseVersion();
        seq = d.seq();
        edgeId = (int)d.edgeId();
        final OpKind kind = d.opKind();
        opKind = kind == OpKind.CREATE || kind == OpKind.DELETE ? kind : OpKind.EDIT;
        requestKind = RequestKind.SUBMIT;
        clearVars();
    }

    private void readSubscribe(final int body, final int blockLength, final int version)
    {
        final SubscribeDecoder d = subscribe;
        d.wrap(in, body, blockLength, version);
        readSubscribeFixed();
        collectionOffset = d.limit() + SubscribeDecoder.collectionHeaderLength();
        collectionLength = d.collectionLength();
        d.skipCollection();
        docIdOffset = d.limit() + SubscribeDecoder.docIdHeaderLength();
        docIdLength = d.docIdLength();
    }

    private void readSubscribeFixed()
    {
        final SubscribeDecoder d = subscribe;
        sessionId = d.sessionId();
        requestId = d.requestId();
        hashField = d.docHash();
        edgeId = (int)d.edgeId();
        requestKind = d.modeRaw() == SubscribeMode.SUBSCRIBE.value() ? RequestKind.SUBSCRIBE : RequestKind.FETCH;
        clearVars();
    }

    private void readUnsubscribe(final int body, final int blockLength, final int version)
    {
        final UnsubscribeDecoder d = unsubscribe;
        d.wrap(in, body, blockLength, version);
        readUnsubscribeFixed();
        collectionOffset = d.limit() + UnsubscribeDecoder.collectionHeaderLength();
        collectionLength = d.collectionLength();
        d.skipCollection();
        docIdOffset = d.limit() + UnsubscribeDecoder.docIdHeaderLength();
        docIdLength = d.docIdLength();
    }

    private void readAclRequest(final int body, final int blockLength, final int version)
    {
        final AclRequestDecoder d = aclRequest;
        d.wrap(in, body, blockLength, version);
        readAclRequestFixed();
        collectionOffset = d.limit() + AclRequestDecoder.collectionHeaderLength();
        collectionLength = d.collectionLength();
        d.skipCollection();
        docIdOffset = d.limit() + AclRequestDecoder.docIdHeaderLength();
        docIdLength = d.docIdLength();
    }

    private void readAclRequestFixed()
    {
        final AclRequestDecoder d = aclRequest;
        sessionId = d.sessionId();
        requestId = d.requestId();
        hashField = d.docHash();
        edgeId = (int)d.edgeId();
        requestKind = d.actionRaw() == AclAction.GRANT.value() ? RequestKind.ACL_GRANT : RequestKind.ACL_GET;
        clearVars();
    }

    private void readUnsubscribeFixed()
    {
        final UnsubscribeDecoder d = unsubscribe;
        sessionId = d.sessionId();
        requestId = d.requestId();
        hashField = d.docHash();
        edgeId = (int)d.edgeId();
        requestKind = RequestKind.UNSUBSCRIBE;
        clearVars();
    }

    private void readFetchAt(final int body, final int blockLength, final int version)
    {
        final FetchSnapshotAtDecoder d = fetchAt;
        d.wrap(in, body, blockLength, version);
        readFetchAtFixed();
        collectionOffset = d.limit() + FetchSnapshotAtDecoder.collectionHeaderLength();
        collectionLength = d.collectionLength();
        d.skipCollection();
        docIdOffset = d.limit() + FetchSnapshotAtDecoder.docIdHeaderLength();
        docIdLength = d.docIdLength();
    }

    private void readFetchAtFixed()
    {
        final FetchSnapshotAtDecoder d = fetchAt;
        sessionId = d.sessionId();
        requestId = d.requestId();
        hashField = d.docHash();
        edgeId = (int)d.edgeId();
        requestKind = d.modeRaw() == SnapshotAtMode.TIMESTAMP.value() ?
            RequestKind.SNAPSHOT_AT_TIME : RequestKind.SNAPSHOT_AT_VERSION;
        clearVars();
    }

    private void readHistory(final int body, final int blockLength, final int version)
    {
        final HistoryRequestDecoder d = history;
        d.wrap(in, body, blockLength, version);
        readHistoryFixed();
        collectionOffset = d.limit() + HistoryRequestDecoder.collectionHeaderLength();
        collectionLength = d.collectionLength();
        d.skipCollection();
        docIdOffset = d.limit() + HistoryRequestDecoder.docIdHeaderLength();
        docIdLength = d.docIdLength();
    }

    private void readHistoryFixed()
    {
        final HistoryRequestDecoder d = history;
        sessionId = d.sessionId();
        requestId = d.requestId();
        hashField = d.docHash();
        edgeId = (int)d.edgeId();
        requestKind = RequestKind.HISTORY;
        clearVars();
    }

    private void readPresenceUpdate(final int body, final int blockLength, final int version)
    {
        final PresenceUpdateDecoder d = presenceUpdate;
        d.wrap(in, body, blockLength, version);
        readPresenceUpdateFixed();
        channelOffset = d.limit() + PresenceUpdateDecoder.channelHeaderLength();
        channelLength = d.channelLength();
    }

    private void readPresenceUpdateFixed()
    {
        final PresenceUpdateDecoder d = presenceUpdate;
        sessionId = d.sessionId();
        requestId = d.requestId();
        hashField = d.channelHash();
        edgeId = (int)d.edgeId();
        requestKind = RequestKind.PRESENCE_UPDATE;
        clearVars();
    }

    private void readPresenceSubscribe(final int body, final int blockLength, final int version)
    {
        final PresenceSubscribeDecoder d = presenceSubscribe;
        d.wrap(in, body, blockLength, version);
        readPresenceSubscribeFixed();
        channelOffset = d.limit() + PresenceSubscribeDecoder.channelHeaderLength();
        channelLength = d.channelLength();
    }

    private void readPresenceSubscribeFixed()
    {
        final PresenceSubscribeDecoder d = presenceSubscribe;
        sessionId = d.sessionId();
        requestId = d.requestId();
        hashField = d.channelHash();
        edgeId = (int)d.edgeId();
        requestKind = RequestKind.PRESENCE_SUBSCRIBE;
        clearVars();
    }

    private void readPresenceUnsubscribe(final int body, final int blockLength, final int version)
    {
        final PresenceUnsubscribeDecoder d = presenceUnsubscribe;
        d.wrap(in, body, blockLength, version);
        readPresenceUnsubscribeFixed();
        channelOffset = d.limit() + PresenceUnsubscribeDecoder.channelHeaderLength();
        channelLength = d.channelLength();
    }

    private void readPresenceUnsubscribeFixed()
    {
        final PresenceUnsubscribeDecoder d = presenceUnsubscribe;
        sessionId = d.sessionId();
        requestId = d.requestId();
        hashField = d.channelHash();
        edgeId = (int)d.edgeId();
        requestKind = RequestKind.PRESENCE_UNSUBSCRIBE;
        clearVars();
    }

    private void readPresenceRequest(final int body, final int blockLength, final int version)
    {
        final PresenceRequestDecoder d = presenceRequest;
        d.wrap(in, body, blockLength, version);
        readPresenceRequestFixed();
        channelOffset = d.limit() + PresenceRequestDecoder.channelHeaderLength();
        channelLength = d.channelLength();
    }

    private void readPresenceRequestFixed()
    {
        final PresenceRequestDecoder d = presenceRequest;
        sessionId = d.sessionId();
        requestId = d.requestId();
        hashField = d.channelHash();
        edgeId = (int)d.edgeId();
        requestKind = null;
        clearVars();
    }

    private void clearVars()
    {
        collectionOffset = 0;
        collectionLength = 0;
        docIdOffset = 0;
        docIdLength = 0;
        sourceOffset = 0;
        sourceLength = 0;
        channelOffset = 0;
        channelLength = 0;
    }

    /**
     * Answer the current message with a reject (PresenceRequest has no reply: only counted).
     *
     * @param echoVars whether the var fields were read and can be echoed.
     */
    private void reject(final RejectReason reason, final byte[] message, final boolean echoVars)
    {
        final AtomicCounter count = counters.ingressRejects(reason);
        if (count != null)
        {
            count.incrementOrdered();
        }
        if (templateId == PresenceRequestDecoder.TEMPLATE_ID)
        {
            return;
        }
        final DirectBuffer vars = echoVars ? in : null;
        if (templateId == SubmitOpDecoder.TEMPLATE_ID)
        {
            publisher.opReject(edgeId, sessionId, requestId, hashField, baseVersion, seq, opKind, reason,
                vars, collectionOffset, collectionLength, docIdOffset, docIdLength, sourceOffset, sourceLength,
                message);
        }
        else
        {
            final boolean channelKey = requestKind == RequestKind.PRESENCE_UPDATE ||
                requestKind == RequestKind.PRESENCE_SUBSCRIBE || requestKind == RequestKind.PRESENCE_UNSUBSCRIBE;
            publisher.requestReject(edgeId, sessionId, requestId, hashField, requestKind, reason, vars,
                collectionOffset, collectionLength, docIdOffset, docIdLength,
                channelKey ? channelOffset : 0, channelKey ? channelLength : 0, message);
        }
    }

    private void onMalformed(final DirectBuffer buffer, final int offset, final MalformedMessageException ex)
    {
        counters.ingressMalformed.incrementOrdered();
        if (!ex.isRootBlockReadable() || !readFixedFields(buffer, offset, ex.templateId()) ||
            !directory.isKnown(edgeId))
        {
            warn.warn("ingress: dropped a malformed message: " + ex.getMessage());
            return;
        }
        reject(ex.rejectReason(), utf8("malformed message: " + ex.getMessage()), false);
    }

    /** Read the correlation fields of a message whose root block is intact; false if it has no reply. */
    private boolean readFixedFields(final DirectBuffer buffer, final int offset, final int template)
    {
        in = buffer;
        templateId = template;
        header.wrap(buffer, offset);
        final int body = offset + MessageHeaderDecoder.ENCODED_LENGTH;
        final int blockLength = header.blockLength();
        final int version = header.version();
        switch (template)
        {
            case SubmitOpDecoder.TEMPLATE_ID:
                submit.wrap(buffer, body, blockLength, version);
                readSubmitFixed();
                return true;
            case SubscribeDecoder.TEMPLATE_ID:
                subscribe.wrap(buffer, body, blockLength, version);
                readSubscribeFixed();
                return true;
            case UnsubscribeDecoder.TEMPLATE_ID:
                unsubscribe.wrap(buffer, body, blockLength, version);
                readUnsubscribeFixed();
                return true;
            case FetchSnapshotAtDecoder.TEMPLATE_ID:
                fetchAt.wrap(buffer, body, blockLength, version);
                readFetchAtFixed();
                return true;
            case HistoryRequestDecoder.TEMPLATE_ID:
                history.wrap(buffer, body, blockLength, version);
                readHistoryFixed();
                return true;
            case PresenceUpdateDecoder.TEMPLATE_ID:
                presenceUpdate.wrap(buffer, body, blockLength, version);
                readPresenceUpdateFixed();
                return true;
            case AclRequestDecoder.TEMPLATE_ID:
                aclRequest.wrap(buffer, body, blockLength, version);
                readAclRequestFixed();
                return true;
            case PresenceSubscribeDecoder.TEMPLATE_ID:
                presenceSubscribe.wrap(buffer, body, blockLength, version);
                readPresenceSubscribeFixed();
                return true;
            case PresenceUnsubscribeDecoder.TEMPLATE_ID:
                presenceUnsubscribe.wrap(buffer, body, blockLength, version);
                readPresenceUnsubscribeFixed();
                return true;
            default:
                return false;
        }
    }

    private static byte[] utf8(final String text)
    {
        return text.getBytes(StandardCharsets.UTF_8);
    }
}
