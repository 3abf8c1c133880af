package io.quire.engine.replica;

import org.agrona.concurrent.Agent;

import java.util.List;

/** A replica node's duty cycle, whatever the transport: how far each shard has come and whether it stopped. */
public interface Replication extends Agent
{
    /**
     * Any thread: how far a shard has come.
     *
     * @param index the shard's index among the owned shards.
     * @return {applied LSN, records behind, bytes behind (-1: not measured by this transport), ms behind} as of the
     *         last sample; records and ms behind are -1 (unknown) until the replica has learned where the primary's
     *         journal ends.
     */
    long[] progress(int index);

    /**
     * Any thread: whether every shard has caught up, now (not as of a sample): it has learned from the primary where
     * the primary's journal ends (not merely assumed an initial 0) and has journaled and committed every record up
     * to there.
     *
     * @return true if caught up, false while any shard is behind, has not heard the primary, or has failed.
     */
    boolean caughtUp();

    /** @return the first shard's replication failure, or null while every shard follows. */
    RuntimeException failure();

    /**
     * Any thread: whether every shard has either started following the primary or failed (so no shard is still
     * waiting for the primary's first answer, which may reveal a divergence).
     *
     * @return true once every shard is following or has failed.
     */
    default boolean settled()
    {
        return true;
    }

    /** @return every shard's replication failure, in shard order (empty while every shard follows). */
    default List<RuntimeException> failures()
    {
        final RuntimeException first = failure();
        return first == null ? List.of() : List.of(first);
    }

    /**
     * Any thread: records of a shard this replica has journaled from its primary since it started (what it copied,
     * not what it already held); -1 if the transport does not count them.
     *
     * @param index the shard's index among the owned shards.
     * @return records received.
     */
    default long recordsReceived(final int index)
    {
        return -1;
    }
}
