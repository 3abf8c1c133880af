package io.quire.engine.replica;

import io.aeron.Aeron;
import io.aeron.ChannelUri;
import io.aeron.CommonContext;
import io.aeron.FragmentAssembler;
import io.aeron.Publication;
import io.aeron.Subscription;
import io.aeron.logbuffer.Header;
import io.quire.codec.replication.BatchEndEncoder;
import io.quire.codec.replication.DivergedEncoder;
import io.quire.codec.replication.JournalChunkEncoder;
import io.quire.codec.replication.MessageHeaderDecoder;
import io.quire.codec.replication.MessageHeaderEncoder;
import io.quire.codec.replication.ReplicaHelloDecoder;
import io.quire.engine.Shard;
import io.quire.engine.shard.EpochRecords;
import io.quire.journal.JournalReader;
import org.agrona.CloseHelper;
import org.agrona.DirectBuffer;
import org.agrona.ExpandableArrayBuffer;
import org.agrona.collections.Long2ObjectHashMap;
import org.agrona.concurrent.Agent;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.ArrayList;
import java.util.List;

/**
 * The primary's side of the remote transport: takes {@code ReplicaHello}s on the replication channel and streams
 * each asking shard's journal, from the record before the replica's next LSN, to the channel the replica named:
 * one {@code JournalChunk} per record, a {@code BatchEnd} after each of the journal's batches. Only committed
 * batches are read (a Chronicle reader sees an excerpt once it is closed). On back-pressure the follower is
 * repositioned after the last record sent. Its own thread; reads the journals through readers of its own.
 * <p>
 * A restart hello that names the epoch of the replica's last record (version 2) is checked first: if this journal's
 * record at that LSN has another epoch, or this journal ends before it, the replica's journal is not a prefix of
 * this one, and instead of records it gets a {@code Diverged} saying where the two agree. Epochs are unique and each
 * has one writer, and a journal's epochs never decrease, so both journals hold the same records up to the last one
 * before this journal's first record of an epoch newer than the replica's last: that LSN (found by a binary search
 * over LSNs) and its record's epoch are the answer; the replica keeps its records up to there (no further than its
 * own last record of that epoch) and says hello again from the next, when its record at that LSN is compared whole.
 */
public final class ReplicationSourceAgent implements Agent
{
    private static final Logger LOG = LoggerFactory.getLogger(ReplicationSourceAgent.class);
    private static final int MAX_BATCHES = 16;
    private static final long HEAD_REFRESH_NS = 50_000_000L;
    private static final long DISCONNECTED_DROP_NS = 10_000_000_000L;

    private static final class Follower
    {
        final int nodeId;
        final Shard shard;
        final JournalReader reader;
        Publication publication;
        String channel;
        int stream;
        long sendFrom;
        long replicaLast;
        boolean seek = true;
        boolean aheadReported;
        long replicaEpoch = -1;
        boolean divergenceChecked;
        long agreedLsn = -1;
        long agreedEpoch = -1;
        long lastSent;
        long pendingBatchEnd = -1;
        boolean blocked;
        long disconnectedSinceNs;

        Follower(final int nodeId, final Shard shard)
        {
            this.nodeId = nodeId;
            this.shard = shard;
            this.reader = shard.newJournalReader();
        }
    }

    private final Aeron aeron;
    private final Subscription hellos;
    private final FragmentAssembler assembler = new FragmentAssembler(this::onFragment);
    private final Shard[] shards;
    private final int shardBegin;
    private final int termLength;
    private final long[] headLsn;
    private final JournalReader[] headReaders;
    private final Long2ObjectHashMap<Follower> followers = new Long2ObjectHashMap<>();
    private final List<Follower> order = new ArrayList<>();
    private final MessageHeaderDecoder header = new MessageHeaderDecoder();
    private final ReplicaHelloDecoder hello = new ReplicaHelloDecoder();
    private final MessageHeaderEncoder headerOut = new MessageHeaderEncoder();
    private final JournalChunkEncoder chunk = new JournalChunkEncoder();
    private final BatchEndEncoder batchEnd = new BatchEndEncoder();
    private final DivergedEncoder divergedOut = new DivergedEncoder();
    private final EpochRecords epochs = new EpochRecords();
    private final long[] epochFound = new long[2];
    private final io.quire.journal.JournalRecordHandler epochProbe = this::onProbed;
    private final ExpandableArrayBuffer out = new ExpandableArrayBuffer(4096);
    private final io.quire.journal.JournalRecordHandler send = this::send;
    private Follower current;
    private long nextHeadNs;

    /**
     * @param aeron      client for the subscription and the publications to replicas.
     * @param channel    the replication channel (replica hellos arrive here).
     * @param stream     its stream id.
     * @param shards     the primary's shards.
     * @param shardBegin first owned shard.
     * @param termLength term length of the publications to replicas.
     */
    public ReplicationSourceAgent(
        final Aeron aeron, final String channel, final int stream, final Shard[] shards, final int shardBegin,
        final int termLength)
    {
        this.aeron = aeron;
        this.hellos = aeron.addSubscription(channel, stream);
        this.shards = shards;
        this.shardBegin = shardBegin;
        this.termLength = termLength;
        this.headLsn = new long[shards.length];
        this.headReaders = new JournalReader[shards.length];
    }

    @Override
    public void onStart()
    {
        for (int i = 0; i < shards.length; i++)
        {
            headReaders[i] = shards[i].newJournalReader();
        }
    }

    @Override
    public int doWork()
    {
        int work = hellos.poll(assembler, 16);
        final long now = System.nanoTime();
        if (now - nextHeadNs >= 0)
        {
            nextHeadNs = now + HEAD_REFRESH_NS;
            for (int i = 0; i < shards.length; i++)
            {
                headLsn[i] = headReaders[i].lastLsn();
            }
        }
        for (int i = order.size() - 1; i >= 0; i--)
        {
            final Follower f = order.get(i);
            if (!f.publication.isConnected())
            {
                if (f.disconnectedSinceNs == 0)
                {
                    f.disconnectedSinceNs = now;
                }
                else if (now - f.disconnectedSinceNs > DISCONNECTED_DROP_NS)
                {
                    LOG.info("replica node {} shard {}: gone", f.nodeId, f.shard.shardId());
                    drop(f);
                }
                continue;
            }
            f.disconnectedSinceNs = 0;
            work += ship(f);
        }
        return work;
    }

    private int ship(final Follower f)
    {
        if (f.pendingBatchEnd >= 0 && !sendBatchEnd(f, f.pendingBatchEnd))
        {
            return 0;
        }
        if (f.seek)
        {
            final long head = headReaders[f.shard.shardId() - shardBegin].lastLsn();
            if (f.replicaLast >= 1 && f.replicaEpoch >= 0)
            {
                if (!f.divergenceChecked)
                {
                    checkDivergence(f, head);
                    f.divergenceChecked = true;
                }
                if (f.agreedLsn >= 0)
                {
                    if (!f.aheadReported && sendDiverged(f, head))
                    {
                        f.aheadReported = true;
                        LOG.warn("replica node {} shard {}: its journal (to LSN {}, last epoch {}) is not a prefix " +
                            "of this one (to LSN {}); they agree up to LSN {} (epoch {})", f.nodeId,
                            f.shard.shardId(), f.replicaLast, f.replicaEpoch, head, f.agreedLsn, f.agreedEpoch);
                    }
                    return 0;
                }
            }
            if (f.replicaLast >= 1 && f.replicaLast > head)
            {
                // The replica holds records this journal does not (an old primary back with records it journaled
                // but never got replicated): nothing to send it; a BatchEnd naming no batch tells it where this
                // journal ends, so that it sees it has diverged instead of waiting.
                if (!f.aheadReported && sendBatchEnd(f, 0, head))
                {
                    f.aheadReported = true;
                    LOG.warn("replica node {} shard {}: its journal goes to LSN {}, past this one's end {}",
                        f.nodeId, f.shard.shardId(), f.replicaLast, head);
                }
                return 0;
            }
            f.reader.seekLsn(f.sendFrom);
            f.seek = false;
        }
        int batches = 0;
        current = f;
        f.blocked = false;
        while (batches < MAX_BATCHES && f.reader.poll(send, 1) > 0)
        {
            batches++;
            if (f.blocked)
            {
                f.seek = true;
                f.sendFrom = f.lastSent + 1;
                break;
            }
            if (!sendBatchEnd(f, f.lastSent))
            {
                break;
            }
        }
        current = null;
        return batches;
    }

    private void send(
        final long lsn, final DirectBuffer buffer, final int offset, final int length, final long index,
        final int position)
    {
        final Follower f = current;
        if (f.blocked)
        {
            return;
        }
        chunk.wrapAndApplyHeader(out, 0, headerOut).shardId(f.shard.shardId()).lsn(lsn)
            .headLsn(headLsn[f.shard.shardId() - shardBegin]).putRecord(buffer, offset, length);
        if (f.publication.offer(out, 0, MessageHeaderEncoder.ENCODED_LENGTH + chunk.encodedLength()) > 0)
        {
            f.lastSent = lsn;
        }
        else
        {
            f.blocked = true;
        }
    }

    /**
     * Whether the replica's journal, ending at {@code f.replicaLast} with a record of epoch {@code f.replicaEpoch},
     * can be a prefix of this one; if not, where they agree ({@code f.agreedLsn}, else -1).
     */
    private void checkDivergence(final Follower f, final long head)
    {
        f.agreedLsn = -1;
        f.agreedEpoch = -1;
        if (f.replicaLast <= head && epochAt(f.reader, f.replicaLast) == f.replicaEpoch)
        {
            return; // same LSN, same epoch: the replica compares the record itself
        }
        final long headEpoch = head >= 1 ? epochAt(f.reader, head) : -1;
        if (f.replicaEpoch > headEpoch)
        {
            // The replica has journaled a newer epoch than any here: this primary is the one behind (deposed); it
            // must not tell the replica to drop records. The hello is answered as before this check existed.
            LOG.warn("replica node {} shard {}: its last record is of epoch {}, newer than this journal's last ({})",
                f.nodeId, f.shard.shardId(), f.replicaEpoch, headEpoch);
            return;
        }
        // Epochs never decrease along a journal: find the first LSN whose record is of a newer epoch.
        long lo = 1;
        long hi = head + 1;
        while (lo < hi)
        {
            final long mid = lo + (hi - lo) / 2;
            if (epochAt(f.reader, mid) > f.replicaEpoch)
            {
                hi = mid;
            }
            else
            {
                lo = mid + 1;
            }
        }
        final long agreed = Math.min(lo - 1, f.replicaLast - 1);
        f.agreedLsn = agreed;
        f.agreedEpoch = agreed >= 1 ? epochAt(f.reader, agreed) : -1;
    }

    /** @return the epoch of this journal's record at {@code lsn} (read through {@code reader}), or -1 if none. */
    private long epochAt(final JournalReader reader, final long lsn)
    {
        epochFound[0] = lsn;
        epochFound[1] = -1;
        if (!reader.seekLsn(lsn))
        {
            return -1;
        }
        while (epochFound[0] >= 0 && reader.poll(epochProbe, 1) > 0)
        {
            continue;
        }
        return epochFound[1];
    }

    private void onProbed(
        final long lsn, final DirectBuffer buffer, final int offset, final int length, final long index,
        final int position)
    {
        if (lsn == epochFound[0])
        {
            epochFound[1] = epochs.epochOf(buffer, offset);
            epochFound[0] = -1;
        }
    }

    private boolean sendDiverged(final Follower f, final long head)
    {
        divergedOut.wrapAndApplyHeader(out, 0, headerOut).shardId(f.shard.shardId()).replicaLastLsn(f.replicaLast)
            .agreedLsn(f.agreedLsn).agreedEpoch(f.agreedEpoch < 0 ? DivergedEncoder.agreedEpochNullValue() :
            f.agreedEpoch).headLsn(head);
        return f.publication.offer(out, 0, MessageHeaderEncoder.ENCODED_LENGTH + divergedOut.encodedLength()) > 0;
    }

    private boolean sendBatchEnd(final Follower f, final long lastLsn)
    {
        if (sendBatchEnd(f, lastLsn, headLsn[f.shard.shardId() - shardBegin]))
        {
            f.pendingBatchEnd = -1;
            return true;
        }
        f.pendingBatchEnd = lastLsn;
        return false;
    }

    private boolean sendBatchEnd(final Follower f, final long lastLsn, final long head)
    {
        batchEnd.wrapAndApplyHeader(out, 0, headerOut).shardId(f.shard.shardId()).lastLsn(lastLsn).headLsn(head);
        return f.publication.offer(out, 0, MessageHeaderEncoder.ENCODED_LENGTH + batchEnd.encodedLength()) > 0;
    }

    private void onFragment(final DirectBuffer buffer, final int offset, final int length, final Header h)
    {
        if (length < MessageHeaderDecoder.ENCODED_LENGTH)
        {
            return;
        }
        header.wrap(buffer, offset);
        if (header.schemaId() != ReplicaHelloDecoder.SCHEMA_ID || header.templateId() != ReplicaHelloDecoder.TEMPLATE_ID ||
            length < MessageHeaderDecoder.ENCODED_LENGTH + header.blockLength() + 2)
        {
            return;
        }
        hello.wrap(buffer, offset + MessageHeaderDecoder.ENCODED_LENGTH, header.blockLength(), header.version());
        final int nodeId = (int)hello.nodeId();
        final int shardId = hello.shardId();
        final long nextLsn = hello.nextLsn();
        final int stream = hello.responseStreamId();
        final int channelLength = hello.responseChannelLength();
        if (hello.limit() + 2 + channelLength > offset + length)
        {
            return;
        }
        final boolean restart = hello.restart() == io.quire.codec.replication.BooleanType.TRUE;
        final long lastEpoch = hello.lastEpoch(); // null (-1) from a version 1 replica
        final String channel = hello.responseChannel();
        final int index = shardId - shardBegin;
        if (index < 0 || index >= shards.length || nextLsn < 1)
        {
            LOG.warn("replica node {} asked for shard {} from LSN {}: not served here", nodeId, shardId, nextLsn);
            return;
        }
        final long key = ((long)nodeId << 16) | shardId;
        Follower f = followers.get(key);
        if (f == null)
        {
            f = new Follower(nodeId, shards[index]);
            followers.put(key, f);
            order.add(f);
        }
        if (!restart)
        {
            // A position report: the replica's journal holds every record below nextLsn, committed.
            shards[index].replicationGate().advance(nextLsn - 1);
        }
        final boolean known = f.publication != null && channel.equals(f.channel) && stream == f.stream;
        if (known && !restart)
        {
            return;
        }
        if (!known)
        {
            CloseHelper.quietClose(f.publication);
            final ChannelUri uri = ChannelUri.parse(channel);
            uri.put(CommonContext.TERM_LENGTH_PARAM_NAME, Integer.toString(termLength));
            f.publication = aeron.addExclusivePublication(uri.toString(), stream);
            f.channel = channel;
            f.stream = stream;
        }
        // The head sent with the first answer is read now, not up to HEAD_REFRESH_NS ago: a replica that has just
        // (re)started judges from it whether it has caught up (and may then be elected), so it must cover every
        // record committed before its hello, including any a previous incarnation of it reported journaled.
        headLsn[index] = headReaders[index].lastLsn();
        f.sendFrom = Math.max(1, nextLsn - 1);
        f.replicaLast = nextLsn - 1;
        f.aheadReported = false;
        f.replicaEpoch = lastEpoch < 0 ? -1 : lastEpoch;
        f.divergenceChecked = false;
        f.agreedLsn = -1;
        f.lastSent = f.sendFrom - 1;
        f.seek = true;
        f.pendingBatchEnd = -1;
        LOG.info("replica node {} follows shard {} from LSN {} on {} stream {}", nodeId, shardId, nextLsn, channel,
            stream);
    }

    private void drop(final Follower f)
    {
        followers.remove(((long)f.nodeId << 16) | f.shard.shardId());
        order.remove(f);
        CloseHelper.quietCloseAll(f.publication, f.reader);
    }

    @Override
    public void onClose()
    {
        for (final Follower f : new ArrayList<>(order))
        {
            drop(f);
        }
        CloseHelper.quietCloseAll(headReaders);
        CloseHelper.quietClose(hellos);
    }

    @Override
    public String roleName()
    {
        return "quire-replication-source";
    }
}
