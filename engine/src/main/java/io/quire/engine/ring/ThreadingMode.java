package io.quire.engine.ring;

/**
 * How a shard ring's three stages map onto threads.
 */
public enum ThreadingMode
{
    /**
     * One engine thread runs the ingress and every shard's three stages in one duty cycle: it polls the edges into
     * the rings, then drives each ring with an event poller (sequence and journal each slot, commit once per batch,
     * then send). Fewest runnable threads and no cross-thread wake-ups: the default, right for small boxes.
     */
    SINGLE,

    /**
     * One thread per shard runs sequence, journal and egress back to back, committing the journal once per batch
     * before sending; the ingress has its own thread. Shards then use cores in parallel, and one shard's slow
     * journal sync does not hold up the others.
     */
    SHARED,

    /**
     * A thread per stage per shard (sequence → journal → egress pipelined across cores). For dedicated hosts with
     * cores to spare; pair it with a spinning wait strategy.
     */
    DEDICATED
}
