package io.quire.engine.shard;

import io.quire.engine.ring.EgressStage;
import io.quire.engine.ring.JournalStage;
import io.quire.engine.ring.SequencerStage;
import io.quire.engine.ring.ShardRing;
import io.quire.engine.ring.ThreadingMode;
import io.quire.engine.ring.WaitStrategies;
import io.quire.journal.JournalContext;
import io.quire.journal.JournalWriter;
import org.HdrHistogram.SingleWriterRecorder;
import org.agrona.CloseHelper;
import org.agrona.concurrent.Agent;
import org.agrona.concurrent.AgentRunner;
import org.agrona.concurrent.BackoffIdleStrategy;
import org.agrona.concurrent.SystemEpochNanoClock;
import org.agrona.concurrent.UnsafeBuffer;
import org.agrona.concurrent.status.AtomicCounter;
import org.agrona.concurrent.status.CountersManager;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;

/**
 * A real shard for tests: a Disruptor ring with the three stages (in single threading mode polled by a thread of the
 * harness), a Chronicle journal in a temp dir, and a sink that decodes what the engine would send to edges.
 */
final class ShardHarness implements AutoCloseable
{
    final JournalWriter writer;
    final JournalRecordLookup lookup;
    final ShardSequencer sequencer;
    final ShardRing ring;
    final ShardCounters counters;
    final List<Reply> replies = new ArrayList<>();
    final DocumentStore docs;
    private final AgentRunner poller;

    ShardHarness(final Path dir, final SequencerConfig config, final ThreadingMode mode,
        final DocumentPersistence persistence, final long maxBytes, final int maxDocs, final int historyMax)
    {
        final CountersManager counterSpace = new CountersManager(
            new UnsafeBuffer(new byte[1 << 20]), new UnsafeBuffer(new byte[1 << 18]));
        counters = new ShardCounters(counterSpace::newCounter);
        writer = new JournalWriter(JournalContext.forTests(dir));
        lookup = new JournalRecordLookup(writer.newReader());
        docs = new DocumentStore(persistence, maxBytes, maxDocs, historyMax)
            .observe(counters, new SingleWriterRecorder(DocumentStore.MAX_RECORDED_NANOS, 3));
        final ShardRing.ForwardingSupplier journaled = ShardRing.forwardingSupplier();
        sequencer = new ShardSequencer(config, docs, persistence, lookup, writer.nextLsn(), journaled, () -> 1L,
            new SystemEpochNanoClock(), counters);
        final SingleWriterRecorder latency = new SingleWriterRecorder(3);
        final JournalStage journal = new JournalStage(config.shardId(), writer, new SingleWriterRecorder(3),
            new SingleWriterRecorder(3));
        final AtomicCounter sent = counterSpace.newCounter("sent");
        final EgressStage egress = new EgressStage((edgeId, buffer, offset, length) ->
        {
            synchronized (replies)
            {
                replies.add(Reply.decode(edgeId, buffer, offset));
                replies.notifyAll();
            }
            return true;
        }, journal, latency, sent, counterSpace.newCounter("undelivered"), counterSpace.newCounter("suppressed"),
            new io.quire.engine.ring.ReplicationGate());
        ring = new ShardRing(config.shardId(), 1024, mode, WaitStrategies.parse("backoff"), 256,
            new SequencerStage(sequencer), journal, egress, io.quire.engine.CpuSet.NONE);
        journaled.target(ring.journaledSequence());
        ring.start();
        if (mode == ThreadingMode.SINGLE)
        {
            // The engine's thread would poll the ring; here a test thread of our own does.
            poller = new AgentRunner(new BackoffIdleStrategy(), Throwable::printStackTrace, null, new Agent()
            {
                @Override
                public int doWork()
                {
                    return ring.poll();
                }

                @Override
                public String roleName()
                {
                    return "harness-shard-poller";
                }
            });
            AgentRunner.startOnThread(poller);
        }
        else
        {
            poller = null;
        }
    }

    ShardHarness(final Path dir)
    {
        this(dir, SequencerConfig.TEST, ThreadingMode.SHARED, new MemoryPersistence(), 1L << 30, 10_000, 1000);
    }

    void send(final Requests r)
    {
        final long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
        while (!ring.offer(r.buffer, 0, r.length, r.templateId, System.nanoTime()))
        {
            if (System.nanoTime() > deadline)
            {
                throw new AssertionError("ring stayed full for 5 s");
            }
            Thread.onSpinWait();
        }
    }

    /** Wait (at most 5 s) until a reply matching the predicate exists; returns it and all replies before it. */
    Reply await(final Predicate<Reply> match)
    {
        final long deadline = System.currentTimeMillis() + 5000;
        synchronized (replies)
        {
            while (true)
            {
                for (final Reply r : replies)
                {
                    if (match.test(r))
                    {
                        return r;
                    }
                }
                final long left = deadline - System.currentTimeMillis();
                if (left <= 0)
                {
                    throw new AssertionError("no matching reply in 5 s; got " + replies);
                }
                try
                {
                    replies.wait(left);
                }
                catch (final InterruptedException ex)
                {
                    Thread.currentThread().interrupt();
                    throw new AssertionError(ex);
                }
            }
        }
    }

    /** Send and wait for the one reply to (edge, session) of the given type set. */
    Reply request(final Requests r, final long session, final String... types)
    {
        final int before;
        synchronized (replies)
        {
            before = replies.size();
        }
        send(r);
        final List<String> wanted = List.of(types);
        final long deadline = System.currentTimeMillis() + 5000;
        synchronized (replies)
        {
            while (true)
            {
                for (int i = before; i < replies.size(); i++)
                {
                    final Reply reply = replies.get(i);
                    if (reply.session() == session && wanted.contains(reply.type()))
                    {
                        return reply;
                    }
                    // The edge's contract: a broadcast that names this session as its origin is that session's ack.
                    if (wanted.contains("ack") && reply.type().equals("op") && reply.origin() == session &&
                        reply.edge() == reply.originEdge())
                    {
                        return new Reply(reply.edge(), "ack", session, reply.version(), reply.seq(), reply.source(),
                            "", 0, "", 0);
                    }
                }
                final long left = deadline - System.currentTimeMillis();
                if (left <= 0)
                {
                    throw new AssertionError("no " + wanted + " for session " + session + " in 5 s; got " +
                        replies.subList(before, replies.size()));
                }
                try
                {
                    replies.wait(left);
                }
                catch (final InterruptedException ex)
                {
                    Thread.currentThread().interrupt();
                    throw new AssertionError(ex);
                }
            }
        }
    }

    List<Reply> since(final int index)
    {
        synchronized (replies)
        {
            return new ArrayList<>(replies.subList(index, replies.size()));
        }
    }

    int mark()
    {
        synchronized (replies)
        {
            return replies.size();
        }
    }

    @Override
    public void close()
    {
        CloseHelper.quietClose(poller);
        ring.close();
        lookup.close();
        writer.close();
    }
}
