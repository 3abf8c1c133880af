package io.quire.perf.ws;

import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.quire.engine.ot.Rope;
import io.quire.engine.ot.TextOp;
import io.quire.engine.ot.TextUnicode;

import java.io.IOException;
import java.io.StringWriter;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.WebSocket;
import java.nio.ByteBuffer;
import java.util.Arrays;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * One ShareDB client connection (JDK {@link WebSocket}, JSON through Jackson) editing one {@code text-unicode}
 * document with the real client's state machine (shared/protocol §5.3, §6; sharedb's {@code Doc}): at most one op in
 * flight; local ops made meanwhile are applied locally and composed into one pending op, sent after the ack; an
 * incoming op at the doc's version transforms the in-flight and pending ops with side {@code left} and is itself
 * transformed with side {@code right} before it is applied; an op below the version is a duplicate and dropped, one
 * above it opens a gap that a versioned fetch closes; an ack whose version is ahead of the doc waits for the ops
 * before it (fetched). No reconnection: a benchmark that loses its socket fails.
 * <p>
 * Every local op carries the time it was <em>planned</em> (open loop) or submitted (closed loop); when the wire op it
 * was composed into is acknowledged, each of them is reported to the {@link Listener} with that time, so queueing
 * behind the op in flight counts as latency. Thread-safe: the WebSocket's callbacks and the load driver meet under
 * this object's monitor.
 */
public final class ShareDbClient
{
    /** What the load generator learns from a client. Called under the client's monitor. */
    public interface Listener
    {
        /**
         * Local ops were acknowledged.
         *
         * @param client      the client.
         * @param plannedNs   the ops' planned (or submit) times, {@link System#nanoTime()}; the first {@code count};
         *                    valid until the listener submits another edit on this client.
         * @param count       how many.
         * @param nowNs       now.
         */
        void onAcked(ShareDbClient client, long[] plannedNs, int count, long nowNs);

        /**
         * Another client's op reached this one.
         *
         * @param client the client.
         * @param src    the submitter's src.
         * @param seq    its seq.
         * @param nowNs  now.
         */
        void onRemoteOp(ShareDbClient client, String src, long seq, long nowNs);

        /**
         * This client's op is about to be sent (register its planned times to measure visibility elsewhere).
         *
         * @param client    the client.
         * @param seq       its seq.
         * @param plannedNs the planned times of the local ops composed into it; the first {@code count}.
         * @param count     how many.
         */
        void onSend(ShareDbClient client, long seq, long[] plannedNs, int count);
    }

    private static final String TEXT_UNICODE = "http://sharejs.org/types/text-unicode";
    private static final ObjectMapper JSON = new ObjectMapper();

    private final String collection;
    private final String docId;
    private final Listener listener;
    private final TextUnicode ot = new TextUnicode();
    private final ConcurrentLinkedQueue<String> outbox = new ConcurrentLinkedQueue<>();
    private final AtomicBoolean sending = new AtomicBoolean();
    private final StringBuilder partial = new StringBuilder();
    private final CompletableFuture<Void> ready = new CompletableFuture<>();
    private final CompletableFuture<Void> closed = new CompletableFuture<>();
    private WebSocket socket;
    private volatile boolean closing;

    private String src;
    private long nextSeq = 1;
    private long version = -1;
    private boolean exists;
    private Rope text = new Rope();
    private boolean createInflight;

    private boolean inflight;
    private long inflightSeq;
    private final TextOp inflightOp = new TextOp();
    private long[] inflightPlanned = new long[16];
    private int inflightCount;
    private boolean pendingOps;
    private final TextOp pending = new TextOp();
    private long[] pendingPlanned = new long[16];
    private int pendingCount;
    private long deferredAck = -1;
    private boolean fetching;
    private boolean refetch;

    private final TextOp localOp = new TextOp();
    private final TextOp serverOp = new TextOp();
    private final TextOp scratch1 = new TextOp();
    private final TextOp scratch2 = new TextOp();

    private long gaps;
    private long duplicates;
    private long remoteOps;
    private volatile String failure;

    /**
     * @param collection the document's collection.
     * @param docId      its id.
     * @param listener   told of acks, sends and remote ops.
     */
    public ShareDbClient(final String collection, final String docId, final Listener listener)
    {
        this.collection = collection;
        this.docId = docId;
        this.listener = listener;
    }

    /**
     * Open the socket, handshake and subscribe; {@link #ready()} completes when the snapshot has arrived.
     *
     * @param http the HTTP client (its executor runs the callbacks).
     * @param url  {@code ws://host:port/ws}.
     * @return a stage completing once the socket is open.
     */
    public CompletableFuture<WebSocket> connect(final HttpClient http, final String url)
    {
        return http.newWebSocketBuilder().connectTimeout(java.time.Duration.ofSeconds(10))
            .buildAsync(URI.create(url), new SocketListener())
            .thenApply(ws ->
            {
                socket = ws;
                send("{\"a\":\"hs\",\"id\":null,\"protocol\":1,\"protocolMinor\":2}");
                send(message("s", null));
                return ws;
            });
    }

    /** @return completes once the first snapshot arrived (exceptionally if the connection failed). */
    public CompletableFuture<Void> ready()
    {
        return ready;
    }

    /** Create the document (it must not exist): the snapshot's type was null. */
    public synchronized void create()
    {
        createInflight = true;
        inflight = true;
        inflightSeq = nextSeq++;
        inflightCount = 0;
        exists = true;
        text = new Rope();
        send(opMessage(null, inflightSeq, version < 0 ? 0 : version, gen ->
        {
            gen.writeObjectFieldStart("create");
            gen.writeStringField("type", TEXT_UNICODE);
            gen.writeStringField("data", "");
            gen.writeEndObject();
        }));
    }

    /** Makes the next local edit from the current text's length (called under the client's monitor). */
    public interface EditSource
    {
        /**
         * @param length the local text's length in code points.
         * @param out    the op to fill (cleared); leave it empty to skip this edit.
         */
        void next(int length, TextOp out);
    }

    /**
     * Make a local edit from the current text (atomically with incoming ops) and submit it.
     *
     * @param source    makes the op.
     * @param plannedNs when it was planned ({@link System#nanoTime()}).
     * @return false if the source made no op.
     */
    public synchronized boolean edit(final EditSource source, final long plannedNs)
    {
        if (failure != null)
        {
            return false;
        }
        localOp.clear();
        source.next(text.length(), localOp);
        if (localOp.size() == 0)
        {
            return false;
        }
        submit(localOp, plannedNs);
        return true;
    }

    /**
     * Apply a local edit and send it, or compose it into the pending op while another is in flight.
     *
     * @param op        an op valid on {@link #text()}.
     * @param plannedNs when it was planned ({@link System#nanoTime()}).
     */
    public synchronized void submit(final TextOp op, final long plannedNs)
    {
        if (!exists || version < 0)
        {
            throw new IllegalStateException(this + ": edit before the document exists");
        }
        ot.apply(op, text);
        if (pendingOps)
        {
            ot.compose(pending, op, scratch1);
            pending.copyFrom(scratch1);
        }
        else
        {
            pending.copyFrom(op);
            pendingOps = true;
        }
        if (pendingCount == pendingPlanned.length)
        {
            pendingPlanned = Arrays.copyOf(pendingPlanned, pendingCount * 2);
        }
        pendingPlanned[pendingCount++] = plannedNs;
        flush();
    }

    private void flush()
    {
        if (inflight || !pendingOps || version < 0 || fetching)
        {
            return;
        }
        inflightOp.copyFrom(pending);
        pendingOps = false;
        final long[] t = inflightPlanned;
        inflightPlanned = pendingPlanned;
        inflightCount = pendingCount;
        pendingPlanned = t;
        pendingCount = 0;
        inflight = true;
        inflightSeq = nextSeq++;
        listener.onSend(this, inflightSeq, inflightPlanned, inflightCount);
        send(opMessage(inflightOp, inflightSeq, version, null));
    }

    // --------------------------------------------------------------------------------------------------------------
    // Incoming

    private synchronized void onMessage(final String frame)
    {
        final JsonNode m;
        try
        {
            m = JSON.readTree(frame);
        }
        catch (final IOException ex)
        {
            fail("unparseable frame " + frame);
            return;
        }
        if (m.has("error"))
        {
            fail("server error " + m.get("error") + " for " + frame);
            return;
        }
        switch (m.path("a").asText())
        {
            case "hs":
                src = m.path("id").asText();
                break;
            case "s":
            case "f":
                onSnapshotOrFetchReply(m);
                break;
            case "op":
                onOp(m);
                break;
            default:
                break;
        }
    }

    private void onSnapshotOrFetchReply(final JsonNode m)
    {
        final JsonNode data = m.get("data");
        if (data != null && data.has("v"))
        {
            version = data.get("v").asLong();
            exists = !data.path("type").isNull() && data.has("type");
            text = new Rope(exists ? data.path("data").asText("") : "");
            ready.complete(null);
            return;
        }
        fetching = false;
        if (deferredAck >= 0 && deferredAck == version)
        {
            ack(System.nanoTime());
        }
        else if (refetch || deferredAck > version)
        {
            refetch = false;
            fetch();
        }
        flush();
    }

    private void onOp(final JsonNode m)
    {
        final long now = System.nanoTime();
        final long v = m.path("v").asLong(-1);
        final long seq = m.path("seq").asLong(-1);
        final String from = m.path("src").asText(null);
        if (inflight && seq == inflightSeq && (from == null || from.equals(src)))
        {
            if (createInflight)
            {
                version = v;
                ack(now);
            }
            else if (v == version)
            {
                ack(now);
            }
            else if (v > version)
            {
                // ShareDB: "Invalid version from server": the ops before ours have not arrived. Fetch them.
                deferredAck = v;
                fetch();
            }
            return;
        }
        if (version < 0)
        {
            return;
        }
        if (v > version)
        {
            gaps++;
            fetch();
            return;
        }
        if (v < version)
        {
            duplicates++;
            return;
        }
        if (m.has("create") || m.has("del"))
        {
            fail("unexpected " + (m.has("create") ? "create" : "delete") + " of " + docId + " from " + from);
            return;
        }
        parseOp(m.get("op"), serverOp);
        if (inflight)
        {
            transformX(inflightOp);
        }
        if (pendingOps)
        {
            transformX(pending);
        }
        ot.apply(serverOp, text);
        version++;
        remoteOps++;
        listener.onRemoteOp(this, from, seq, now);
        if (deferredAck == version && inflight)
        {
            ack(now);
        }
    }

    private void ack(final long now)
    {
        deferredAck = -1;
        version++;
        inflight = false;
        createInflight = false;
        final long[] planned = inflightPlanned;
        final int count = inflightCount;
        inflightCount = 0;
        if (count > 0)
        {
            // The listener may submit the next edit (closed loop): that swaps the arrays, so it reads planned first.
            listener.onAcked(this, planned, count, now);
        }
        flush();
    }

    /** ShareDB's transformX: the client op goes left, the server op right. */
    private void transformX(final TextOp clientOp)
    {
        ot.transform(clientOp, serverOp, TextUnicode.Side.LEFT, scratch1);
        ot.transform(serverOp, clientOp, TextUnicode.Side.RIGHT, scratch2);
        clientOp.copyFrom(scratch1);
        serverOp.copyFrom(scratch2);
    }

    private void fetch()
    {
        if (fetching)
        {
            refetch = true;
            return;
        }
        fetching = true;
        send(message("f", version));
    }

    private static void parseOp(final JsonNode op, final TextOp out)
    {
        out.clear();
        for (final JsonNode c : op)
        {
            if (c.isInt())
            {
                out.addSkip(c.intValue());
            }
            else if (c.isTextual())
            {
                out.addInsert(c.textValue());
            }
            else if (c.path("d").isTextual())
            {
                out.addDeleteText(c.path("d").textValue());
            }
            else
            {
                out.addDelete(c.path("d").intValue());
            }
        }
    }

    // --------------------------------------------------------------------------------------------------------------
    // Outgoing

    private interface Body
    {
        void write(JsonGenerator gen) throws IOException;
    }

    private String message(final String action, final Long fromVersion)
    {
        return json(gen ->
        {
            gen.writeStringField("a", action);
            gen.writeStringField("c", collection);
            gen.writeStringField("d", docId);
            if (fromVersion == null)
            {
                gen.writeNullField("v");
            }
            else
            {
                gen.writeNumberField("v", fromVersion);
            }
        });
    }

    private String opMessage(final TextOp op, final long seq, final long baseVersion, final Body create)
    {
        return json(gen ->
        {
            gen.writeStringField("a", "op");
            gen.writeStringField("c", collection);
            gen.writeStringField("d", docId);
            gen.writeNumberField("v", baseVersion);
            gen.writeNumberField("seq", seq);
            gen.writeObjectFieldStart("x");
            gen.writeEndObject();
            if (create != null)
            {
                create.write(gen);
                return;
            }
            gen.writeArrayFieldStart("op");
            for (int i = 0; i < op.size(); i++)
            {
                switch (op.kind(i))
                {
                    case TextOp.SKIP:
                        gen.writeNumber(op.length(i));
                        break;
                    case TextOp.INSERT:
                        gen.writeString(op.textBuffer(), op.textStart(i), op.textLength(i));
                        break;
                    default:
                        gen.writeStartObject();
                        if (op.hasText(i))
                        {
                            gen.writeFieldName("d");
                            gen.writeString(op.textBuffer(), op.textStart(i), op.textLength(i));
                        }
                        else
                        {
                            gen.writeNumberField("d", op.length(i));
                        }
                        gen.writeEndObject();
                        break;
                }
            }
            gen.writeEndArray();
        });
    }

    private static String json(final Body body)
    {
        final StringWriter out = new StringWriter(96);
        try (JsonGenerator gen = JSON.getFactory().createGenerator(out))
        {
            gen.writeStartObject();
            body.write(gen);
            gen.writeEndObject();
        }
        catch (final IOException ex)
        {
            throw new IllegalStateException(ex);
        }
        return out.toString();
    }

    private void send(final String frame)
    {
        outbox.add(frame);
        drain();
    }

    /** The JDK WebSocket allows one outstanding send: queue frames and send the next when the last completes. */
    private void drain()
    {
        while (!outbox.isEmpty() && sending.compareAndSet(false, true))
        {
            final String next = outbox.poll();
            if (next == null)
            {
                sending.set(false);
                continue;
            }
            socket.sendText(next, true).whenComplete((ws, ex) ->
            {
                sending.set(false);
                if (ex != null)
                {
                    fail("send failed: " + ex);
                    return;
                }
                drain();
            });
            return;
        }
    }

    private void fail(final String why)
    {
        if (failure == null)
        {
            failure = docId + "/" + src + ": " + why;
        }
        ready.completeExceptionally(new IllegalStateException(failure));
    }

    private final class SocketListener implements WebSocket.Listener
    {
        @Override
        public CompletionStage<?> onText(final WebSocket ws, final CharSequence data, final boolean last)
        {
            partial.append(data);
            if (last)
            {
                final String frame = partial.toString();
                partial.setLength(0);
                onMessage(frame);
            }
            ws.request(1);
            return null;
        }

        @Override
        public CompletionStage<?> onBinary(final WebSocket ws, final ByteBuffer data, final boolean last)
        {
            fail("binary frame from the server");
            ws.request(1);
            return null;
        }

        @Override
        public CompletionStage<?> onClose(final WebSocket ws, final int statusCode, final String reason)
        {
            closed.complete(null);
            if (!closing)
            {
                fail("socket closed by the server: " + statusCode + " " + reason);
            }
            return null;
        }

        @Override
        public void onError(final WebSocket ws, final Throwable error)
        {
            closed.complete(null);
            fail("socket error: " + error);
        }
    }

    /**
     * Close the socket (normal closure) and wait a little for the server's close.
     *
     * @param timeoutMs how long to wait.
     */
    public void close(final long timeoutMs)
    {
        closing = true;
        if (socket == null)
        {
            return;
        }
        try
        {
            socket.sendClose(WebSocket.NORMAL_CLOSURE, "bench done").get(timeoutMs, TimeUnit.MILLISECONDS);
            closed.get(timeoutMs, TimeUnit.MILLISECONDS);
        }
        catch (final Exception ex)
        {
            socket.abort();
        }
    }

    // --------------------------------------------------------------------------------------------------------------
    // State

    /** @return the failure that stopped this client, or null. */
    public String failure()
    {
        return failure;
    }

    /** @return true once the document exists locally (snapshot with a type, or our create sent). */
    public synchronized boolean exists()
    {
        return exists;
    }

    /** @return true when nothing is in flight, pending or being fetched. */
    public synchronized boolean idle()
    {
        return !inflight && !pendingOps && !fetching && deferredAck < 0;
    }

    /** @return true if an op is in flight. */
    public synchronized boolean hasInflight()
    {
        return inflight;
    }

    /** @return the doc's version (-1 before the snapshot). */
    public synchronized long version()
    {
        return version;
    }

    /** @return the local text. */
    public synchronized String text()
    {
        return text.toString();
    }

    /** @return the local text's length in code points. */
    public synchronized int length()
    {
        return text.length();
    }

    /** @return the document id. */
    public String docId()
    {
        return docId;
    }

    /** @return the src the server gave this connection (null before the handshake). */
    public synchronized String src()
    {
        return src;
    }

    /** @return ops received above the version (each cost a fetch). */
    public synchronized long gaps()
    {
        return gaps;
    }

    /** @return ops received below the version (dropped). */
    public synchronized long duplicates()
    {
        return duplicates;
    }

    /** @return remote ops applied. */
    public synchronized long remoteOps()
    {
        return remoteOps;
    }

    @Override
    public synchronized String toString()
    {
        return "ShareDbClient{" + collection + "/" + docId + " src=" + src + " v=" + version +
            (inflight ? " inflight#" + inflightSeq : "") + (pendingOps ? " pending" : "") +
            (fetching ? " fetching" : "") + (deferredAck >= 0 ? " deferredAck=" + deferredAck : "") + "}";
    }
}
