package io.quire.engine.replica;

import org.agrona.concurrent.Agent;

/** A replica node's duty cycle, whatever the transport: how far each shard has come and whether it stopped. */
public interface Replication extends Agent
{
    /**
     * Any thread: how far a shard has come.
     *
     * @param index the shard's index among the owned shards.
     * @return {applied LSN, records behind, bytes behind (-1: not measured by this transport), ms behind} as of the
     *         last sample.
     */
    long[] progress(int index);

    /** @return the first shard's replication failure, or null while every shard follows. */
    RuntimeException failure();
}
