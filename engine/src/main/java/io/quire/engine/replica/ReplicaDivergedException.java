package io.quire.engine.replica;

/**
 * A replica's journal is not a prefix of its primary's: the record at some LSN differs (or the primary has no such
 * record). The replica cannot follow this primary; its data must be replaced by a copy of the primary's.
 */
public final class ReplicaDivergedException extends IllegalStateException
{
    private static final long serialVersionUID = 1L;

    private final int shardId;
    private final long lsn;

    /**
     * @param shardId the shard.
     * @param lsn     the first LSN found to differ.
     * @param detail  how.
     */
    public ReplicaDivergedException(final int shardId, final long lsn, final String detail)
    {
        super("shard " + shardId + ": replica diverged from its primary at LSN " + lsn + ": " + detail);
        this.shardId = shardId;
        this.lsn = lsn;
    }

    /** @return the shard. */
    public int shardId()
    {
        return shardId;
    }

    /** @return the LSN. */
    public long lsn()
    {
        return lsn;
    }
}
