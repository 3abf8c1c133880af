package io.quire.engine.replica;

import io.quire.engine.shard.EpochRecords;
import io.quire.journal.JournalContext;
import io.quire.journal.JournalReader;
import io.quire.journal.JournalRecordHandler;
import io.quire.journal.JournalWriter;
import org.agrona.ExpandableArrayBuffer;

import java.nio.file.Path;

/**
 * Copies the first records of a journal into a new, empty one, with the same LSNs and bytes and the same batch
 * boundaries (each source batch is committed as one batch): what a replica whose journal diverged from its primary's
 * keeps of it, up to where the two agree.
 */
public final class JournalPrefix
{
    private JournalPrefix()
    {
    }

    /**
     * @param from     the journal to copy from (read only).
     * @param to       the new journal's options; its directory must hold no journal yet.
     * @param lastLsn  copy no record past this LSN.
     * @param maxEpoch copy no record of a newer epoch than this (nor any after it); -1: no bound.
     * @return the last LSN copied (0: none).
     */
    public static long copy(final Path from, final JournalContext to, final long lastLsn, final long maxEpoch)
    {
        try (JournalReader reader = JournalReader.open(from); JournalWriter writer = new JournalWriter(to))
        {
            if (writer.nextLsn() != 1)
            {
                throw new IllegalStateException("the journal " + to.dir() + " is not empty (next LSN " +
                    writer.nextLsn() + ")");
            }
            final EpochRecords epochs = new EpochRecords();
            final ExpandableArrayBuffer copy = new ExpandableArrayBuffer(4096);
            final boolean[] done = new boolean[1];
            final JournalRecordHandler handler = (lsn, buffer, offset, length, index, position) ->
            {
                if (done[0])
                {
                    return;
                }
                if (lsn > lastLsn || (maxEpoch >= 0 && epochs.epochOf(buffer, offset) > maxEpoch))
                {
                    done[0] = true;
                    return;
                }
                if (lsn != writer.nextLsn())
                {
                    throw new IllegalStateException("LSN " + lsn + " read from " + from + " where " +
                        writer.nextLsn() + " was expected");
                }
                copy.putBytes(0, buffer, offset, length); // the writer takes byte-array backed buffers
                writer.append(lsn, copy, 0, length);
            };
            while (!done[0] && writer.nextLsn() <= lastLsn && reader.poll(handler, 1) > 0)
            {
                writer.commitBatch();
            }
            writer.commitBatch();
            return writer.nextLsn() - 1;
        }
    }
}
