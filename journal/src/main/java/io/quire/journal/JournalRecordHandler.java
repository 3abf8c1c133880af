package io.quire.journal;

import org.agrona.DirectBuffer;

/**
 * Receives journal records from a {@link JournalReader}, in LSN order. Implemented by recovery, replicas and the
 * replay tool's commands. The buffer is only valid during the call.
 */
@FunctionalInterface
public interface JournalRecordHandler
{
    /**
     * @param lsn          the record's log sequence number.
     * @param buffer       buffer holding the record (an SBE message with its header).
     * @param offset       first byte of the record.
     * @param length       record length.
     * @param excerptIndex Chronicle index of the excerpt (batch) holding the record.
     * @param position     the record's position within its batch, from 0.
     */
    void onRecord(long lsn, DirectBuffer buffer, int offset, int length, long excerptIndex, int position);
}
