package io.quire.perf.ws;

import io.quire.engine.ot.TextOp;
import io.quire.engine.trace.Trace;
import org.HdrHistogram.Histogram;
import org.HdrHistogram.Recorder;

import java.net.http.HttpClient;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;

/**
 * Drives a ShareDB server (Quire's edge or ShareDB itself) over WebSockets with {@link ShareDbClient}s: a scenario's
 * documents and clients, a warm-up, then a measured interval; submit→ack and submit→visible-at-another-client latency
 * into HdrHistogram {@link Recorder}s; at the end every client must have converged with a fresh fetch.
 * <p>
 * Open-loop and trace scenarios plan edit {@code k} at {@code t0 + k / totalRate}, round-robin over the typing
 * clients, on one pacing thread; when that thread falls behind it sends late but still measures from the planned time
 * (no coordinated omission). Closed-loop clients send their next edit from the ack callback.
 */
public final class WsLoadGenerator
{
    private static final long HIGHEST_NS = TimeUnit.MINUTES.toNanos(10);
    private static final long CONNECT_TIMEOUT_MS = 30_000;
    private static final long DRAIN_TIMEOUT_MS = 30_000;
    private static final long CONVERGE_TIMEOUT_MS = 20_000;
    private static final int MAX_DOC_LENGTH = 2000;

    private final String system;
    private final String url;
    private final Scenario scenario;
    private final double warmupSeconds;
    private final double seconds;
    private final Trace trace;

    private final Recorder ackRecorder = new Recorder(1, HIGHEST_NS, 3);
    private final Recorder visibleRecorder = new Recorder(1, HIGHEST_NS, 3);
    private final AtomicLong ackedInWindow = new AtomicLong();
    private final Map<String, Sent> sent = new ConcurrentHashMap<>();
    private volatile long measureFromNs = Long.MAX_VALUE;
    private volatile long measureToNs = Long.MAX_VALUE;
    private volatile boolean stop;
    private final ShareDbClient.EditSource randomEdits = randomEdits();
    private Runnable onMeasureStart;
    private long serverPid = -1;
    /** CPU time (ns) of this process and of the server at the start and the end of the measured interval; -1: unknown. */
    private long clientCpuFrom = -1;
    private long clientCpuTo = -1;
    private long serverCpuFrom = -1;
    private long serverCpuTo = -1;

    /** Planned times of a wire op, kept until every other client of its document has applied it. */
    private record Sent(long[] plannedNs, AtomicInteger remaining)
    {
    }

    /**
     * @param system        label of the server in reports.
     * @param url           {@code ws://host:port/ws}.
     * @param scenario      the load.
     * @param warmupSeconds unmeasured load first.
     * @param seconds       measured interval.
     * @param trace         the trace typed in trace mode (null otherwise).
     */
    public WsLoadGenerator(final String system, final String url, final Scenario scenario, final double warmupSeconds,
        final double seconds, final Trace trace)
    {
        if (scenario.mode() == Scenario.Mode.TRACE && trace == null)
        {
            throw new IllegalArgumentException("trace mode needs a trace");
        }
        this.system = system;
        this.url = url;
        this.scenario = scenario;
        this.warmupSeconds = warmupSeconds;
        this.seconds = seconds;
        this.trace = trace;
    }

    /**
     * @param action run once, on a thread of its own, when the warm-up ends and the measured interval begins (e.g.
     *               to snapshot the server's own recorders); its failure is reported on stderr, not fatal.
     * @return this.
     */
    public WsLoadGenerator onMeasureStart(final Runnable action)
    {
        this.onMeasureStart = action;
        return this;
    }

    /**
     * @param pid the server's process (on this host), whose CPU time over the measured interval is reported per op.
     * @return this.
     */
    public WsLoadGenerator serverPid(final long pid)
    {
        this.serverPid = pid;
        return this;
    }

    /** @return CPU time of a process so far, ns, or -1 if the OS does not say. */
    static long cpuNs(final long pid)
    {
        return ProcessHandle.of(pid).flatMap(p -> p.info().totalCpuDuration()).map(java.time.Duration::toNanos)
            .orElse(-1L);
    }

    /**
     * Run the scenario.
     *
     * @return what was measured.
     * @throws Exception if clients cannot connect, a client fails (server error, closed socket) or the load does not
     *                   drain in time.
     */
    public LoadResult run() throws Exception
    {
        final ExecutorService executor = Executors.newFixedThreadPool(2, r ->
        {
            final Thread t = new Thread(r, "ws-load-io");
            t.setDaemon(true);
            return t;
        });
        final HttpClient http = HttpClient.newBuilder().executor(executor).build();
        final List<ShareDbClient> clients = new ArrayList<>();
        try
        {
            final String run = "b" + System.currentTimeMillis() + "-" + ProcessHandle.current().pid();
            final Listener listener = new Listener();
            for (int d = 0; d < scenario.docs(); d++)
            {
                for (int c = 0; c < scenario.clientsPerDoc(); c++)
                {
                    clients.add(new ShareDbClient("bench", run + "-" + d, listener));
                }
            }
            connect(http, clients, true);
            connect(http, clients, false);

            final long t0 = System.nanoTime();
            measureFromNs = t0 + (long)(warmupSeconds * 1e9);
            measureToNs = measureFromNs + (long)(seconds * 1e9);
            final Thread sampler = sampler(measureFromNs, measureToNs);
            if (scenario.mode() == Scenario.Mode.CLOSED)
            {
                for (final ShareDbClient client : clients)
                {
                    client.edit(randomEdits, System.nanoTime());
                }
                sleepUntil(measureToNs, clients);
            }
            else
            {
                pace(clients, t0);
            }
            stop = true;
            awaitIdle(clients);
            final String problem = convergence(http, clients);
            long gaps = 0;
            for (final ShareDbClient client : clients)
            {
                gaps += client.gaps();
            }
            final Histogram ack = ackRecorder.getIntervalHistogram();
            final Histogram visible = visibleRecorder.getIntervalHistogram();
            sampler.join(5_000);
            final long acked = ackedInWindow.get();
            return new LoadResult(system, scenario, seconds, acked, ack, visible, gaps,
                problem.isEmpty(), problem, perOpUs(clientCpuFrom, clientCpuTo, acked),
                perOpUs(serverCpuFrom, serverCpuTo, acked));
        }
        finally
        {
            stop = true;
            for (final ShareDbClient client : clients)
            {
                client.close(1000);
            }
            executor.shutdownNow();
        }
    }

    /**
     * At the start of the measured interval: the start hook and the CPU times; at its end, the CPU times again. On a
     * thread of its own, so that neither waits for the load.
     */
    private Thread sampler(final long fromNs, final long toNs)
    {
        final Runnable action = onMeasureStart;
        final long self = ProcessHandle.current().pid();
        final Thread t = new Thread(() ->
        {
            sleepUntil(fromNs);
            clientCpuFrom = cpuNs(self);
            serverCpuFrom = serverPid > 0 ? cpuNs(serverPid) : -1;
            if (action != null)
            {
                try
                {
                    action.run();
                }
                catch (final RuntimeException ex)
                {
                    System.err.println("bench-ws: at the start of the measured interval: " + ex);
                }
            }
            sleepUntil(toNs);
            clientCpuTo = cpuNs(self);
            serverCpuTo = serverPid > 0 ? cpuNs(serverPid) : -1;
        }, "ws-load-sampler");
        t.setDaemon(true);
        t.start();
        return t;
    }

    private static void sleepUntil(final long deadlineNs)
    {
        for (long left = deadlineNs - System.nanoTime(); left > 0; left = deadlineNs - System.nanoTime())
        {
            LockSupport.parkNanos(left);
        }
    }

    private static double perOpUs(final long startNs, final long endNs, final long ops)
    {
        return startNs < 0 || endNs < 0 || ops == 0 ? Double.NaN : (endNs - startNs) / 1e3 / ops;
    }

    /** Connect the first client of each document (which creates it) or all the others. */
    private void connect(final HttpClient http, final List<ShareDbClient> clients, final boolean creators)
        throws Exception
    {
        final int perDoc = scenario.clientsPerDoc();
        final List<ShareDbClient> group = new ArrayList<>();
        for (int i = 0; i < clients.size(); i++)
        {
            if ((i % perDoc == 0) == creators)
            {
                group.add(clients.get(i));
            }
        }
        final List<CompletableFuture<Void>> ready = new ArrayList<>();
        for (final ShareDbClient client : group)
        {
            ready.add(client.connect(http, url).thenCompose(ws -> client.ready()));
        }
        CompletableFuture.allOf(ready.toArray(CompletableFuture[]::new))
            .get(CONNECT_TIMEOUT_MS, TimeUnit.MILLISECONDS);
        if (creators)
        {
            for (final ShareDbClient client : group)
            {
                if (!client.exists())
                {
                    client.create();
                }
            }
            awaitIdle(group);
        }
        for (final ShareDbClient client : group)
        {
            if (!client.exists())
            {
                throw new IllegalStateException(client + ": the document does not exist after its creation");
            }
        }
    }

    /** Open loop: edit k of the typing clients at {@code t0 + k / totalRate}; measured from that planned time. */
    private void pace(final List<ShareDbClient> clients, final long t0)
    {
        final List<ShareDbClient> typists = new ArrayList<>();
        final List<ShareDbClient.EditSource> sources = new ArrayList<>();
        for (int i = 0; i < clients.size(); i++)
        {
            if (scenario.mode() == Scenario.Mode.OPEN || i % scenario.clientsPerDoc() == 0)
            {
                typists.add(clients.get(i));
                sources.add(scenario.mode() == Scenario.Mode.TRACE ? traceEdits() : randomEdits());
            }
        }
        final double intervalNs = 1e9 / (scenario.ratePerClient() * typists.size());
        for (long k = 0; ; k++)
        {
            final long planned = t0 + (long)(k * intervalNs);
            if (planned >= measureToNs)
            {
                return;
            }
            final long wait = planned - System.nanoTime();
            if (wait > 0)
            {
                LockSupport.parkNanos(wait);
            }
            final int i = (int)(k % typists.size());
            final ShareDbClient client = typists.get(i);
            if (client.failure() != null)
            {
                throw new IllegalStateException(client.failure());
            }
            client.edit(sources.get(i), planned);
        }
    }

    /** A random one-character insert, or a delete once the document is past {@value #MAX_DOC_LENGTH} code points. */
    private static ShareDbClient.EditSource randomEdits()
    {
        return (length, out) ->
        {
            final ThreadLocalRandom random = ThreadLocalRandom.current();
            if (length > MAX_DOC_LENGTH)
            {
                out.skip(random.nextInt(length)).delete(1).trim();
            }
            else
            {
                out.skip(random.nextInt(length + 1)).insert(Character.toString('a' + random.nextInt(26))).trim();
            }
        };
    }

    /** The trace's edits in order, as typed; none once it is exhausted. */
    private ShareDbClient.EditSource traceEdits()
    {
        final int[] next = {0};
        final char[] chars = trace.insertChars();
        return (length, out) ->
        {
            final int i = next[0];
            if (i < trace.edits())
            {
                next[0]++;
                out.skip(trace.position(i)).delete(trace.deleteCount(i))
                    .insert(chars, trace.insertStart(i), trace.insertLength(i)).trim();
            }
        };
    }

    private void sleepUntil(final long deadlineNs, final List<ShareDbClient> clients)
    {
        while (System.nanoTime() < deadlineNs)
        {
            LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(50));
            for (final ShareDbClient client : clients)
            {
                if (client.failure() != null)
                {
                    throw new IllegalStateException(client.failure());
                }
            }
        }
    }

    private static void awaitIdle(final List<ShareDbClient> clients)
    {
        final long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(DRAIN_TIMEOUT_MS);
        for (final ShareDbClient client : clients)
        {
            while (!client.idle())
            {
                if (client.failure() != null)
                {
                    throw new IllegalStateException(client.failure());
                }
                if (System.nanoTime() > deadline)
                {
                    throw new IllegalStateException(client + " still busy after " + DRAIN_TIMEOUT_MS + " ms");
                }
                LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(5));
            }
        }
    }

    /** @return empty if every client equals a fresh fetch of its document, else what differs. */
    private String convergence(final HttpClient http, final List<ShareDbClient> clients) throws Exception
    {
        final StringBuilder problems = new StringBuilder();
        final int perDoc = scenario.clientsPerDoc();
        final long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(CONVERGE_TIMEOUT_MS);
        for (int d = 0; d < scenario.docs(); d++)
        {
            final List<ShareDbClient> group = clients.subList(d * perDoc, (d + 1) * perDoc);
            final ShareDbClient fresh = new ShareDbClient("bench", group.get(0).docId(), new Listener());
            try
            {
                fresh.connect(http, url).thenCompose(ws -> fresh.ready()).get(CONNECT_TIMEOUT_MS, TimeUnit.MILLISECONDS);
                for (final ShareDbClient client : group)
                {
                    while (client.version() < fresh.version() && System.nanoTime() < deadline)
                    {
                        LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(5));
                    }
                    if (client.version() != fresh.version() || !client.text().equals(fresh.text()))
                    {
                        problems.append(client).append(" has ").append(client.length()).append(" code points at v")
                            .append(client.version()).append(", a fresh fetch ").append(fresh.length())
                            .append(" at v").append(fresh.version()).append("; ");
                    }
                }
            }
            finally
            {
                fresh.close(1000);
            }
        }
        return problems.toString();
    }

    private final class Listener implements ShareDbClient.Listener
    {
        @Override
        public void onAcked(final ShareDbClient client, final long[] plannedNs, final int count, final long nowNs)
        {
            final long from = measureFromNs;
            if (nowNs >= from && nowNs < measureToNs)
            {
                ackedInWindow.addAndGet(count);
            }
            for (int i = 0; i < count; i++)
            {
                if (plannedNs[i] >= from && plannedNs[i] < measureToNs)
                {
                    ackRecorder.recordValue(Math.min(HIGHEST_NS, nowNs - plannedNs[i]));
                }
            }
            if (scenario.mode() == Scenario.Mode.CLOSED && !stop && nowNs < measureToNs)
            {
                client.edit(randomEdits, nowNs);
            }
        }

        @Override
        public void onSend(final ShareDbClient client, final long seq, final long[] plannedNs, final int count)
        {
            if (scenario.clientsPerDoc() > 1)
            {
                sent.put(client.src() + "/" + seq, new Sent(Arrays.copyOf(plannedNs, count),
                    new AtomicInteger(scenario.clientsPerDoc() - 1)));
            }
        }

        @Override
        public void onRemoteOp(final ShareDbClient client, final String src, final long seq, final long nowNs)
        {
            final String key = src + "/" + seq;
            final Sent s = sent.get(key);
            if (s == null)
            {
                return;
            }
            for (final long planned : s.plannedNs())
            {
                if (planned >= measureFromNs && planned < measureToNs)
                {
                    visibleRecorder.recordValue(Math.min(HIGHEST_NS, nowNs - planned));
                }
            }
            if (s.remaining().decrementAndGet() == 0)
            {
                sent.remove(key);
            }
        }
    }
}
