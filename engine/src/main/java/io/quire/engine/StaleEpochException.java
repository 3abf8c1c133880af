package io.quire.engine;

/**
 * A node was asked to act as primary in an epoch that is not newer than one already journaled: another node has
 * been primary since (or the same epoch would be reused). The node must not accept writes; it may rejoin as a
 * replica.
 */
public final class StaleEpochException extends IllegalStateException
{
    private static final long serialVersionUID = 1L;

    private final int shardId;
    private final long epoch;
    private final long journaledEpoch;

    /**
     * @param shardId        the shard.
     * @param epoch          the epoch asked for.
     * @param journaledEpoch the newest epoch in the shard's journal.
     */
    public StaleEpochException(final int shardId, final long epoch, final long journaledEpoch)
    {
        super("shard " + shardId + ": epoch " + epoch + " is not newer than the journaled epoch " + journaledEpoch +
            " (fenced: another primary has been elected since)");
        this.shardId = shardId;
        this.epoch = epoch;
        this.journaledEpoch = journaledEpoch;
    }

    /** @return the shard. */
    public int shardId()
    {
        return shardId;
    }

    /** @return the epoch asked for. */
    public long epoch()
    {
        return epoch;
    }

    /** @return the newest journaled epoch. */
    public long journaledEpoch()
    {
        return journaledEpoch;
    }
}
