package io.quire.engine.shard;

import io.quire.journal.JournalReader;
import io.quire.journal.JournalRecordHandler;

/**
 * {@link RecordLookup} over a shard's journal: binary search to the batch holding the LSN, then that one record.
 * Cold path (history older than memory holds); one instance per thread.
 */
public final class JournalRecordLookup implements RecordLookup, AutoCloseable
{
    private final JournalReader reader;
    private long wanted;
    private boolean found;
    private JournalRecordHandler target;
    private final JournalRecordHandler filter = (lsn, buffer, offset, length, index, position) ->
    {
        if (lsn == wanted && !found)
        {
            found = true;
            target.onRecord(lsn, buffer, offset, length, index, position);
        }
    };

    /**
     * @param reader a reader over the shard's journal; owned (closed) by this lookup.
     */
    public JournalRecordLookup(final JournalReader reader)
    {
        this.reader = reader;
    }

    @Override
    public boolean read(final long lsn, final JournalRecordHandler handler)
    {
        if (!reader.seekLsn(lsn))
        {
            return false;
        }
        wanted = lsn;
        found = false;
        target = handler;
        reader.poll(filter, 1);
        target = null;
        return found;
    }

    /** The thread that used the lookup so far will not again; the next one owns it. */
    public void handOver()
    {
        reader.handOver();
    }

    @Override
    public void close()
    {
        reader.close();
    }
}
