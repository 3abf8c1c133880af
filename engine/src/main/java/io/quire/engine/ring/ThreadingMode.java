package io.quire.engine.ring;

/**
 * How a shard ring's three stages map onto threads.
 */
public enum ThreadingMode
{
    /**
     * One thread per shard runs sequence, journal and egress back to back, committing the journal once per batch
     * before sending. Fewest threads and no hand-offs: the default, right for small boxes.
     */
    SHARED,

    /**
     * A thread per stage per shard (sequence → journal → egress pipelined across cores). For dedicated hosts with
     * cores to spare; pair it with a spinning wait strategy.
     */
    DEDICATED
}
