package io.quire.edge;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.List;
import java.util.function.IntConsumer;

/**
 * The edge's view of its engines: one {@link EnginePublisher} per shard map entry, and whether each engine is alive
 * (an {@code EngineHeartbeat} within {@code engine.timeout}, with the shard count and range the map expects).
 * Liveness is written by the reply agent and read by {@code /healthz} and metrics (volatile fields).
 */
final class EngineLinks
{
    private static final Logger LOG = LoggerFactory.getLogger(EngineLinks.class);

    private final ShardMap map;
    private final EnginePublisher[] publishers;
    private final EngineState[] states;
    private final long timeoutNs;

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
     * @param shardCount     its shard count.
     * @param begin          its first shard.
     * @param end            one past its last.
     * @param nowNs          now.
     */
    void onHeartbeat(
        final int imageSessionId, final int nodeId, final int shardCount, final int begin, final int end,
        final long nowNs)
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
            return;
        }
        final EngineState s = states[entry.index()];
        s.lastHeartbeatNs = nowNs;
        s.imageSessionId = imageSessionId;
        s.imageKnown = true;
        s.nodeId = nodeId;
        if (!s.alive)
        {
            s.alive = true;
            s.problem = null;
            LOG.info("engine node {} serving shards {} is up", nodeId, entry.range());
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
