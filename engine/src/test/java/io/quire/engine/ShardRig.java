package io.quire.engine;

import io.quire.engine.ring.ThreadingMode;
import io.quire.engine.shard.Reply;
import io.quire.engine.shard.Requests;
import io.quire.engine.shard.SequencerConfig;
import io.quire.journal.JournalContext;
import io.quire.journal.snapshot.SnapshotContext;
import org.agrona.concurrent.SystemEpochNanoClock;
import org.agrona.concurrent.UnsafeBuffer;
import org.agrona.concurrent.status.CountersManager;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A real shard (ring, sequencer, Chronicle journal under {@code dir/journal}, snapshots under {@code dir/snapshots})
 * with a sink that decodes every reply; commands are offered from the test thread, the ring's single producer.
 */
class ShardRig implements AutoCloseable
{
    private static final long REPLY_TIMEOUT_MS = 5000;

    final Shard shard;
    /** The shard's counters, by label (e.g. {@code "shard-0 journal-pretouched-pages"}). */
    final CountersManager counters;
    /** Every reply so far, in order; guarded by itself. */
    final List<Reply> replies = new ArrayList<>();

    ShardRig(final Path dir, final SequencerConfig config, final int maxDocs, final boolean snapshotOnClose)
    {
        counters = new CountersManager(
            new UnsafeBuffer(new byte[1 << 20]), new UnsafeBuffer(new byte[1 << 18]));
        final ShardSettings settings = new ShardSettings(
            config,
            JournalContext.forTests(dir.resolve("journal")),
            new SnapshotContext().dir(dir.resolve("snapshots")),
            1024, ThreadingMode.SHARED, "backoff", 64, 1L << 30, maxDocs, 50, snapshotOnClose);
        shard = Shard.open(settings, (edge, buffer, offset, length) ->
        {
            synchronized (replies)
            {
                replies.add(Reply.decode(edge, buffer, offset));
                replies.notifyAll();
            }
            return true;
        }, counters::newCounter, () -> 1L, new SystemEpochNanoClock());
        shard.start();
    }

    /** @return how many replies there are so far: pass it to {@link #since} after a request. */
    int mark()
    {
        synchronized (replies)
        {
            return replies.size();
        }
    }

    /** @return a copy of the replies after {@code mark}. */
    List<Reply> since(final int mark)
    {
        synchronized (replies)
        {
            return new ArrayList<>(replies.subList(mark, replies.size()));
        }
    }

    /**
     * Offer a command and wait (at most 5 s, else the test fails) for the first reply of one of {@code types} to
     * {@code session} that arrives after it.
     */
    Reply request(final Requests req, final long session, final String... types)
    {
        final int before = mark();
        while (!shard.offer(req.buffer, 0, req.length, req.templateId, System.nanoTime()))
        {
            Thread.onSpinWait();
        }
        final List<String> wanted = List.of(types);
        final long deadline = System.currentTimeMillis() + REPLY_TIMEOUT_MS;
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
                }
                final long left = deadline - System.currentTimeMillis();
                assertThat(left).as("reply in time, got " + replies.subList(before, replies.size())).isPositive();
                try
                {
                    replies.wait(left);
                }
                catch (final InterruptedException ex)
                {
                    throw new AssertionError(ex);
                }
            }
        }
    }

    /**
     * Create a document in collection {@code c} (session 1, source {@code src}) and commit {@code edits} inserts,
     * each waiting for its ack, so each is a journal batch of its own.
     */
    void createAndEditOneByOne(final String doc, final int edits)
    {
        final Requests req = new Requests();
        assertThat(request(req.create(1, 1, 1, "c", doc, -1, "src", 1, "text-unicode", "a"), 1, "ack").version())
            .isZero();
        for (int i = 1; i <= edits; i++)
        {
            request(req.edit(1, 1, 1 + i, "c", doc, i, "src", 1 + i, "[\"b\"]"), 1, "ack");
        }
    }

    /** @return the value of the counter with this label; fails if there is none. */
    long counter(final String label)
    {
        final long[] value = {Long.MIN_VALUE};
        counters.forEach((id, l) ->
        {
            if (l.equals(label))
            {
                value[0] = counters.getCounterValue(id);
            }
        });
        assertThat(value[0]).as("counter " + label).isNotEqualTo(Long.MIN_VALUE);
        return value[0];
    }

    @Override
    public void close()
    {
        shard.close();
    }
}
