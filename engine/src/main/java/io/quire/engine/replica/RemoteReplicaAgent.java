package io.quire.engine.replica;

import io.aeron.Aeron;
import io.aeron.FragmentAssembler;
import io.aeron.Publication;
import io.aeron.Subscription;
import io.aeron.logbuffer.Header;
import io.quire.codec.replication.BatchEndDecoder;
import io.quire.codec.replication.DivergedDecoder;
import io.quire.codec.replication.JournalChunkDecoder;
import io.quire.codec.replication.MessageHeaderDecoder;
import io.quire.codec.replication.MessageHeaderEncoder;
import io.quire.codec.replication.ReplicaHelloEncoder;
import io.quire.engine.Shard;
import io.quire.engine.shard.EpochRecords;
import io.quire.journal.JournalFormat;
import org.agrona.CloseHelper;
import org.agrona.DirectBuffer;
import org.agrona.ExpandableArrayBuffer;
import org.agrona.concurrent.EpochNanoClock;
import org.agrona.concurrent.UnsafeBuffer;
import org.agrona.concurrent.status.AtomicCounter;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.function.Function;

/**
 * A replica node's duty cycle with the remote transport: per shard, ask the primary (a {@code ReplicaHello} on its
 * replication channel) for the records from the one before this journal's next LSN, check that one equals this
 * journal's last record, then journal each {@code JournalChunk} with its LSN and apply it ({@link Shard#replicate}),
 * committing the copy at each {@code BatchEnd}. A gap in LSNs (records lost to a reconnect) makes it ask again from
 * its next LSN. Lag: records behind the primary's journal end as the primary last reported it, and the age of the
 * last record applied while behind; both -1 (unknown) until the primary has reported its journal end for the shard
 * (a replica that has just started has heard nothing yet: 0 would claim it is caught up); bytes are not measured by
 * this transport (-1). {@link #caughtUp()} answers from the same report, without waiting for a sample.
 * <p>
 * Divergence: each restart hello carries the epoch of this journal's last record; a primary that sees from it that
 * this journal is not a prefix of its own answers with a {@code Diverged} saying up to which LSN the two agree, and
 * the shard stops with a {@link ReplicaDivergedException} carrying that point (the node keeps that prefix and copies
 * the rest). A record at the hello's LSN that differs although its epoch is the same, or an older primary's answer
 * (a {@code BatchEnd} naming no batch, before this journal's end), stops it with no agreement point.
 */
public final class RemoteReplicaAgent implements Replication
{
    private static final Logger LOG = LoggerFactory.getLogger(RemoteReplicaAgent.class);
    private static final long HELLO_INTERVAL_NS = 500_000_000L;

    private static final class State
    {
        final Shard shard;
        final byte[] ownLast;
        final long ownLastLsn;
        final AtomicCounter appliedLsn;
        final AtomicCounter lagRecords;
        final AtomicCounter lagBytes;
        final AtomicCounter lagMs;
        final AtomicCounter received;
        // The epoch of the last record appended to this journal (-1: none); sent with restart hellos.
        long lastEpoch;
        boolean following;
        // Set once the shard has followed the primary (any thread reads it).
        volatile boolean followed;
        long committedNext;
        long nextHelloNs;
        // The primary's journal end as it last reported it; -1 until it has. Written by the agent only when it
        // grows (a few times a second at most), read by caughtUp() on any thread.
        volatile long headLsn = -1;
        long lastTimestampNs;
        volatile RuntimeException failure;

        State(final Shard shard, final Function<String, AtomicCounter> counters, final EpochRecords epochs)
        {
            this.shard = shard;
            final long last = shard.nextLsn() - 1;
            this.ownLastLsn = last;
            this.ownLast = last >= JournalFormat.FIRST_LSN ? ShardTail.ownRecord(shard, last) : null;
            final String label = "shard-" + shard.shardId() + " replica-";
            this.appliedLsn = counters.apply(label + "applied-lsn");
            this.lagRecords = counters.apply(label + "lag-records");
            this.lagBytes = counters.apply(label + "lag-bytes");
            this.lagMs = counters.apply(label + "lag-ms");
            this.received = counters.apply(label + "received-records");
            this.lastEpoch = ownLast == null ? -1 : epochs.epochOf(new UnsafeBuffer(ownLast), 0);
            appliedLsn.setOrdered(last);
            received.setOrdered(0);
            committedNext = last + 1;
            lagRecords.setOrdered(-1);
            lagBytes.setOrdered(-1);
            lagMs.setOrdered(-1);
        }

        void heardHead(final long head, final RemoteReplicaAgent agent)
        {
            // A primary's journal holds at least its EpochRecord: a head below the first LSN says nothing.
            if (head >= JournalFormat.FIRST_LSN && head > headLsn)
            {
                if (headLsn < 0)
                {
                    agent.nextSampleNs = System.nanoTime(); // replace the unknown lag at once
                }
                headLsn = head;
            }
        }
    }

    private final int nodeId;
    private final int shardBegin;
    private final State[] states;
    private final Publication hellos;
    private final Subscription records;
    private final String advertisedChannel;
    private final int stream;
    private final EpochNanoClock wallClock;
    private final long sampleIntervalNs;
    private final FragmentAssembler assembler = new FragmentAssembler(this::onFragment);
    private final MessageHeaderDecoder header = new MessageHeaderDecoder();
    private final JournalChunkDecoder chunk = new JournalChunkDecoder();
    private final BatchEndDecoder batchEnd = new BatchEndDecoder();
    private final DivergedDecoder diverged = new DivergedDecoder();
    private final MessageHeaderEncoder headerOut = new MessageHeaderEncoder();
    private final ReplicaHelloEncoder hello = new ReplicaHelloEncoder();
    private final ExpandableArrayBuffer out = new ExpandableArrayBuffer(512);
    private final UnsafeBuffer record = new UnsafeBuffer(new byte[0]);
    private final EpochRecords epochs = new EpochRecords();
    private final ExpandableArrayBuffer scratch = new ExpandableArrayBuffer(4096);
    private long nextSampleNs;

    /**
     * @param aeron             client.
     * @param nodeId            this node.
     * @param primaryChannel    the primary's replication channel.
     * @param primaryStream     its stream.
     * @param channel           where this node receives records (port 0: any free port).
     * @param stream            its stream.
     * @param shards            the owned shards, recovered from this node's journal, not started.
     * @param shardBegin        first owned shard.
     * @param counters          makes counters from labels.
     * @param wallClock         wall clock.
     * @param sampleIntervalNs  how often lag gauges are refreshed.
     */
    public RemoteReplicaAgent(
        final Aeron aeron, final int nodeId, final String primaryChannel, final int primaryStream,
        final String channel, final int stream, final Shard[] shards, final int shardBegin,
        final Function<String, AtomicCounter> counters, final EpochNanoClock wallClock, final long sampleIntervalNs)
    {
        this.nodeId = nodeId;
        this.shardBegin = shardBegin;
        this.states = new State[shards.length];
        for (int i = 0; i < shards.length; i++)
        {
            states[i] = new State(shards[i], counters, epochs);
            shards[i].handOver();
        }
        this.records = aeron.addSubscription(channel, stream);
        this.hellos = aeron.addPublication(primaryChannel, primaryStream);
        this.advertisedChannel = resolve(channel, records);
        this.stream = stream;
        this.wallClock = wallClock;
        this.sampleIntervalNs = sampleIntervalNs;
    }

    private static String resolve(final String channel, final Subscription subscription)
    {
        if (!channel.startsWith("aeron:udp") || !channel.contains(":0"))
        {
            return channel;
        }
        final long deadline = System.nanoTime() + 10_000_000_000L;
        String endpoint;
        while ((endpoint = subscription.resolvedEndpoint()) == null)
        {
            if (System.nanoTime() - deadline > 0)
            {
                throw new IllegalStateException("cannot resolve the replica channel " + channel);
            }
            Thread.onSpinWait();
        }
        return "aeron:udp?endpoint=" + endpoint;
    }

    @Override
    public int doWork()
    {
        int work = records.poll(assembler, 64);
        final long now = System.nanoTime();
        for (final State s : states)
        {
            if (s.failure == null && now - s.nextHelloNs >= 0)
            {
                s.nextHelloNs = now + HELLO_INTERVAL_NS;
                sayHello(s);
                work++;
            }
        }
        if (now - nextSampleNs >= 0)
        {
            nextSampleNs = now + sampleIntervalNs;
            final long wall = wallClock.nanoTime();
            for (final State s : states)
            {
                final long head = s.headLsn;
                if (head < 0)
                {
                    continue; // still unknown (-1)
                }
                final long applied = s.shard.nextLsn() - 1;
                final long behind = Math.max(0, head - applied);
                s.lagRecords.setOrdered(behind);
                s.lagMs.setOrdered(behind == 0 || s.lastTimestampNs <= 0 ? 0 :
                    Math.max(0, (wall - s.lastTimestampNs) / 1_000_000));
            }
        }
        return work;
    }

    private void sayHello(final State s)
    {
        hello.wrapAndApplyHeader(out, 0, headerOut).nodeId(nodeId).shardId(s.shard.shardId())
            .nextLsn(s.following ? s.committedNext : s.shard.nextLsn()).responseStreamId(stream)
            .restart(s.following ? io.quire.codec.replication.BooleanType.FALSE :
                io.quire.codec.replication.BooleanType.TRUE)
            .lastEpoch(s.lastEpoch < 0 ? ReplicaHelloEncoder.lastEpochNullValue() : s.lastEpoch)
            .responseChannel(advertisedChannel);
        hellos.offer(out, 0, MessageHeaderEncoder.ENCODED_LENGTH + hello.encodedLength());
    }

    private void onFragment(final DirectBuffer buffer, final int offset, final int length, final Header h)
    {
        if (length < MessageHeaderDecoder.ENCODED_LENGTH)
        {
            return;
        }
        header.wrap(buffer, offset);
        if (header.schemaId() != JournalChunkDecoder.SCHEMA_ID ||
            length < MessageHeaderDecoder.ENCODED_LENGTH + header.blockLength())
        {
            return;
        }
        final int at = offset + MessageHeaderDecoder.ENCODED_LENGTH;
        switch (header.templateId())
        {
            case JournalChunkDecoder.TEMPLATE_ID:
            {
                chunk.wrap(buffer, at, header.blockLength(), header.version());
                final State s = state(chunk.shardId());
                if (s == null || s.failure != null || chunk.limit() + 4 > offset + length)
                {
                    return;
                }
                final int recordLength = chunk.recordLength();
                final int recordOffset = chunk.limit() + 4;
                if (recordLength <= 0 || recordOffset + recordLength > offset + length)
                {
                    return;
                }
                // The primary refreshes its head every few tens of ms: a record it sent is committed there too.
                s.heardHead(Math.max(chunk.headLsn(), chunk.lsn()), this);
                onRecord(s, chunk.lsn(), buffer, recordOffset, recordLength);
                break;
            }
            case BatchEndDecoder.TEMPLATE_ID:
            {
                batchEnd.wrap(buffer, at, header.blockLength(), header.version());
                final State s = state(batchEnd.shardId());
                if (s == null || s.failure != null)
                {
                    return;
                }
                if (!s.following && batchEnd.lastLsn() < JournalFormat.FIRST_LSN)
                {
                    // The primary's answer to a hello from past its journal's end.
                    final long own = s.shard.nextLsn() - 1;
                    if (batchEnd.headLsn() < own)
                    {
                        fail(s, new ReplicaDivergedException(s.shard.shardId(), own, "the primary's journal ends " +
                            "at LSN " + batchEnd.headLsn() + ", before this replica's last record"));
                    }
                    return;
                }
                s.heardHead(batchEnd.headLsn(), this);
                if (s.following)
                {
                    try
                    {
                        s.shard.replicatedBatch();
                    }
                    catch (final RuntimeException ex)
                    {
                        fail(s, ex);
                        return;
                    }
                    s.committedNext = s.shard.nextLsn();
                    s.appliedLsn.setOrdered(s.committedNext - 1);
                    // Report the journaled position at once: a primary under the replicated policy holds acks for it.
                    sayHello(s);
                }
                break;
            }
            case DivergedDecoder.TEMPLATE_ID:
            {
                diverged.wrap(buffer, at, header.blockLength(), header.version());
                final State s = state(diverged.shardId());
                final long own = s == null ? -1 : s.shard.nextLsn() - 1;
                if (s == null || s.failure != null || s.following || diverged.replicaLastLsn() != own)
                {
                    return; // the answer to an older hello
                }
                final long agreed = diverged.agreedLsn();
                final boolean known = agreed >= 0 && agreed < own;
                fail(s, new ReplicaDivergedException(s.shard.shardId(), own, "the primary's record at this LSN is " +
                    "of another epoch, or its journal (ending at LSN " + diverged.headLsn() + ") has none",
                    known ? agreed : -1, known ? diverged.agreedEpoch() : -1));
                break;
            }
            default:
                break;
        }
    }

    private void onRecord(final State s, final long lsn, final DirectBuffer buffer, final int offset, final int length)
    {
        final long next = s.shard.nextLsn();
        if (lsn < next)
        {
            if (lsn == next - 1 && !s.following)
            {
                record.wrap(buffer, offset, length);
                final byte[] theirs = new byte[length];
                record.getBytes(0, theirs);
                if (s.ownLast != null && lsn == s.ownLastLsn && !Arrays.equals(theirs, s.ownLast))
                {
                    fail(s, new ReplicaDivergedException(s.shard.shardId(), lsn, "the records differ"));
                    return;
                }
                s.following = true;
                s.followed = true;
                LOG.info("shard {}: following the primary from LSN {}", s.shard.shardId(), next);
            }
            return;
        }
        if (lsn > next || (!s.following && next != JournalFormat.FIRST_LSN))
        {
            if (s.following)
            {
                LOG.warn("shard {}: records {}..{} missed; asking again", s.shard.shardId(), next, lsn - 1);
                s.nextHelloNs = System.nanoTime();
            }
            s.following = false;
            return;
        }
        s.following = true;
        s.followed = true;
        try
        {
            // The journal writes from byte arrays; the Aeron term buffer is off-heap.
            scratch.putBytes(0, buffer, offset, length);
            s.shard.replicate(lsn, scratch, 0, length);
            s.lastTimestampNs = epochs.timestampOf(scratch, 0);
            s.lastEpoch = epochs.epochOf(scratch, 0);
            s.received.incrementOrdered(); // this agent is its one writer
        }
        catch (final RuntimeException ex)
        {
            fail(s, ex);
        }
    }

    private void fail(final State s, final RuntimeException ex)
    {
        s.failure = ex;
        s.following = false;
        LOG.error("shard {}: replication stopped at LSN {}", s.shard.shardId(), s.shard.nextLsn(), ex);
    }

    private State state(final int shardId)
    {
        final int i = shardId - shardBegin;
        return i >= 0 && i < states.length ? states[i] : null;
    }

    @Override
    public long[] progress(final int index)
    {
        final State s = states[index];
        return new long[] {s.appliedLsn.get(), s.lagRecords.get(), -1, s.lagMs.get()};
    }

    @Override
    public long recordsReceived(final int index)
    {
        return states[index].received.get();
    }

    @Override
    public boolean settled()
    {
        for (final State s : states)
        {
            if (s.failure == null && !s.followed)
            {
                return false;
            }
        }
        return true;
    }

    @Override
    public List<RuntimeException> failures()
    {
        final List<RuntimeException> all = new ArrayList<>();
        for (final State s : states)
        {
            if (s.failure != null)
            {
                all.add(s.failure);
            }
        }
        return all;
    }

    @Override
    public boolean caughtUp()
    {
        for (final State s : states)
        {
            final long head = s.headLsn;
            if (s.failure != null || head < 0 || s.appliedLsn.get() < head)
            {
                return false;
            }
        }
        return true;
    }

    @Override
    public RuntimeException failure()
    {
        for (final State s : states)
        {
            if (s.failure != null)
            {
                return s.failure;
            }
        }
        return null;
    }

    @Override
    public void onClose()
    {
        // Records after the last BatchEnd were committed on the primary: commit them here too, on this thread, so
        // the journal is closed at a batch boundary for whoever uses the shard next (shutdown, or a promotion).
        for (final State s : states)
        {
            if (s.failure == null)
            {
                try
                {
                    s.shard.replicatedBatch();
                }
                catch (final RuntimeException ex)
                {
                    LOG.error("shard {}: could not commit the last records received", s.shard.shardId(), ex);
                }
            }
        }
        CloseHelper.quietCloseAll(records, hellos);
    }

    @Override
    public String roleName()
    {
        return "quire-replica-remote";
    }
}
