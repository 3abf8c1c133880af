package io.quire.engine;

import io.quire.engine.ingress.IngressAgent;
import org.agrona.concurrent.Agent;

/**
 * The single threading mode's one duty cycle: the ingress takes what the edges sent and puts it into the shard
 * rings, then each shard runs its stages over what its ring holds (at most one batch: sequence and journal each
 * slot, commit once, then send). No other thread touches the rings, so nothing waits on or wakes anything. Under the
 * replicated ack policy a shard's committed slots may be held until a replica reports them journaled (the
 * replication thread only advances the shard's {@code ReplicationGate}); the held slots are sent by a later cycle,
 * never waited for here. When a cycle finds nothing to do, each shard faults in its journal's next page, so that
 * the next commit does not stop for it. Only a primary runs this agent: a replica starts it on promotion.
 */
final class EngineAgent implements Agent
{
    /** Name of the thread that runs this agent (the single mode's only engine thread). */
    static final String THREAD_NAME = "quire-engine";

    private final IngressAgent ingress;
    private final Shard[] shards;

    /**
     * @param ingress the ingress duty cycle (the rings' producer).
     * @param shards  the owned shards, started.
     */
    EngineAgent(final IngressAgent ingress, final Shard[] shards)
    {
        this.ingress = ingress;
        this.shards = shards;
    }

    @Override
    public void onStart()
    {
        ingress.onStart();
    }

    @Override
    public int doWork()
    {
        int work = ingress.doWork();
        for (final Shard shard : shards)
        {
            work += shard.poll();
        }
        if (work == 0)
        {
            // Idle: fault in the journals' next pages now rather than in the next commit. Not counted as work, so
            // the idle strategy backs off as before.
            for (final Shard shard : shards)
            {
                shard.idle();
            }
        }
        return work;
    }

    @Override
    public void onClose()
    {
        ingress.onClose();
    }

    @Override
    public String roleName()
    {
        return THREAD_NAME;
    }
}
