package io.quire.engine.replica;

/**
 * A replica's journal is not a prefix of its primary's: the record at some LSN differs (or the primary has no such
 * record). The replica cannot follow this primary; its data must be replaced by a copy of the primary's, entirely or,
 * when the primary said where the two journals agree ({@link #agreedLsn()}), from that point on.
 */
public final class ReplicaDivergedException extends IllegalStateException
{
    private static final long serialVersionUID = 1L;

    private final int shardId;
    private final long lsn;
    private final long agreedLsn;
    private final long agreedEpoch;

    /**
     * A divergence with no known agreement point: the whole journal is to be copied again.
     *
     * @param shardId the shard.
     * @param lsn     the first LSN found to differ.
     * @param detail  how.
     */
    public ReplicaDivergedException(final int shardId, final long lsn, final String detail)
    {
        this(shardId, lsn, detail, -1, -1);
    }

    /**
     * @param shardId     the shard.
     * @param lsn         the LSN found to differ (the replica's last record).
     * @param detail      how.
     * @param agreedLsn   the primary's answer: the journals agree on records up to this LSN (0: none); -1 unknown.
     * @param agreedEpoch the epoch of the primary's record at {@code agreedLsn} (-1 unknown or none).
     */
    public ReplicaDivergedException(
        final int shardId, final long lsn, final String detail, final long agreedLsn, final long agreedEpoch)
    {
        super("shard " + shardId + ": replica diverged from its primary at LSN " + lsn + ": " + detail +
            (agreedLsn >= 0 ? " (the primary says the journals agree up to LSN " + agreedLsn + ")" : ""));
        this.shardId = shardId;
        this.lsn = lsn;
        this.agreedLsn = agreedLsn;
        this.agreedEpoch = agreedEpoch;
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

    /**
     * @return the last LSN on which the primary's journal and this replica's agree as the primary computed it from
     *         epochs (0: none), below {@link #lsn()}; -1 if unknown (the primary did not say: copy everything).
     */
    public long agreedLsn()
    {
        return agreedLsn;
    }

    /** @return the epoch of the primary's record at {@link #agreedLsn()}; -1 if unknown or none. */
    public long agreedEpoch()
    {
        return agreedEpoch;
    }
}
