package io.quire.edge;

import io.quire.codec.protocol.EngineHeartbeatDecoder;
import io.quire.codec.protocol.NodeRole;
import org.agrona.collections.Int2IntHashMap;
import org.agrona.collections.Int2ObjectHashMap;
import org.agrona.collections.IntArrayQueue;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.List;
import java.util.function.IntConsumer;

/**
 * The edge's view of its engines. The shard map has one entry per shard range and each entry one or more candidate
 * engines (the primary and its hot standbys); the edge keeps an {@link EnginePublisher} per candidate and routes an
 * entry's commands to the candidate that is the primary of the newest epoch ({@link #publisher}). An entry is alive
 * while that primary heartbeats within {@code engine.timeout} with the shard count and range the map expects.
 * Liveness, the route and the hold state are written by the reply agent and read by IO threads, {@code /healthz}
 * and metrics (volatile fields).
 * <p>
 * <b>Which engine is which.</b> Engines answer on their own publications to the edge's reply stream, one Aeron image
 * each; the edge tells which of its candidate publications reaches the engine behind an image from the heartbeat:
 * an engine echoes in every {@code EngineHeartbeat} to this edge the Aeron session id of the ingress image this
 * edge's hello or heartbeat arrived on, which is the session id of this edge's publication to it. (An engine that
 * does not echo it is accepted only in a single-candidate entry.) This holds during a partition too, when an old and
 * a new primary are both connected.
 * <p>
 * <b>Epoch fencing.</b> The edge keeps the highest epoch heard per entry and accepts messages only from an image
 * whose latest heartbeat said PRIMARY in that epoch: replies, broadcasts and heartbeats of a deposed primary (an
 * older epoch), of a replica, or of an image that has not identified itself are dropped ({@link #accepts}).
 * <p>
 * <b>Failover.</b> When the entry's primary goes down (silent, or its image gone), the agent starts a <em>hold</em>
 * ({@link #beginHold}): new requests for the entry wait in their sessions, for at most {@code engine.failover-hold}.
 * When a primary of the entry heartbeats again (the same engine restarted, or a promoted standby in a newer epoch),
 * or when a newer epoch's primary appears on another image while the old one still looked alive, the route moves to
 * it and the entry is queued for recovery ({@link #drainRecoveries}): the agent re-sends what was in flight,
 * re-subscribes and releases the held requests, then ends the hold. With {@code engine.failover-hold=0} a primary
 * change is instead reported through {@link #drainPrimaryChanges} and the sessions are closed.
 */
final class EngineLinks
{
    private static final Logger LOG = LoggerFactory.getLogger(EngineLinks.class);
    private static final int NO_CANDIDATE = -1;

    private final ShardMap map;
    private final EnginePublisher[] candidates;
    private final CandidateState[] candidateStates;
    private final int[] firstCandidate;
    private final int[] candidateCount;
    private final EngineState[] states;
    private final long timeoutNs;
    private final long holdNs;
    private final Int2IntHashMap publicationCandidates = new Int2IntHashMap(NO_CANDIDATE);
    private final Int2ObjectHashMap<long[]> imageEpochs = new Int2ObjectHashMap<>();
    private final Int2IntHashMap imageEntries = new Int2IntHashMap(-1);
    private final IntArrayQueue primaryChanges = new IntArrayQueue();
    private final IntArrayQueue recoveries = new IntArrayQueue();

    private static final class EngineState
    {
        volatile long lastHeartbeatNs;
        volatile boolean alive;
        volatile String problem = "not heard from yet";
        volatile int imageSessionId;
        volatile boolean imageKnown;
        volatile EnginePublisher route;
        volatile long epoch;
        volatile boolean holding;
        volatile int generation;
        volatile long failovers;
        long holdDeadlineNs;
        long holdStartNs;
        int routeCandidate;
        boolean recoveryQueued;
        int nodeId;
    }

    private static final class CandidateState
    {
        final int entry;
        long heardNs;
        boolean wasConnected;
        boolean warnedUnknown;

        CandidateState(final int entry)
        {
            this.entry = entry;
        }
    }

    /**
     * @param map        the shard map.
     * @param publishers one per candidate, in map order (entry 0's candidates, then entry 1's, ...).
     * @param timeoutNs  {@code engine.timeout}.
     * @param holdNs     {@code engine.failover-hold}: 0 closes the sessions at once, as before ride-through.
     */
    EngineLinks(final ShardMap map, final List<EnginePublisher> publishers, final long timeoutNs, final long holdNs)
    {
        this.map = map;
        this.candidates = publishers.toArray(new EnginePublisher[0]);
        this.candidateStates = new CandidateState[candidates.length];
        final int entries = map.entries().size();
        this.firstCandidate = new int[entries];
        this.candidateCount = new int[entries];
        this.states = new EngineState[entries];
        int flat = 0;
        for (final ShardMap.Entry e : map.entries())
        {
            firstCandidate[e.index()] = flat;
            candidateCount[e.index()] = e.candidates().size();
            final EngineState s = new EngineState();
            s.route = candidates[flat];
            s.routeCandidate = flat;
            states[e.index()] = s;
            for (int c = 0; c < e.candidates().size(); c++, flat++)
            {
                candidateStates[flat] = new CandidateState(e.index());
                publicationCandidates.put(candidates[flat].sessionId(), flat);
            }
        }
        if (flat != candidates.length)
        {
            throw new IllegalArgumentException("one publisher per candidate: " + flat + " != " + candidates.length);
        }
        this.timeoutNs = timeoutNs;
        this.holdNs = holdNs;
    }

    /** @return the shard map. */
    ShardMap map()
    {
        return map;
    }

    /**
     * @param routingHash a document or channel hash.
     * @return index of the shard map entry owning it.
     */
    int engineFor(final long routingHash)
    {
        return map.engineFor(routingHash);
    }

    /**
     * @param engine a shard map entry index.
     * @return the publisher of its current primary (of its first candidate until a primary has been heard).
     */
    EnginePublisher publisher(final int engine)
    {
        return states[engine].route;
    }

    /** @return number of shard map entries. */
    int size()
    {
        return states.length;
    }

    /**
     * @param engine an entry index.
     * @return true if its primary answered recently with the expected shards.
     */
    boolean isAlive(final int engine)
    {
        return states[engine].alive;
    }

    /**
     * @param engine an entry index.
     * @return true while the entry fails over: its new requests wait in their sessions.
     */
    boolean isHolding(final int engine)
    {
        return states[engine].holding;
    }

    /**
     * @param engine an entry index.
     * @return the number of the entry's current (or last) hold; a session released in this generation sends again.
     */
    int holdGeneration(final int engine)
    {
        return states[engine].generation;
    }

    /** @return {@code engine.failover-hold} in ns. */
    long holdNs()
    {
        return holdNs;
    }

    /**
     * Agent: an EngineHeartbeat arrived.
     *
     * @param imageSessionId   Aeron session id of the image it came on.
     * @param nodeId           engine node id.
     * @param epoch            the engine's epoch.
     * @param role             its role.
     * @param shardCount       its shard count.
     * @param begin            its first shard.
     * @param end              one past its last.
     * @param ingressSessionId the session id of this edge's publication the engine heard it on (0 or null if unknown).
     * @param nowNs            now.
     * @return true if it came from the primary of the newest epoch (and so counted for liveness).
     */
    boolean onHeartbeat(
        final int imageSessionId, final int nodeId, final long epoch, final NodeRole role, final int shardCount,
        final int begin, final int end, final int ingressSessionId, final long nowNs)
    {
        final ShardMap.Entry entry = map.entryForRange(begin, end);
        if (entry == null || shardCount != map.shardCount())
        {
            for (final EngineState s : states)
            {
                if (!s.alive)
                {
                    s.problem = "engine node " + nodeId + " serves shards " + begin + "-" + end + " of " + shardCount +
                        ", which does not match the edge's shard map " + map + " (" + map.shardCount() + " shards)";
                }
            }
            return false;
        }
        final int index = entry.index();
        int candidate = ingressSessionId == EngineHeartbeatDecoder.ingressSessionIdNullValue() ? NO_CANDIDATE :
            publicationCandidates.get(ingressSessionId);
        if (candidate != NO_CANDIDATE && candidateStates[candidate].entry != index)
        {
            candidate = NO_CANDIDATE;
        }
        if (candidate != NO_CANDIDATE)
        {
            candidateStates[candidate].heardNs = nowNs;
        }
        else if (candidateCount[index] == 1)
        {
            // An engine that does not echo the session id: with one candidate there is no doubt which it is.
            candidate = firstCandidate[index];
        }
        final long[] known = imageEpochs.get(imageSessionId);
        final long previous = known == null ? Long.MIN_VALUE : known[0];
        final long imageEpoch = role == NodeRole.PRIMARY && candidate != NO_CANDIDATE ? epoch : -1;
        if (known == null)
        {
            imageEpochs.put(imageSessionId, new long[] {imageEpoch});
        }
        else
        {
            known[0] = imageEpoch;
        }
        imageEntries.put(imageSessionId, index);
        if (role != NodeRole.PRIMARY)
        {
            return false;
        }
        final EngineState s = states[index];
        if (candidate == NO_CANDIDATE)
        {
            final CandidateState first = candidateStates[firstCandidate[index]];
            if (!first.warnedUnknown)
            {
                first.warnedUnknown = true;
                LOG.warn("engine node {} claims shards {} in epoch {} but does not say which of this edge's " +
                    "publications ({}) reaches it (ingress session {}): ignored", nodeId, entry.range(), epoch,
                    entry.describe(), ingressSessionId);
            }
            return false;
        }
        if (epoch < s.epoch)
        {
            if (previous != epoch)
            {
                LOG.warn("engine node {} claims shards {} in epoch {}, but epoch {} is newer: fenced, its messages " +
                    "are ignored", nodeId, entry.range(), epoch, s.epoch);
            }
            return false;
        }
        final boolean otherImage = s.imageKnown && s.imageSessionId != imageSessionId;
        // The engine behind the route changed under a live entry: a newer epoch on another image (a promoted standby,
        // or the same engine restarted before its old image timed out), or another candidate.
        final boolean changed = s.alive && otherImage && (epoch > s.epoch || s.routeCandidate != candidate);
        if (epoch > s.epoch)
        {
            if (s.epoch != 0)
            {
                LOG.info("shards {}: epoch {} -> {} (primary engine node {} at {})", entry.range(), s.epoch, epoch,
                    nodeId, entry.candidates().get(candidate - firstCandidate[index]));
            }
            s.epoch = epoch;
        }
        if (changed)
        {
            if (holdNs > 0)
            {
                beginHold(index, nowNs);
            }
            else
            {
                primaryChanges.addInt(index);
            }
        }
        s.lastHeartbeatNs = nowNs;
        s.imageSessionId = imageSessionId;
        s.imageKnown = true;
        s.nodeId = nodeId;
        s.routeCandidate = candidate;
        s.route = candidates[candidate];
        if (!s.alive)
        {
            s.alive = true;
            s.problem = null;
            LOG.info("engine node {} serving shards {} is up (epoch {}, {})", nodeId, entry.range(), epoch,
                entry.candidates().get(candidate - firstCandidate[index]));
        }
        if (s.holding && !s.recoveryQueued)
        {
            s.recoveryQueued = true;
            recoveries.addInt(index);
        }
        return true;
    }

    /**
     * Agent: may a message that arrived on this image be acted on?
     *
     * @param imageSessionId the image's session id.
     * @return true if the image's latest heartbeat said PRIMARY in the newest epoch known for its shards.
     */
    boolean accepts(final int imageSessionId)
    {
        final long[] known = imageEpochs.get(imageSessionId);
        if (known == null)
        {
            return false;
        }
        final int index = imageEntries.get(imageSessionId);
        return index >= 0 && known[0] >= 0 && known[0] == states[index].epoch;
    }

    /**
     * @param engine an entry index.
     * @return the newest epoch heard for its shards (0: none yet).
     */
    long highestEpoch(final int engine)
    {
        return states[engine].epoch;
    }

    /**
     * Agent: the entry's primary is gone: hold its new requests until a primary is back or the hold expires.
     *
     * @param engine an entry index.
     * @param nowNs  now.
     */
    void beginHold(final int engine, final long nowNs)
    {
        final EngineState s = states[engine];
        if (s.holding)
        {
            return;
        }
        s.holdStartNs = nowNs;
        s.holdDeadlineNs = nowNs + holdNs;
        s.generation++;
        s.holding = true;
        LOG.warn("shards {}: failing over; requests are held for up to {} ms until a primary answers",
            map.entries().get(engine).range(), holdNs / 1_000_000);
    }

    /**
     * Agent: the entry's recovery is done (or its hold expired): requests flow again.
     *
     * @param engine    an entry index.
     * @param recovered true if a primary took over (counted as a failover).
     * @param nowNs     now.
     */
    void endHold(final int engine, final boolean recovered, final long nowNs)
    {
        final EngineState s = states[engine];
        s.recoveryQueued = false;
        if (!s.holding)
        {
            return;
        }
        s.holding = false;
        if (recovered)
        {
            s.failovers++;
            LOG.info("shards {}: failed over to engine node {} in epoch {} after {} ms",
                map.entries().get(engine).range(), s.nodeId, s.epoch, (nowNs - s.holdStartNs) / 1_000_000);
        }
    }

    /**
     * Agent: hand over the entries whose primary came back while they were held (recover them, then
     * {@link #endHold}).
     *
     * @param recover called with each entry index.
     */
    void drainRecoveries(final IntConsumer recover)
    {
        while (!recoveries.isEmpty())
        {
            recover.accept(recoveries.pollInt());
        }
    }

    /**
     * Agent: hand over the entries whose primary changed (a newer epoch on another image) since the last call, when
     * holds are off ({@code engine.failover-hold=0}).
     *
     * @param changed called with each entry index.
     */
    void drainPrimaryChanges(final IntConsumer changed)
    {
        while (!primaryChanges.isEmpty())
        {
            final int index = primaryChanges.pollInt();
            LOG.warn("the primary for shards {} changed (epoch {})", map.entries().get(index).range(),
                states[index].epoch);
            changed.accept(index);
        }
    }

    /**
     * Agent: say EdgeHello to every candidate whose ingress is connected and that has not answered yet (they learn
     * the reply channel from it; a standby subscribes its ingress only once promoted), EdgeHeartbeat to the others,
     * mark entries whose primary is silent for too long as down, and report holds that expired.
     *
     * @param nowNs        now (nanoTime).
     * @param epochNs      wall clock.
     * @param edgeEpoch    this edge's incarnation.
     * @param replyChannel reply channel.
     * @param replyStream  reply stream.
     * @param down         called with the index of each entry whose primary just went down.
     * @param expired      called with the index of each entry whose hold expired without a primary.
     */
    @SuppressWarnings("checkstyle:ParameterNumber")
    void heartbeat(
        final long nowNs, final long epochNs, final long edgeEpoch, final String replyChannel, final int replyStream,
        final IntConsumer down, final IntConsumer expired)
    {
        for (int i = 0; i < states.length; i++)
        {
            final EngineState s = states[i];
            for (int c = firstCandidate[i]; c < firstCandidate[i] + candidateCount[i]; c++)
            {
                final CandidateState cs = candidateStates[c];
                final EnginePublisher p = candidates[c];
                final boolean connected = p.isConnected();
                final boolean answered = cs.heardNs != 0 && nowNs - cs.heardNs <= timeoutNs ||
                    s.alive && s.routeCandidate == c;
                if (answered)
                {
                    p.heartbeat(edgeEpoch, epochNs, replyChannel, replyStream);
                }
                else if (connected)
                {
                    p.hello(edgeEpoch, epochNs, replyChannel, replyStream);
                }
                if (!connected && cs.wasConnected)
                {
                    LOG.warn("ingress of engine {} ({}) lost its subscriber", map.entries().get(i).range(),
                        map.entries().get(i).candidates().get(c - firstCandidate[i]));
                }
                cs.wasConnected = connected;
            }
            if (s.alive && nowNs - s.lastHeartbeatNs > timeoutNs)
            {
                markDown(i, "no heartbeat for " + (nowNs - s.lastHeartbeatNs) / 1_000_000 + " ms", down);
            }
            if (s.holding && !s.alive && nowNs - s.holdDeadlineNs >= 0)
            {
                LOG.warn("shards {}: no primary within engine.failover-hold ({} ms)", map.entries().get(i).range(),
                    holdNs / 1_000_000);
                endHold(i, false, nowNs);
                expired.accept(i);
            }
        }
    }

    /**
     * Agent: an image of the reply subscription went away; if it was an entry's primary, that entry is down.
     *
     * @param imageSessionId the image's session id.
     * @param down           called with the entry index.
     */
    void onImageGone(final int imageSessionId, final IntConsumer down)
    {
        imageEpochs.remove(imageSessionId);
        imageEntries.remove(imageSessionId);
        for (int i = 0; i < states.length; i++)
        {
            final EngineState s = states[i];
            if (s.imageKnown && s.imageSessionId == imageSessionId && s.alive)
            {
                markDown(i, "its reply stream closed (engine stopped or restarted)", down);
            }
        }
    }

    private void markDown(final int engine, final String why, final IntConsumer down)
    {
        final EngineState s = states[engine];
        s.alive = false;
        s.imageKnown = false;
        candidateStates[s.routeCandidate].heardNs = 0;
        s.problem = "engine " + map.entries().get(engine).range() + " is down: " + why;
        LOG.warn("{}", s.problem);
        down.accept(engine);
    }

    /** @return null if every entry has a live primary, else why not (for /healthz). */
    String healthProblem()
    {
        for (int i = 0; i < states.length; i++)
        {
            final EngineState s = states[i];
            if (!s.alive)
            {
                final ShardMap.Entry e = map.entries().get(i);
                return "engine for shards " + e.range() + " at " + e.describe() + ": " + s.problem +
                    (s.holding ? " (failing over: requests held)" : "");
            }
        }
        return null;
    }

    /**
     * @param sink called with (age in seconds or -1, shard range label) per entry.
     */
    void forEachHeartbeatAge(final AgeSink sink)
    {
        final long now = System.nanoTime();
        for (int i = 0; i < states.length; i++)
        {
            final EngineState s = states[i];
            final double age = s.lastHeartbeatNs == 0 ? -1 : (now - s.lastHeartbeatNs) / 1e9;
            sink.call(age, map.entries().get(i).range());
        }
    }

    /**
     * @param sink called with (newest epoch, shard range label) per entry.
     */
    void forEachEpoch(final AgeSink sink)
    {
        for (int i = 0; i < states.length; i++)
        {
            sink.call(states[i].epoch, map.entries().get(i).range());
        }
    }

    /**
     * @param sink called with (completed failovers, shard range label) per entry.
     */
    void forEachFailoverCount(final AgeSink sink)
    {
        for (int i = 0; i < states.length; i++)
        {
            sink.call(states[i].failovers, map.entries().get(i).range());
        }
    }

    /** Receives one gauge value. */
    @FunctionalInterface
    interface AgeSink
    {
        /**
         * @param value  the value.
         * @param labels label values.
         */
        void call(double value, String... labels);
    }
}
