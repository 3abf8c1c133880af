package io.quire.engine.ring;

import org.agrona.concurrent.BackoffIdleStrategy;
import org.agrona.concurrent.IdleStrategy;

/**
 * The {@code replicated} ack policy's barrier: the egress stage sends a slot's acks, broadcasts and replies only once
 * a replica has journaled every record up to the last one journaled at or before that slot. Replicas' position
 * reports advance it ({@link #advance}, from the replication thread); with the {@code local} policy it is not
 * {@link #require required} and never waits.
 * <p>
 * A shard with a thread of its own (shared, dedicated threading) {@link #await waits} at the gate. In the single
 * threading mode the engine's one thread also runs the ingress, the heartbeats and every other shard, so it never
 * waits here: it asks {@link #passed} and comes back to the held slots on a later duty cycle.
 */
public final class ReplicationGate
{
    private final IdleStrategy idle = new BackoffIdleStrategy(10, 20, 1_000, 100_000);
    private volatile long replicatedLsn;
    private volatile long reportedLsn = -1;
    private volatile boolean required;
    private volatile boolean released;

    /**
     * Before the ring starts: whether acks wait for a replica.
     *
     * @param required true for the {@code replicated} policy.
     */
    public void require(final boolean required)
    {
        this.required = required;
    }

    /** @return true if acks wait for a replica. */
    public boolean required()
    {
        return required;
    }

    /**
     * Replication thread: a replica has journaled every record up to this LSN.
     *
     * @param lsn its journaled position.
     */
    public void advance(final long lsn)
    {
        reportedLsn = lsn;
        if (lsn > replicatedLsn)
        {
            replicatedLsn = lsn;
        }
    }

    /**
     * @return the LSN the replica reported journaled last (-1 before any report): lower than
     *         {@link #replicatedLsn()} once a replica that diverged has set its journal aside and copies it again.
     */
    public long reportedLsn()
    {
        return reportedLsn;
    }

    /** @return the highest LSN a replica has reported journaled. */
    public long replicatedLsn()
    {
        return replicatedLsn;
    }

    /** At shutdown: stop waiting (what was not replicated is not sent). */
    public void release()
    {
        released = true;
    }

    /**
     * Non-blocking check (single threading mode).
     *
     * @param lsn the LSN that must be replicated.
     * @return true if a slot needing {@code lsn} may be sent now (or the policy is {@code local}).
     */
    boolean passed(final long lsn)
    {
        return !required || replicatedLsn >= lsn;
    }

    /** @return true once {@link #release()}d: held slots are suppressed instead of waiting. */
    boolean released()
    {
        return released;
    }

    /**
     * Egress thread: wait until a replica has journaled up to {@code lsn}.
     *
     * @param lsn the LSN that must be replicated.
     * @return true when it is, false if the gate was released first.
     */
    boolean await(final long lsn)
    {
        if (!required || replicatedLsn >= lsn)
        {
            return true;
        }
        idle.reset();
        while (replicatedLsn < lsn)
        {
            if (released)
            {
                return false;
            }
            idle.idle();
        }
        return true;
    }
}
