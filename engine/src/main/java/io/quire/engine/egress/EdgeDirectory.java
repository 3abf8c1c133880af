package io.quire.engine.egress;

import io.aeron.Aeron;
import io.aeron.ChannelUri;
import io.aeron.CommonContext;
import io.aeron.Publication;
import org.agrona.CloseHelper;
import org.agrona.collections.Int2ObjectHashMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.function.Consumer;

/**
 * The edges an engine knows: who they are, which incarnation, and the publication their replies go to.
 * <p>
 * Written by one thread (the ingress agent: hellos, heartbeats, timeouts), read by every shard thread through
 * {@link #publication(int)}. Readers see an immutable snapshot (sorted ids and their publications) published through
 * a volatile field and replaced on every change, so a lookup is a volatile read and a binary search: no locks and no
 * allocation on the send path. Changes are rare (an edge joins, restarts or goes away).
 * <p>
 * A publication may be closed while a shard thread still holds it from an older snapshot: Aeron answers
 * {@link Publication#CLOSED} to such an offer, and the message counts as undelivered, which is what it is.
 */
public final class EdgeDirectory implements AutoCloseable
{
    private static final Logger LOG = LoggerFactory.getLogger(EdgeDirectory.class);

    /** What a hello or heartbeat meant. */
    public enum Outcome
    {
        /** A new edge: registered, replies can flow. */
        NEW,
        /** A known edge, same incarnation: its liveness is refreshed. */
        REFRESHED,
        /** A known edge with a newer epoch: it restarted, the old incarnation's sessions are gone. */
        RESTARTED,
        /** An older epoch than the one known: a late message from a dead incarnation, ignored. */
        STALE,
        /** The reply channel could not be used (bad URI, driver refused): not registered. */
        FAILED
    }

    /** One known edge (ingress thread only, except the publication, which the snapshot shares). */
    public static final class Edge
    {
        final int edgeId;
        long epoch;
        String channel;
        String requested;
        int stream;
        Publication publication;
        long lastSeenNs;
        boolean greeted;
        int ingressSessionId;

        Edge(final int edgeId)
        {
            this.edgeId = edgeId;
        }

        String requestedChannel()
        {
            return requested;
        }

        /** @return the edge's node id. */
        public int edgeId()
        {
            return edgeId;
        }

        /** @return its incarnation. */
        public long epoch()
        {
            return epoch;
        }

        /** @return its reply channel, as the engine publishes on it (term length added). */
        public String channel()
        {
            return channel;
        }

        /** @return its reply stream id. */
        public int stream()
        {
            return stream;
        }

        /** @return the publication to it. */
        public Publication publication()
        {
            return publication;
        }

        /**
         * @return Aeron session id of the ingress image this edge's latest hello or heartbeat came on (its
         * publication to this engine), echoed in EngineHeartbeat; 0 if not known.
         */
        public int ingressSessionId()
        {
            return ingressSessionId;
        }

        /** @param sessionId the ingress image session id the edge's latest hello or heartbeat came on. */
        public void ingressSessionId(final int sessionId)
        {
            this.ingressSessionId = sessionId;
        }

        /** @return when it was last heard of, {@link System#nanoTime()}. */
        public long lastSeenNs()
        {
            return lastSeenNs;
        }
    }

    private static final class Snapshot
    {
        final int[] ids;
        final Publication[] publications;

        Snapshot(final int[] ids, final Publication[] publications)
        {
            this.ids = ids;
            this.publications = publications;
        }

        Publication find(final int edgeId)
        {
            final int i = Arrays.binarySearch(ids, edgeId);
            return i >= 0 ? publications[i] : null;
        }
    }

    private static final Snapshot EMPTY = new Snapshot(new int[0], new Publication[0]);

    private final Aeron aeron;
    private final int termLength;
    private final Int2ObjectHashMap<Edge> edges = new Int2ObjectHashMap<>();
    private volatile Snapshot snapshot = EMPTY;
    private long previousEpoch;
    private int ungreeted;

    /**
     * @param aeron      client that creates the publications.
     * @param termLength term length added to reply channels that name none.
     */
    public EdgeDirectory(final Aeron aeron, final int termLength)
    {
        this.aeron = aeron;
        this.termLength = termLength;
    }

    /**
     * Any thread: the publication to an edge.
     *
     * @param edgeId the edge.
     * @return its publication, or null if the edge is not known.
     */
    public Publication publication(final int edgeId)
    {
        return snapshot.find(edgeId);
    }

    /**
     * Ingress thread: an edge said hello (or sent a heartbeat, which carries the same content).
     *
     * @param edgeId  the edge.
     * @param epoch   its incarnation.
     * @param channel its reply channel.
     * @param stream  its reply stream.
     * @param nowNs   {@link System#nanoTime()}.
     * @return what it meant; after {@link Outcome#RESTARTED}, {@link #previousEpoch()} is the old incarnation.
     */
    public Outcome onHello(final int edgeId, final long epoch, final String channel, final int stream, final long nowNs)
    {
        Edge edge = edges.get(edgeId);
        if (edge != null && epoch < edge.epoch)
        {
            return Outcome.STALE;
        }
        if (edge != null && epoch == edge.epoch && stream == edge.stream && channel.equals(edge.requestedChannel()))
        {
            edge.lastSeenNs = nowNs;
            return Outcome.REFRESHED;
        }

        final String replyChannel;
        final Publication publication;
        try
        {
            replyChannel = withTermLength(channel);
            publication = aeron.addPublication(replyChannel, stream);
        }
        catch (final RuntimeException ex)
        {
            LOG.warn("edge {}: cannot publish replies on {} stream {}: {}", edgeId, channel, stream, ex.toString());
            return Outcome.FAILED;
        }

        final Outcome outcome;
        if (edge == null)
        {
            edge = new Edge(edgeId);
            edges.put(edgeId, edge);
            outcome = Outcome.NEW;
            LOG.info("edge {} (epoch {}) joined; replies on {} stream {}", edgeId, epoch, replyChannel, stream);
        }
        else
        {
            previousEpoch = edge.epoch;
            outcome = epoch == edge.epoch ? Outcome.REFRESHED : Outcome.RESTARTED;
            LOG.info("edge {} {} (epoch {} -> {}); replies on {} stream {}", edgeId,
                outcome == Outcome.RESTARTED ? "restarted" : "moved its reply channel", edge.epoch, epoch,
                replyChannel, stream);
        }
        final Publication old = edge.publication;
        edge.epoch = epoch;
        edge.channel = replyChannel;
        edge.requested = channel;
        edge.stream = stream;
        edge.publication = publication;
        edge.lastSeenNs = nowNs;
        edge.greeted = false;
        ungreeted++;
        publish();
        CloseHelper.quietClose(old);
        return outcome;
    }

    /**
     * Ingress thread: are there edges whose publication has not carried a heartbeat yet? Their publication is held
     * back from {@link #publication(int)} until one has: an edge learns this node's epoch and role from the first
     * message on the stream, so it never has to judge a reply from an engine it cannot place.
     *
     * @return true if some edge waits for its first heartbeat.
     */
    public boolean hasUngreeted()
    {
        return ungreeted > 0;
    }

    /**
     * Ingress thread: visit the edges waiting for their first heartbeat whose publication is connected.
     *
     * @param visitor receives each one.
     */
    public void forEachUngreeted(final Consumer<Edge> visitor)
    {
        for (final Edge edge : edges.values())
        {
            if (!edge.greeted && edge.publication != null && edge.publication.isConnected())
            {
                visitor.accept(edge);
            }
        }
    }

    /**
     * Ingress thread: a heartbeat went out on the edge's publication; replies may follow it.
     *
     * @param edge the edge.
     */
    public void greeted(final Edge edge)
    {
        if (!edge.greeted && edges.get(edge.edgeId) == edge)
        {
            edge.greeted = true;
            ungreeted--;
            publish();
        }
    }

    /** @return the epoch an edge had before the last {@link Outcome#RESTARTED}. */
    public long previousEpoch()
    {
        return previousEpoch;
    }

    /**
     * Ingress thread: is an edge known?
     *
     * @param edgeId the edge.
     * @return true if it said hello and has not been dropped.
     */
    public boolean isKnown(final int edgeId)
    {
        return edges.containsKey(edgeId);
    }

    /**
     * Ingress thread: the edge's entry.
     *
     * @param edgeId the edge.
     * @return the entry, or null.
     */
    public Edge edge(final int edgeId)
    {
        return edges.get(edgeId);
    }

    /** @return how many edges are known. */
    public int size()
    {
        return edges.size();
    }

    /**
     * Ingress thread: visit every known edge.
     *
     * @param visitor receives each edge.
     */
    public void forEach(final Consumer<Edge> visitor)
    {
        for (final Edge edge : edges.values())
        {
            visitor.accept(edge);
        }
    }

    /**
     * Ingress thread: drop the edges not heard of since {@code silentSinceNs}.
     *
     * @param silentSinceNs drop edges whose last message is older than this.
     * @param dropped       receives each dropped edge (its publication already closed).
     * @return how many were dropped.
     */
    public int dropSilent(final long silentSinceNs, final Consumer<Edge> dropped)
    {
        List<Edge> silent = null;
        for (final Edge edge : edges.values())
        {
            if (edge.lastSeenNs - silentSinceNs < 0)
            {
                if (silent == null)
                {
                    silent = new ArrayList<>();
                }
                silent.add(edge);
            }
        }
        if (silent == null)
        {
            return 0;
        }
        for (final Edge edge : silent)
        {
            edges.remove(edge.edgeId);
            if (!edge.greeted)
            {
                ungreeted--;
            }
        }
        publish();
        for (final Edge edge : silent)
        {
            CloseHelper.quietClose(edge.publication);
            dropped.accept(edge);
        }
        return silent.size();
    }

    private String withTermLength(final String channel)
    {
        final ChannelUri uri = ChannelUri.parse(channel);
        if (uri.get(CommonContext.TERM_LENGTH_PARAM_NAME) == null)
        {
            uri.put(CommonContext.TERM_LENGTH_PARAM_NAME, Integer.toString(termLength));
        }
        return uri.toString();
    }

    private void publish()
    {
        int n = 0;
        for (final Edge edge : edges.values())
        {
            n += edge.greeted ? 1 : 0;
        }
        final int[] ids = new int[n];
        n = 0;
        for (final Edge edge : edges.values())
        {
            if (edge.greeted)
            {
                ids[n++] = edge.edgeId;
            }
        }
        Arrays.sort(ids);
        final Publication[] publications = new Publication[ids.length];
        for (int i = 0; i < ids.length; i++)
        {
            publications[i] = edges.get(ids[i]).publication;
        }
        snapshot = new Snapshot(ids, publications);
    }

    /** Close every publication (at shutdown, after the shards have drained). */
    @Override
    public void close()
    {
        snapshot = EMPTY;
        for (final Edge edge : edges.values())
        {
            CloseHelper.quietClose(edge.publication);
        }
        edges.clear();
        ungreeted = 0;
    }
}
