package io.quire.edge;

import io.quire.codec.protocol.NodeRole;
import org.agrona.collections.Int2IntHashMap;
import org.agrona.collections.Int2ObjectHashMap;
import org.agrona.collections.IntArrayQueue;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.List;
import java.util.function.IntConsumer;

/**
 * The edge's view of its engines: one {@link EnginePublisher} per shard map entry, and whether each engine is alive
 * (an {@code EngineHeartbeat} within {@code engine.timeout}, with the shard count and range the map expects).
 * Liveness is written by the reply agent and read by {@code /healthz} and metrics (volatile fields).
 * <p>
 * Epoch fencing: every engine message arrives on the Aeron image of that engine's publication to this edge, and the
 * engine's first message on it is a heartbeat carrying its epoch and role. The edge keeps the highest epoch heard
 * per shard map entry and accepts messages only from an image whose latest heartbeat said PRIMARY in that epoch:
 * replies, broadcasts and heartbeats of a deposed primary (an older epoch), of a replica, or of an image that has
 * not identified itself are dropped ({@link #accepts}). When a newer epoch appears on another image while the entry
 * was alive, the primary changed under the edge: the sessions that depended on the old one are closed like after
 * an engine restart ({@link #drainPrimaryChanges}).
 */
final class EngineLinks
{
    private static final Logger LOG = LoggerFactory.getLogger(EngineLinks.class);

    private final ShardMap map;
    private final EnginePublisher[] publishers;
    private final EngineState[] states;
    private final long timeoutNs;
    private final long[] highestEpoch;
    private final Int2ObjectHashMap<long[]> imageEpochs = new Int2ObjectHashMap<>();
    private final Int2IntHashMap imageEntries = new Int2IntHashMap(-1);
    private final IntArrayQueue primaryChanges = new IntArrayQueue();

    private static final class EngineState
    {
        volatile long lastHeartbeatNs;
        volatile boolean alive;
        volatile String problem = "not heard from yet";
        volatile int imageSessionId;
        volatile boolean imageKnown;
        boolean wasConnected;
        int nodeId;
    }

    EngineLinks(final ShardMap map, final List<EnginePublisher> publishers, final long timeoutNs)
    {
        this.map = map;
        this.publishers = publishers.toArray(new EnginePublisher[0]);
        this.states = new EngineState[publishers.size()];
        for (int i = 0; i < states.length; i++)
        {
            states[i] = new EngineState();
        }
        this.timeoutNs = timeoutNs;
        this.highestEpoch = new long[publishers.size()];
    }

    /** @return the shard map. */
    ShardMap map()
    {
        return map;
    }

    /**
     * @param routingHash a document or channel hash.
     * @return index of the engine owning it.
     */
    int engineFor(final long routingHash)
    {
        return map.engineFor(routingHash);
    }

    /**
     * @param engine an engine index.
     * @return its publisher.
     */
    EnginePublisher publisher(final int engine)
    {
        return publishers[engine];
    }

    /** @return number of engines. */
    int size()
    {
        return publishers.length;
    }

    /**
     * @param engine an engine index.
     * @return true if it answered recently with the expected shards.
     */
    boolean isAlive(final int engine)
    {
        return states[engine].alive;
    }

    /**
     * Agent: an EngineHeartbeat arrived.
     *
     * @param imageSessionId Aeron session id of the image it came on.
     * @param nodeId         engine node id.
     * @param epoch          the engine's epoch.
     * @param role           its role.
     * @param shardCount     its shard count.
     * @param begin          its first shard.
     * @param end            one past its last.
     * @param nowNs          now.
     * @return true if it came from the primary of the newest epoch (and so counted for liveness).
     */
    boolean onHeartbeat(
        final int imageSessionId, final int nodeId, final long epoch, final NodeRole role, final int shardCount,
        final int begin, final int end, final long nowNs)
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
        final long[] known = imageEpochs.get(imageSessionId);
        final long previous = known == null ? Long.MIN_VALUE : known[0];
        final long imageEpoch = role == NodeRole.PRIMARY ? epoch : -1;
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
        if (epoch < highestEpoch[index])
        {
            if (previous != epoch)
            {
                LOG.warn("engine node {} claims shards {} in epoch {}, but epoch {} is newer: fenced, its messages " +
                    "are ignored", nodeId, entry.range(), epoch, highestEpoch[index]);
            }
            return false;
        }
        final EngineState s = states[index];
        if (epoch > highestEpoch[index])
        {
            if (highestEpoch[index] != 0)
            {
                LOG.info("shards {}: epoch {} -> {} (primary engine node {})", entry.range(), highestEpoch[index],
                    epoch, nodeId);
            }
            if (s.alive && s.imageKnown && s.imageSessionId != imageSessionId)
            {
                primaryChanges.addInt(index);
            }
            highestEpoch[index] = epoch;
        }
        s.lastHeartbeatNs = nowNs;
        s.imageSessionId = imageSessionId;
        s.imageKnown = true;
        s.nodeId = nodeId;
        if (!s.alive)
        {
            s.alive = true;
            s.problem = null;
            LOG.info("engine node {} serving shards {} is up (epoch {})", nodeId, entry.range(), epoch);
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
        return index >= 0 && known[0] >= 0 && known[0] == highestEpoch[index];
    }

    /**
     * @param engine an engine index.
     * @return the newest epoch heard for its shards (0: none yet).
     */
    long highestEpoch(final int engine)
    {
        return highestEpoch[engine];
    }

    /**
     * Agent: hand over the entries whose primary changed (a newer epoch on another image) since the last call.
     *
     * @param changed called with each engine index.
     */
    void drainPrimaryChanges(final IntConsumer changed)
    {
        while (!primaryChanges.isEmpty())
        {
            final int index = primaryChanges.pollInt();
            LOG.warn("the primary for shards {} changed (epoch {})", map.entries().get(index).range(),
                highestEpoch[index]);
            changed.accept(index);
        }
    }

    /**
     * Agent: send EdgeHello to engines not yet heard from (they learn the reply channel from it), EdgeHeartbeat to
     * the others, and mark engines silent for too long as down.
     *
     * @param nowNs        now (nanoTime).
     * @param epochNs      wall clock.
     * @param edgeEpoch    this edge's incarnation.
     * @param replyChannel reply channel.
     * @param replyStream  reply stream.
     * @param down         called with the index of each engine that just went down.
     */
    void heartbeat(
        final long nowNs, final long epochNs, final long edgeEpoch, final String replyChannel, final int replyStream,
        final IntConsumer down)
    {
        for (int i = 0; i < publishers.length; i++)
        {
            final EngineState s = states[i];
            final EnginePublisher p = publishers[i];
            final boolean connected = p.isConnected();
            if (s.alive)
            {
                p.heartbeat(edgeEpoch, epochNs, replyChannel, replyStream);
                if (nowNs - s.lastHeartbeatNs > timeoutNs)
                {
                    markDown(i, "no heartbeat for " + (nowNs - s.lastHeartbeatNs) / 1_000_000 + " ms", down);
                }
            }
            else if (connected)
            {
                p.hello(edgeEpoch, epochNs, replyChannel, replyStream);
            }
            if (!connected && s.wasConnected)
            {
                LOG.warn("ingress of engine {} ({}) lost its subscriber", map.entries().get(i).range(),
                    map.entries().get(i).channel());
            }
            s.wasConnected = connected;
        }
    }

    /**
     * Agent: an image of the reply subscription went away; if it was an engine's, that engine is down.
     *
     * @param imageSessionId the image's session id.
     * @param down           called with the engine index.
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
        s.problem = "engine " + map.entries().get(engine).range() + " is down: " + why;
        LOG.warn("{}", s.problem);
        down.accept(engine);
    }

    /** @return null if every engine is alive, else why not (for /healthz). */
    String healthProblem()
    {
        for (int i = 0; i < states.length; i++)
        {
            final EngineState s = states[i];
            if (!s.alive)
            {
                final ShardMap.Entry e = map.entries().get(i);
                return "engine for shards " + e.range() + " at " + e.channel() + " stream " + e.stream() + ": " +
                    s.problem;
            }
        }
        return null;
    }

    /**
     * @param sink called with (age in seconds or -1, shard range label) per engine.
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

    /** Receives one gauge value. */
    @FunctionalInterface
    interface AgeSink
    {
        /**
         * @param value  seconds.
         * @param labels label values.
         */
        void call(double value, String... labels);
    }
}
