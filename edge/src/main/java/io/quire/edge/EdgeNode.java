package io.quire.edge;

import io.aeron.Aeron;
import io.aeron.Publication;
import io.aeron.Subscription;
import io.quire.codec.MessageValidator;
import io.quire.common.IdleStrategies;
import io.undertow.Handlers;
import io.undertow.Undertow;
import io.undertow.server.HttpHandler;
import io.undertow.server.HttpServerExchange;
import io.undertow.server.handlers.PathHandler;
import io.undertow.util.Headers;
import io.undertow.util.Methods;
import io.undertow.websockets.WebSocketConnectionCallback;
import io.undertow.websockets.core.AbstractReceiveListener;
import io.undertow.websockets.core.BufferedBinaryMessage;
import io.undertow.websockets.core.BufferedTextMessage;
import io.undertow.websockets.core.StreamSourceFrameChannel;
import io.undertow.websockets.core.WebSocketChannel;
import io.undertow.websockets.core.WebSockets;
import io.undertow.websockets.spi.WebSocketHttpExchange;
import org.agrona.CloseHelper;
import org.agrona.concurrent.AgentRunner;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * An edge node: the WebSocket server ShareDB clients connect to, in front of the engine nodes.
 * <p>
 * Undertow serves, on the configured host and port:
 * <ul>
 *   <li>{@code /ws}: ShareDB's JSON protocol over WebSocket (one JSON object per text frame);</li>
 *   <li>{@code GET /healthz}: 200 while every shard range of the shard map has a live primary (one of its candidate
 *       engines heartbeating as the primary of the newest epoch), else 503 and the reason;</li>
 *   <li>{@code GET /metrics}: Prometheus text;</li>
 *   <li>{@code GET /latency}: where ops' time goes, stage by stage, as JSON ({@link EdgeLatency});</li>
 *   <li>{@code /api/docs/{collection}/{id}/acl[/{user}]}: document roles ({@link AclApi});</li>
 *   <li>{@code GET /api/docs/{collection}/{id}/history}: who committed which version when, and
 *       {@code .../role}: what the principal may do ({@link DocumentApi});</li>
 *   <li>any other path: {@link EdgeContext#otherPaths(HttpHandler)}, or else the collaborative editor page at
 *       {@code /} and its assets ({@link WebAssets}), 404 for anything else.</li>
 * </ul>
 * Undertow's IO threads parse, check and offer SBE requests to the engines' Aeron publications; they never block.
 * One agent thread polls the reply subscription, fans replies out to sessions and heartbeats the engines.
 * {@link #close()} drains: stop accepting, let requests in flight finish (bounded), close sockets with 1001.
 */
public final class EdgeNode implements AutoCloseable
{
    private static final Logger LOG = LoggerFactory.getLogger(EdgeNode.class);
    private static final long RESOLVE_TIMEOUT_MS = 5000;
    private static final io.undertow.util.AttachmentKey<String> PRINCIPAL =
        io.undertow.util.AttachmentKey.create(String.class);

    private final EdgeContext ctx;
    private final Aeron aeron;
    private final boolean ownsAeron;
    private final Subscription replies;
    private final List<Publication> publications = new ArrayList<>();
    private final SessionRegistry registry = new SessionRegistry();
    private final EngineLinks engines;
    private final EdgeMetrics metrics;
    private final RequestHandler requests;
    private final AclApi aclApi;
    private final DocumentApi documents;
    private final AgentRunner agentRunner;
    private final Runnable replyWaker;
    private final Undertow undertow;
    private final AtomicInteger openConnections = new AtomicInteger();
    private final int port;
    private final String replyChannel;
    private volatile boolean draining;
    private boolean closed;

    private EdgeNode(final EdgeContext context, final Aeron sharedAeron)
    {
        this.ctx = context.conclude();
        if (sharedAeron != null)
        {
            aeron = sharedAeron;
            ownsAeron = false;
        }
        else
        {
            final Aeron.Context aeronCtx = new Aeron.Context();
            if (ctx.aeronDir() != null)
            {
                aeronCtx.aeronDirectoryName(ctx.aeronDir());
            }
            aeron = Aeron.connect(aeronCtx);
            ownsAeron = true;
        }
        final EdgeAgent[] agentRef = new EdgeAgent[1];
        try
        {
            replies = aeron.addSubscription(ctx.replyChannel(), ctx.replyStream(), image -> { }, image ->
            {
                final EdgeAgent agent = agentRef[0];
                if (agent != null)
                {
                    agent.onImageGone(image.sessionId());
                }
            });
            replyChannel = resolveReplyChannel(replies, ctx.replyChannel());
            final List<EnginePublisher> publishers = new ArrayList<>();
            for (final ShardMap.Entry e : ctx.shardMap().entries())
            {
                for (final ShardMap.Candidate c : e.candidates())
                {
                    final Publication pub = aeron.addPublication(c.channel(), c.stream());
                    publications.add(pub);
                    publishers.add(new EnginePublisher(e, pub, ctx.edgeId(), ctx.engineWaker()));
                }
            }
            engines = new EngineLinks(ctx.shardMap(), publishers, ctx.engineTimeoutNs(), ctx.failoverHoldNs());
            metrics = new EdgeMetrics(ctx.registry(), registry, () -> engines);
            requests = new RequestHandler(ctx, registry, engines, metrics);
            aclApi = new AclApi(ctx, engines, registry);
            documents = new DocumentApi(ctx, registry, engines, metrics);
            final ReplyDispatcher dispatcher =
                new ReplyDispatcher(ctx.edgeId(), registry, requests, engines, metrics, aclApi, documents);
            final ReplyAdapter adapter = new ReplyAdapter(
                MessageValidator.protocol(ctx.codecLimits()), dispatcher, ctx.edgeId(), metrics);
            final EdgeAgent agent = new EdgeAgent(ctx, replies, adapter, engines, registry, requests, metrics, replyChannel);
            agentRef[0] = agent;
            final org.agrona.concurrent.IdleStrategy idle = IdleStrategies.parse(ctx.idleStrategy());
            replyWaker = IdleStrategies.waker(idle);
            agentRunner = new AgentRunner(idle, ex -> LOG.error("edge agent error", ex), null, agent);
            AgentRunner.startOnThread(agentRunner);

            undertow = Undertow.builder()
                .addHttpListener(ctx.port(), ctx.host())
                .setIoThreads(ctx.ioThreads())
                .setWorkerThreads(ctx.workerThreads())
                .setHandler(routes())
                .build();
            undertow.start();
            port = ((InetSocketAddress)undertow.getListenerInfo().get(0).getAddress()).getPort();
        }
        catch (final RuntimeException ex)
        {
            closeQuietly();
            throw ex;
        }
        LOG.info("edge {} listening on http://{}:{}/ (ws at /ws); {}", ctx.edgeId(), ctx.host(), port, ctx.describe());
    }

    /**
     * Start an edge with its own Aeron client (external media driver at {@code aeron.dir}).
     *
     * @param ctx the options.
     * @return the running edge.
     */
    public static EdgeNode launch(final EdgeContext ctx)
    {
        return new EdgeNode(ctx, ctx.aeron());
    }

    /**
     * Start an edge on a shared Aeron client (e.g. the embedded driver of an all-in-one server). The edge does not
     * close it.
     *
     * @param ctx   the options.
     * @param aeron the client.
     * @return the running edge.
     */
    public static EdgeNode launch(final EdgeContext ctx, final Aeron aeron)
    {
        return new EdgeNode(ctx, aeron);
    }

    /**
     * @return what ends the reply agent's idle park early: an engine in this JVM (the all-in-one server) runs it after
     *         each message it hands to this edge's reply publication. A no-op when the idle strategy cannot be woken.
     */
    public Runnable replyWaker()
    {
        return replyWaker;
    }

    /** @return the port the HTTP listener is bound to (useful with port 0). */
    public int port()
    {
        return port;
    }

    /** @return the options. */
    public EdgeContext context()
    {
        return ctx;
    }

    /** @return the reply channel advertised to engines (port resolved). */
    public String replyChannel()
    {
        return replyChannel;
    }

    /** @return null when {@code /healthz} answers 200, else the reason it answers 503. */
    public String healthProblem()
    {
        if (draining)
        {
            return "draining: shutting down";
        }
        return engines.healthProblem();
    }

    /** @return true when {@code /healthz} answers 200. */
    public boolean isHealthy()
    {
        return healthProblem() == null;
    }

    /**
     * Wait until healthy.
     *
     * @param timeoutMs how long at most.
     * @return true if healthy in time.
     * @throws InterruptedException if interrupted.
     */
    public boolean awaitHealthy(final long timeoutMs) throws InterruptedException
    {
        final long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(timeoutMs);
        while (!isHealthy())
        {
            if (System.nanoTime() - deadline > 0)
            {
                return false;
            }
            Thread.sleep(10);
        }
        return true;
    }

    private static String resolveReplyChannel(final Subscription subscription, final String channel)
    {
        if (!channel.startsWith("aeron:udp") || !channel.matches(".*endpoint=[^|]*:0(\\||$).*"))
        {
            return channel;
        }
        final long deadline = System.currentTimeMillis() + RESOLVE_TIMEOUT_MS;
        while (System.currentTimeMillis() < deadline)
        {
            final String resolved = subscription.tryResolveChannelEndpointPort();
            if (resolved != null)
            {
                return resolved;
            }
            try
            {
                Thread.sleep(5);
            }
            catch (final InterruptedException ex)
            {
                Thread.currentThread().interrupt();
                break;
            }
        }
        throw new IllegalStateException("could not resolve the port of reply channel " + channel);
    }

    private HttpHandler routes()
    {
        final HttpHandler other = ctx.otherPaths() != null ? ctx.otherPaths() :
            WebAssets.fromClasspath(EdgeNode.class.getClassLoader());
        final HttpHandler notUpgrade = exchange ->
        {
            exchange.setStatusCode(400);
            exchange.getResponseHeaders().put(Headers.CONTENT_TYPE, "text/plain; charset=utf-8");
            exchange.getResponseSender().send("WebSocket upgrade required\n");
        };
        final HttpHandler ws = Handlers.websocket(new Callback(), notUpgrade);
        final PathHandler paths = Handlers.path(other)
            .addExactPath("/ws", exchange ->
            {
                if (draining)
                {
                    refuse(exchange, "shutting down");
                }
                else if (openConnections.get() >= ctx.maxConnections())
                {
                    metrics.connectionClosed("max-connections");
                    refuse(exchange, "too many connections");
                }
                else
                {
                    // Before the upgrade, so a refusal is an HTTP 401 and the socket never opens.
                    final String principal = ctx.authenticator().authenticate(exchange);
                    if (principal == null)
                    {
                        metrics.connectionClosed("unauthenticated");
                        exchange.setStatusCode(401);
                        exchange.getResponseHeaders().put(Headers.WWW_AUTHENTICATE, "Bearer");
                        exchange.getResponseHeaders().put(Headers.CONTENT_TYPE, "text/plain; charset=utf-8");
                        exchange.getResponseSender().send("a valid JWT is required (Authorization: Bearer or " +
                            "?token=)\n");
                        return;
                    }
                    exchange.putAttachment(PRINCIPAL, principal);
                    ws.handleRequest(exchange);
                }
            })
            .addPrefixPath("/api/docs", exchange -> (AclApi.handles(exchange) ? aclApi : documents).handleRequest(exchange))
            .addExactPath("/healthz", this::health)
            .addExactPath("/metrics", this::metricsPage)
            .addExactPath("/latency", this::latencyPage);
        return paths;
    }

    private static void refuse(final HttpServerExchange exchange, final String why)
    {
        exchange.setStatusCode(503);
        exchange.getResponseHeaders().put(Headers.CONTENT_TYPE, "text/plain; charset=utf-8");
        exchange.getResponseSender().send(why + "\n");
    }

    private void health(final HttpServerExchange exchange)
    {
        if (!exchange.getRequestMethod().equals(Methods.GET) && !exchange.getRequestMethod().equals(Methods.HEAD))
        {
            exchange.setStatusCode(405);
            exchange.endExchange();
            return;
        }
        final String problem = healthProblem();
        exchange.getResponseHeaders().put(Headers.CONTENT_TYPE, "text/plain; charset=utf-8");
        exchange.setStatusCode(problem == null ? 200 : 503);
        exchange.getResponseSender().send(problem == null ? "ok\n" : problem + "\n");
    }

    private void metricsPage(final HttpServerExchange exchange)
    {
        if (exchange.isInIoThread())
        {
            // A scrape copies histograms (the engine's recorders in the all-in-one server): off the IO thread.
            exchange.dispatch(this::metricsPage);
            return;
        }
        exchange.getResponseHeaders().put(Headers.CONTENT_TYPE, metrics.contentType());
        exchange.getResponseSender().send(ByteBuffer.wrap(metrics.scrape()));
    }

    private void latencyPage(final HttpServerExchange exchange)
    {
        if (!exchange.getRequestMethod().equals(Methods.GET))
        {
            exchange.setStatusCode(405);
            exchange.endExchange();
            return;
        }
        if (exchange.isInIoThread())
        {
            exchange.dispatch(this::latencyPage);
            return;
        }
        exchange.getResponseHeaders().put(Headers.CONTENT_TYPE, "application/json");
        exchange.getResponseSender().send(metrics.latency().toJson().toPrettyString() + "\n");
    }

    private final class Callback implements WebSocketConnectionCallback
    {
        public void onConnect(final WebSocketHttpExchange exchange, final WebSocketChannel channel)
        {
            final String principal = exchange.getAttachment(PRINCIPAL);
            if (principal == null)
            {
                metrics.connectionClosed("unauthenticated");
                WebSockets.sendClose(1008, "not authenticated", channel, null);
                return;
            }
            openConnections.incrementAndGet();
            final EdgeSession session = requests.open(new UndertowTransport(channel), principal);
            channel.addCloseTask(ch ->
            {
                openConnections.decrementAndGet();
                requests.onClosed(session);
            });
            channel.getReceiveSetter().set(new Listener(session));
            channel.resumeReceives();
        }
    }

    private final class Listener extends AbstractReceiveListener
    {
        private final EdgeSession session;

        Listener(final EdgeSession session)
        {
            this.session = session;
        }

        protected long getMaxTextBufferSize()
        {
            return ctx.maxMessageBytes();
        }

        protected void onFullTextMessage(final WebSocketChannel channel, final BufferedTextMessage message)
        {
            requests.onText(session, message.getData());
        }

        protected void onBinary(final WebSocketChannel channel, final StreamSourceFrameChannel frame)
            throws IOException
        {
            metrics.connectionClosed("binary-frame");
            session.closeWith(1003, "binary frames are not supported: send JSON text frames");
            org.xnio.IoUtils.safeClose(frame);
        }

        protected void onFullPongMessage(final WebSocketChannel channel, final BufferedBinaryMessage message)
        {
            session.touch(System.nanoTime());
            message.getData().free();
        }

        protected void onFullPingMessage(final WebSocketChannel channel, final BufferedBinaryMessage message)
            throws IOException
        {
            session.touch(System.nanoTime());
            super.onFullPingMessage(channel, message);
        }

        protected void onError(final WebSocketChannel channel, final Throwable error)
        {
            final String text = String.valueOf(error.getMessage());
            if (text.contains("UT002008") || text.toLowerCase(java.util.Locale.ROOT).contains("max size") ||
                text.toLowerCase(java.util.Locale.ROOT).contains("too big"))
            {
                metrics.connectionClosed("message-too-big");
                session.closeWith(1009, "message larger than " + ctx.maxMessageBytes() + " bytes");
                return;
            }
            if (error instanceof java.nio.charset.CharacterCodingException ||
                text.toLowerCase(java.util.Locale.ROOT).contains("utf"))
            {
                metrics.connectionClosed("malformed");
                session.closeWith(1007, "text frame is not valid UTF-8");
                return;
            }
            super.onError(channel, error);
        }
    }

    /**
     * Drain and stop: refuse new connections, let requests in flight finish (at most {@code drain.timeout}), close
     * every socket with 1001, then stop the server, the agent and the Aeron resources this edge owns.
     */
    public synchronized void close()
    {
        if (closed)
        {
            return;
        }
        closed = true;
        draining = true;
        requests.drain();
        final long deadline = System.nanoTime() + ctx.drainTimeoutNs();
        while (System.nanoTime() - deadline < 0 && anyPending())
        {
            sleep(10);
        }
        for (final EdgeSession session : registry.sessions())
        {
            session.closeWith(1001, "server going away");
        }
        final long flushDeadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(500);
        while (System.nanoTime() - flushDeadline < 0 && openConnections.get() > 0)
        {
            sleep(10);
        }
        closeQuietly();
        LOG.info("edge {} stopped", ctx.edgeId());
    }

    private boolean anyPending()
    {
        for (final EdgeSession session : registry.sessions())
        {
            synchronized (session)
            {
                if (!session.isClosed() && !session.pending.isEmpty())
                {
                    return true;
                }
            }
        }
        return false;
    }

    private void closeQuietly()
    {
        if (undertow != null)
        {
            try
            {
                undertow.stop();
            }
            catch (final RuntimeException ex)
            {
                LOG.warn("stopping Undertow", ex);
            }
        }
        CloseHelper.quietClose(agentRunner);
        for (final Publication p : publications)
        {
            CloseHelper.quietClose(p);
        }
        CloseHelper.quietClose(replies);
        if (ownsAeron)
        {
            CloseHelper.quietClose(aeron);
        }
    }

    private static void sleep(final long ms)
    {
        try
        {
            Thread.sleep(ms);
        }
        catch (final InterruptedException ex)
        {
            Thread.currentThread().interrupt();
        }
    }
}
