package io.quire.journal;

/**
 * Something wrong in a journal, located exactly: the file, the excerpt index, the record's position in its batch
 * and its LSN where known.
 *
 * @param kind         what is wrong.
 * @param file         the queue file holding the excerpt, or null if unknown.
 * @param excerptIndex Chronicle index of the excerpt.
 * @param position     the record's position in its batch, or -1 for a batch-level problem.
 * @param lsn          the LSN concerned, or -1 if unknown.
 * @param detail       a human explanation.
 */
public record JournalProblem(Kind kind, String file, long excerptIndex, int position, long lsn, String detail)
{
    /** Kinds of problem. */
    public enum Kind
    {
        /** The excerpt does not start with the batch magic: not a Quire batch, or its header is corrupted. */
        BAD_BATCH_HEADER,
        /** Written by a newer, unknown journal format version. */
        UNSUPPORTED_FORMAT,
        /** The excerpt ends before the frames its header announces: truncated or corrupted. */
        TRUNCATED,
        /** A frame length that does not fit the excerpt: the rest of the batch cannot be read. */
        BAD_FRAME_LENGTH,
        /** A record whose CRC32C does not match its bytes (flipped bits, or a record copied elsewhere). */
        CRC_MISMATCH,
        /** LSNs jump forward: records between are missing (removed). */
        LSN_GAP,
        /** LSNs go backward or repeat: records replayed twice. */
        LSN_REGRESSION,
        /** Bytes left in the excerpt after its last frame. */
        TRAILING_BYTES
    }

    @Override
    public String toString()
    {
        return kind + " at " + (file == null ? "?" : file) + " index=0x" + Long.toHexString(excerptIndex) +
            (position >= 0 ? " record=" + position : "") + (lsn >= 0 ? " lsn=" + lsn : "") + ": " + detail;
    }
}
