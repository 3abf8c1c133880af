package io.quire.journal;

import java.util.zip.CRC32C;

/**
 * Layout of a journal excerpt. The engine commits one excerpt per ring batch (group commit); it holds consecutive
 * records, each an SBE message from {@code quire-journal.xml} framed with its length and a CRC32C.
 * <pre>
 * batch header, 16 bytes, little endian:
 *   int32  magic         0x52495551 ("QUIR" in file byte order)
 *   int16  formatVersion 1
 *   int16  recordCount   1..32767
 *   int64  firstLsn      log sequence number of the first record; record i has firstLsn + i
 * then recordCount frames:
 *   int32  length        of the record bytes, 1..(excerpt end)
 *   byte[] record        an SBE message with its message header
 *   int32  crc32c        over (lsn as int64 LE, length as int32 LE, record bytes)
 * </pre>
 * LSNs are per shard journal, start at 1 and have no gaps: a missing LSN is a removed record, a repeated one a
 * replayed record. Including the LSN in the CRC means a record copied to another place fails its check.
 */
public final class JournalFormat
{
    /** Batch header magic. */
    public static final int MAGIC = 0x52495551;
    /** Current format version. */
    public static final short FORMAT_VERSION = 1;
    /** Batch header length in bytes. */
    public static final int BATCH_HEADER_LENGTH = 16;
    /** Offset of the record count in the batch header. */
    public static final int RECORD_COUNT_OFFSET = 6;
    /** Offset of the first LSN in the batch header. */
    public static final int FIRST_LSN_OFFSET = 8;
    /** Frame overhead: length and CRC. */
    public static final int FRAME_OVERHEAD = 8;
    /** Maximum records in one batch (the count is an int16). */
    public static final int MAX_RECORDS_PER_BATCH = Short.MAX_VALUE;
    /** The first LSN of an empty journal. */
    public static final long FIRST_LSN = 1;

    private JournalFormat()
    {
    }

    /**
     * CRC32C of a frame.
     *
     * @param crc     reusable checksum (reset here).
     * @param scratch 12-byte scratch array.
     * @param lsn     the record's LSN.
     * @param record  array holding the record.
     * @param offset  first byte of the record.
     * @param length  record length.
     * @return the frame's CRC as an int.
     */
    public static int frameCrc(
        final CRC32C crc, final byte[] scratch, final long lsn, final byte[] record, final int offset, final int length)
    {
        putLongLE(scratch, 0, lsn);
        putIntLE(scratch, 8, length);
        crc.reset();
        crc.update(scratch, 0, 12);
        crc.update(record, offset, length);
        return (int)crc.getValue();
    }

    static void putLongLE(final byte[] dst, final int offset, final long value)
    {
        for (int i = 0; i < 8; i++)
        {
            dst[offset + i] = (byte)(value >>> (8 * i));
        }
    }

    static void putIntLE(final byte[] dst, final int offset, final int value)
    {
        for (int i = 0; i < 4; i++)
        {
            dst[offset + i] = (byte)(value >>> (8 * i));
        }
    }
}
