package io.quire.perf.engine;

import io.aeron.Aeron;
import io.aeron.Publication;
import io.aeron.Subscription;
import io.aeron.driver.MediaDriver;
import io.aeron.logbuffer.FragmentHandler;
import io.aeron.logbuffer.Header;
import io.quire.codec.protocol.EdgeHeartbeatDecoder;
import io.quire.codec.protocol.EdgeHelloDecoder;
import io.quire.codec.protocol.EngineHeartbeatEncoder;
import io.quire.codec.protocol.MessageHeaderDecoder;
import io.quire.codec.protocol.MessageHeaderEncoder;
import io.quire.codec.protocol.NodeRole;
import io.quire.codec.protocol.OpAckEncoder;
import io.quire.codec.protocol.OpKind;
import io.quire.codec.protocol.SubmitOpDecoder;
import io.quire.common.IdleStrategies;
import io.quire.engine.EngineContext;
import io.quire.engine.EngineCounters;
import io.quire.engine.EngineNode;
import io.quire.engine.egress.EgressPublisher;
import org.agrona.CloseHelper;
import org.agrona.DirectBuffer;
import org.agrona.collections.Int2ObjectHashMap;
import org.agrona.concurrent.Agent;
import org.agrona.concurrent.AgentRunner;
import org.agrona.concurrent.IdleStrategy;
import org.agrona.concurrent.UnsafeBuffer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.nio.ByteBuffer;

/**
 * {@code bench-engine --floor}: what the benchmark's harness costs on its own. It stands where the engine node
 * stands (an embedded media driver configured from the same {@link EngineContext}, the same ingress channel and
 * stream, one agent thread with the engine's idle strategy and fragment limit) and answers the way the engine
 * answers (an {@code EngineHeartbeat} to every edge that says hello, then every heartbeat interval; an {@code OpAck}
 * for every {@code SubmitOp}), but does none of the engine's work: no validation, routing, ring, sequencing,
 * transform, journal or snapshot. Each op is acknowledged at its base version (a create at 0), which is the version
 * the real engine assigns to the benchmark's ops, since each document's ops are sent in order with exact base
 * versions.
 * <p>
 * Its throughput is the ceiling of the client, Aeron IPC and an ingress poll on this machine: whatever the real
 * engine does per op has to fit in what the floor leaves of the CPUs. Acks go out as the engine's egress sends
 * ({@link EgressPublisher#offer}): back-pressure retried for {@code egress.retry}, yielding then parking, and what
 * still fails counted in the engine's egress counters and dropped (the client then reports acks that stopped coming).
 */
final class FloorEngine implements AutoCloseable
{
    private static final Logger LOG = LoggerFactory.getLogger(FloorEngine.class);

    private final MediaDriver driver;
    private final Aeron aeron;
    private final EngineCounters counters;
    private final String ingressChannel;
    private final EngineContext ctx;
    private final Runnable waker;
    private final FloorAgent agent;
    private final AgentRunner runner;

    /**
     * Launch the driver and start the agent thread ({@code quire-floor}).
     *
     * @param ctx the benchmark's engine options (concluded): driver, ingress channel and stream, idle strategy,
     *            fragment limit, heartbeat interval, node id and shard count are used.
     */
    FloorEngine(final EngineContext ctx)
    {
        this.ctx = ctx;
        MediaDriver launched = null;
        Aeron client = null;
        EngineCounters engineCounters = null;
        String resolvedIngress;
        try
        {
            launched = MediaDriver.launch(EngineNode.driverContext(ctx));
            client = Aeron.connect(new Aeron.Context()
                .aeronDirectoryName(launched.aeronDirectoryName())
                .errorHandler(ex -> LOG.error("aeron client error", ex)));
            final Subscription ingress = client.addSubscription(ctx.ingressChannel(), ctx.ingressStream());
            resolvedIngress = EngineNode.resolvedChannel(ctx.ingressChannel(), ingress);
            engineCounters = new EngineCounters(client, ctx.nodeId());
            final IdleStrategy idle = IdleStrategies.parse(ctx.idleStrategy());
            this.agent = new FloorAgent(client, ingress, ctx, engineCounters);
            this.waker = IdleStrategies.waker(idle);
            this.runner = new AgentRunner(idle, ex -> LOG.error("floor agent error", ex), null, agent);
        }
        catch (final RuntimeException ex)
        {
            CloseHelper.quietCloseAll(engineCounters, client, launched);
            throw ex;
        }
        this.driver = launched;
        this.aeron = client;
        this.ingressChannel = resolvedIngress;
        this.counters = engineCounters;
        AgentRunner.startOnThread(runner);
    }

    /** @return the Aeron client (the benchmark's client shares it, as with the engine node). */
    Aeron aeron()
    {
        return aeron;
    }

    /** @return the ingress channel (a UDP port 0 resolved to the bound port, as the engine node does). */
    String ingressChannel()
    {
        return ingressChannel;
    }

    /** @return the ingress stream id. */
    int ingressStream()
    {
        return ctx.ingressStream();
    }

    /** @return what ends the agent's idle park early (a no-op for strategies that cannot be woken). */
    Runnable ingressWaker()
    {
        return waker;
    }

    /** @return acks the publication did not take: back-pressure outlasted the retry, or not connected or closed. */
    long droppedAcks()
    {
        return counters.egressBackPressureDrops.get() + counters.egressNotConnected.get() + counters.egressClosed.get();
    }

    @Override
    public void close()
    {
        CloseHelper.closeAll(runner, counters, aeron, driver);
    }

    /** An edge that said hello: where its replies go, and the ingress image it speaks on. */
    private static final class Edge
    {
        final Publication publication;
        int ingressSession;

        Edge(final Publication publication, final int ingressSession)
        {
            this.publication = publication;
            this.ingressSession = ingressSession;
        }
    }

    /** The floor's one thread: poll the ingress, greet edges, acknowledge ops. */
    private static final class FloorAgent implements Agent, FragmentHandler, AutoCloseable
    {
        private final Aeron aeron;
        private final Subscription ingress;
        private final int fragmentLimit;
        private final long heartbeatIntervalNs;
        private final int nodeId;
        private final int shardCount;
        private final long retryNs;
        private final EngineCounters counters;
        private final Int2ObjectHashMap<Edge> edges = new Int2ObjectHashMap<>();
        private final MessageHeaderDecoder headerDecoder = new MessageHeaderDecoder();
        private final MessageHeaderEncoder headerEncoder = new MessageHeaderEncoder();
        private final EdgeHelloDecoder hello = new EdgeHelloDecoder();
        private final EdgeHeartbeatDecoder edgeHeartbeat = new EdgeHeartbeatDecoder();
        private final SubmitOpDecoder submit = new SubmitOpDecoder();
        private final OpAckEncoder ack = new OpAckEncoder();
        private final EngineHeartbeatEncoder heartbeat = new EngineHeartbeatEncoder();
        private final UnsafeBuffer out = new UnsafeBuffer(ByteBuffer.allocateDirect(4096));
        private final UnsafeBuffer collection = new UnsafeBuffer(0, 0);
        private final UnsafeBuffer docId = new UnsafeBuffer(0, 0);
        private final UnsafeBuffer source = new UnsafeBuffer(0, 0);
        private long nextHeartbeatNs;
        private long pollNs;

        FloorAgent(final Aeron aeron, final Subscription ingress, final EngineContext ctx, final EngineCounters counters)
        {
            this.counters = counters;
            this.retryNs = ctx.egressRetryNs();
            this.aeron = aeron;
            this.ingress = ingress;
            this.fragmentLimit = ctx.fragmentLimit();
            this.heartbeatIntervalNs = ctx.heartbeatIntervalNs();
            this.nodeId = ctx.nodeId();
            this.shardCount = ctx.shardCount();
        }

        @Override
        public int doWork()
        {
            final long now = System.nanoTime();
            if (now - nextHeartbeatNs >= 0)
            {
                nextHeartbeatNs = now + heartbeatIntervalNs;
                edges.values().forEach(this::sendHeartbeat);
            }
            pollNs = now;
            return ingress.poll(this, fragmentLimit);
        }

        @Override
        public void onFragment(final DirectBuffer buffer, final int offset, final int length, final Header header)
        {
            headerDecoder.wrap(buffer, offset);
            final int body = offset + MessageHeaderDecoder.ENCODED_LENGTH;
            final int blockLength = headerDecoder.blockLength();
            final int version = headerDecoder.version();
            switch (headerDecoder.templateId())
            {
                case SubmitOpDecoder.TEMPLATE_ID:
                    onSubmit(buffer, body, blockLength, version);
                    break;
                case EdgeHelloDecoder.TEMPLATE_ID:
                    hello.wrap(buffer, body, blockLength, version);
                    onEdge((int)hello.edgeId(), hello.responseChannel(), hello.responseStreamId(), header.sessionId());
                    break;
                case EdgeHeartbeatDecoder.TEMPLATE_ID:
                    edgeHeartbeat.wrap(buffer, body, blockLength, version);
                    onEdge((int)edgeHeartbeat.edgeId(), edgeHeartbeat.responseChannel(),
                        edgeHeartbeat.responseStreamId(), header.sessionId());
                    break;
                default:
                    break;
            }
        }

        private void onEdge(final int edgeId, final String channel, final int stream, final int ingressSession)
        {
            Edge edge = edges.get(edgeId);
            if (edge == null)
            {
                edge = new Edge(aeron.addExclusivePublication(channel, stream), ingressSession);
                edges.put(edgeId, edge);
                LOG.info("floor: edge {} replies on {} stream {}", edgeId, channel, stream);
                sendHeartbeat(edge);
            }
            else if (edge.ingressSession != ingressSession)
            {
                edge.ingressSession = ingressSession;
                sendHeartbeat(edge);
            }
        }

        private void sendHeartbeat(final Edge edge)
        {
            heartbeat.wrapAndApplyHeader(out, 0, headerEncoder)
                .epoch(1).timestampNs(System.currentTimeMillis() * 1_000_000L).nodeId(nodeId)
                .shardCount(shardCount).shardBegin(0).shardEnd(shardCount).role(NodeRole.PRIMARY)
                .ingressSessionId(edge.ingressSession);
            // A miss (the publication not connected yet) is retried by the next interval, as the engine does.
            edge.publication.offer(out, 0, MessageHeaderEncoder.ENCODED_LENGTH + heartbeat.encodedLength());
        }

        private void onSubmit(final DirectBuffer buffer, final int body, final int blockLength, final int version)
        {
            submit.wrap(buffer, body, blockLength, version);
            final long sessionId = submit.sessionId();
            final long requestId = submit.requestId();
            final long docHash = submit.docHash();
            final long baseVersion = submit.baseVersion();
            final long seq = submit.seq();
            final int edgeId = (int)submit.edgeId();
            final boolean create = submit.opKind() == OpKind.CREATE;
            final SubmitOpDecoder.ComponentsDecoder components = submit.components();
            while (components.hasNext())
            {
                components.next().skipText();
            }
            submit.wrapCollection(collection);
            submit.wrapDocId(docId);
            submit.wrapSource(source);
            final Edge edge = edges.get(edgeId);
            if (edge == null)
            {
                return;
            }
            ack.wrapAndApplyHeader(out, 0, headerEncoder)
                .sessionId(sessionId).requestId(requestId).docHash(docHash)
                .version(create ? 0 : Math.max(0, baseVersion)).seq(seq).edgeId(edgeId)
                .engineReceivedNs(pollNs).engineSequencedNs(pollNs).engineSentNs(System.nanoTime())
                .putCollection(collection, 0, collection.capacity())
                .putDocId(docId, 0, docId.capacity())
                .putSource(source, 0, source.capacity());
            EgressPublisher.offer(edge.publication, out, 0, MessageHeaderEncoder.ENCODED_LENGTH + ack.encodedLength(),
                retryNs, counters.egressNotConnected, counters.egressBackPressureDrops,
                counters.egressBackPressureRetries, counters.egressClosed);
        }

        @Override
        public String roleName()
        {
            return "quire-floor";
        }

        @Override
        public void onClose()
        {
            close();
        }

        @Override
        public void close()
        {
            edges.values().forEach(edge -> CloseHelper.quietClose(edge.publication));
            edges.clear();
            CloseHelper.quietClose(ingress);
        }
    }
}
