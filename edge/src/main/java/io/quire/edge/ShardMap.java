package io.quire.edge;

import io.quire.codec.ShardRouter;
import io.quire.common.ConfigException;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

/**
 * Which engine node owns which shards, and where its ingress is: the edge's {@code engines} option.
 * <p>
 * Syntax: entries separated by {@code ;}, commas or whitespace, each {@code BEGIN-END=CHANNEL[@STREAM]} with END
 * exclusive (as the engine's {@code shard-range}), e.g. {@code 0-2=aeron:udp?endpoint=127.0.0.1:40100@1001}. The
 * ranges must cover {@code [0, shards)} exactly once. The stream defaults to 1001, the engine's default ingress stream.
 * <p>
 * An entry may name several candidate engines for its range, the primary and its hot standbys in any order,
 * separated by {@code |}: {@code 0-2=aeron:udp?endpoint=10.0.0.1:40100|aeron:udp?endpoint=10.0.0.2:40100@1001}. A
 * {@code |} starts a new candidate only where {@code aeron:} follows it, so the {@code |} between an Aeron URI's own
 * parameters ({@code endpoint=h:1|term-length=64k}) is left alone. The edge routes the entry's commands to whichever
 * candidate is the primary of the newest epoch ({@link EngineLinks}).
 */
public final class ShardMap
{
    /** The engine's default ingress stream id. */
    public static final int DEFAULT_STREAM = 1001;

    private final int shardCount;
    private final List<Entry> entries;
    private final int[] engineOfShard;

    /**
     * One engine node that may serve an entry's shards: its ingress.
     *
     * @param channel Aeron ingress channel.
     * @param stream  Aeron ingress stream id.
     */
    public record Candidate(String channel, int stream)
    {
        /** {@inheritDoc} */
        public String toString()
        {
            return channel + "@" + stream;
        }
    }

    /**
     * The shards {@code [begin, end)} and the engines that may serve them (the primary and its standbys).
     *
     * @param index      position in the map (0, 1, ...).
     * @param begin      first shard.
     * @param end        one past the last shard.
     * @param candidates the engines' ingresses, in the order given (at least one).
     */
    public record Entry(int index, int begin, int end, List<Candidate> candidates)
    {
        /** @return {@code begin-end}. */
        public String range()
        {
            return begin + "-" + end;
        }

        /** @return the first candidate's ingress channel (the only one in a single-engine entry). */
        public String channel()
        {
            return candidates.get(0).channel();
        }

        /** @return the first candidate's ingress stream. */
        public int stream()
        {
            return candidates.get(0).stream();
        }

        /** @return the candidates as the option spells them, {@code CHANNEL@STREAM|...}. */
        public String describe()
        {
            final StringBuilder sb = new StringBuilder();
            for (final Candidate c : candidates)
            {
                if (sb.length() > 0)
                {
                    sb.append('|');
                }
                sb.append(c);
            }
            return sb.toString();
        }
    }

    private ShardMap(final int shardCount, final List<Entry> entries)
    {
        this.shardCount = shardCount;
        this.entries = List.copyOf(entries);
        this.engineOfShard = new int[shardCount];
        for (final Entry e : entries)
        {
            for (int s = e.begin(); s < e.end(); s++)
            {
                engineOfShard[s] = e.index();
            }
        }
    }

    /**
     * Parse and check a shard map.
     *
     * @param shardCount total shard count (must match the engines').
     * @param spec       the {@code engines} option.
     * @return the map.
     * @throws ConfigException if the syntax is wrong or the ranges do not tile {@code [0, shardCount)}.
     */
    public static ShardMap parse(final int shardCount, final String spec)
    {
        if (shardCount < 1 || shardCount > ShardRouter.MAX_SHARDS)
        {
            throw new ConfigException("quire.edge.shards must be in [1, " + ShardRouter.MAX_SHARDS + "], got " +
                shardCount);
        }
        if (spec == null || spec.isBlank())
        {
            throw new ConfigException("quire.edge.engines is empty: give BEGIN-END=CHANNEL[@STREAM] per engine");
        }
        final List<Entry> parsed = new ArrayList<>();
        for (final String raw : spec.trim().split("[;,\\s]+"))
        {
            final int eq = raw.indexOf('=');
            final int dash = raw.indexOf('-');
            if (eq < 0 || dash < 0 || dash > eq)
            {
                throw new ConfigException("quire.edge.engines entry '" + raw + "' is not BEGIN-END=CHANNEL[@STREAM]");
            }
            final int begin;
            final int end;
            try
            {
                begin = Integer.parseInt(raw.substring(0, dash).trim());
                end = Integer.parseInt(raw.substring(dash + 1, eq).trim());
            }
            catch (final NumberFormatException ex)
            {
                throw new ConfigException("quire.edge.engines entry '" + raw + "' has a bad shard range");
            }
            final List<Candidate> candidates = new ArrayList<>();
            for (final String one : raw.substring(eq + 1).trim().split("\\|(?=aeron:)"))
            {
                candidates.add(candidate(raw, one.trim()));
            }
            for (int i = 0; i < candidates.size(); i++)
            {
                for (int j = 0; j < i; j++)
                {
                    if (candidates.get(i).equals(candidates.get(j)))
                    {
                        throw new ConfigException("quire.edge.engines entry '" + raw + "' names " + candidates.get(i) +
                            " twice");
                    }
                }
            }
            parsed.add(new Entry(0, begin, end, List.copyOf(candidates)));
        }
        parsed.sort(Comparator.comparingInt(Entry::begin));
        final List<Entry> entries = new ArrayList<>();
        int next = 0;
        for (final Entry e : parsed)
        {
            if (e.begin() != next || e.end() <= e.begin() || e.end() > shardCount)
            {
                throw new ConfigException("quire.edge.engines ranges must tile [0, " + shardCount +
                    ") without gaps or overlaps (end exclusive); problem at " + e.range());
            }
            entries.add(new Entry(entries.size(), e.begin(), e.end(), e.candidates()));
            next = e.end();
        }
        if (next != shardCount)
        {
            throw new ConfigException("quire.edge.engines ranges cover [0, " + next + ") but quire.edge.shards is " +
                shardCount);
        }
        return new ShardMap(shardCount, entries);
    }

    private static Candidate candidate(final String raw, final String spec)
    {
        String channel = spec;
        int stream = DEFAULT_STREAM;
        final int at = channel.lastIndexOf('@');
        if (at > 0)
        {
            try
            {
                stream = Integer.parseInt(channel.substring(at + 1));
            }
            catch (final NumberFormatException ex)
            {
                throw new ConfigException("quire.edge.engines entry '" + raw + "' has a bad stream id");
            }
            channel = channel.substring(0, at);
        }
        if (!channel.startsWith("aeron:"))
        {
            throw new ConfigException("quire.edge.engines entry '" + raw + "': channel must be an aeron: URI");
        }
        return new Candidate(channel, stream);
    }

    /** @return total shard count. */
    public int shardCount()
    {
        return shardCount;
    }

    /** @return the engines, in shard order. */
    public List<Entry> entries()
    {
        return entries;
    }

    /**
     * @param routingHash a {@link ShardRouter} hash.
     * @return the index of the engine that owns its shard.
     */
    public int engineFor(final long routingHash)
    {
        return engineOfShard[ShardRouter.shardFor(routingHash, shardCount)];
    }

    /**
     * @param begin first shard.
     * @param end   one past the last.
     * @return the entry with exactly that range, or null.
     */
    public Entry entryForRange(final int begin, final int end)
    {
        for (final Entry e : entries)
        {
            if (e.begin() == begin && e.end() == end)
            {
                return e;
            }
        }
        return null;
    }

    /** {@inheritDoc} */
    public String toString()
    {
        final StringBuilder sb = new StringBuilder();
        for (final Entry e : entries)
        {
            if (sb.length() > 0)
            {
                sb.append(';');
            }
            sb.append(e.range()).append('=').append(e.describe());
        }
        return sb.toString();
    }
}
