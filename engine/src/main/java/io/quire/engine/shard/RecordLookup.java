package io.quire.engine.shard;

import io.quire.journal.JournalRecordHandler;

/**
 * Random access to a shard's journal records by LSN, for the cold paths that reach further back than the in-memory
 * history: catch-up and transform from old versions, snapshots at a version, document loads.
 */
public interface RecordLookup
{
    /** Looks up nothing: for shards without a journal (tests of pure sequencing). */
    RecordLookup NONE = (lsn, handler) -> false;

    /**
     * @param lsn     the record's LSN.
     * @param handler receives exactly that record.
     * @return false if there is no record with that LSN.
     */
    boolean read(long lsn, JournalRecordHandler handler);
}
