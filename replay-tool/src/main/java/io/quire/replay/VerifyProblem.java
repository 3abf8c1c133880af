package io.quire.replay;

import io.quire.journal.JournalProblem;

/**
 * Something {@code verify} found wrong, with its exact location: shard, queue file, excerpt index, record position in
 * its batch, LSN, document and version, as far as they are known.
 *
 * @param kind         what is wrong.
 * @param shard        shard number.
 * @param file         the queue (or snapshot) file, or null.
 * @param excerptIndex Chronicle index of the batch, or -1.
 * @param position     position of the record in its batch, or -1.
 * @param lsn          LSN, or -1.
 * @param doc          {@code collection/docId}, or null.
 * @param version      document version, or -1.
 * @param detail       explanation.
 */
public record VerifyProblem(
    Kind kind, int shard, String file, long excerptIndex, int position, long lsn, String doc, long version,
    String detail)
{
    /** Kinds of problem. */
    public enum Kind
    {
        /** Journal: an excerpt without a valid batch header. */
        BAD_BATCH_HEADER,
        /** Journal: written by an unknown format version. */
        UNSUPPORTED_FORMAT,
        /** Journal: an excerpt ends before the records its header announces (truncated). */
        TRUNCATED,
        /** Journal: a frame length that does not fit its excerpt; the rest of the batch is unreadable. */
        BAD_FRAME_LENGTH,
        /** Journal: a record whose CRC32C does not match its bytes (corrupted); it is skipped. */
        CRC_MISMATCH,
        /** Journal: LSNs jump forward (records removed). */
        LSN_GAP,
        /** Journal: LSNs go back or repeat (records replayed). */
        LSN_REGRESSION,
        /** Journal: bytes after the last frame of an excerpt. */
        TRAILING_BYTES,
        /** A record whose CRC matches but that cannot be decoded. */
        MALFORMED_RECORD,
        /** A document's versions jump forward: records missing. */
        VERSION_GAP,
        /** A document version committed again (without being a duplicate of the same client op). */
        VERSION_REPEAT,
        /** The same client op, (source, seq), committed twice to a document. */
        DUPLICATE_OP,
        /** A source's seq went backwards on a document (a duplicate older than the window, or reordering). */
        SEQ_REGRESSION,
        /** A record of an older epoch after one of a newer epoch: a deposed primary kept writing. */
        EPOCH_REGRESSION,
        /** A record's prevLsn does not point at the document's previous record: its history chain is broken. */
        CHAIN_BROKEN,
        /** An op that does not apply to the document as rebuilt. */
        OP_NOT_APPLICABLE,
        /** The text rebuilt after a record does not have the checksum (or length) the record carries. */
        CHECKSUM_MISMATCH,
        /** A record whose docHash is not the hash of its collection and id. */
        DOC_HASH_MISMATCH,
        /** A record journaled in another shard than it names. */
        SHARD_MISMATCH,
        /** A snapshot that disagrees with the journal at its version (checksum, length, type or LSN). */
        SNAPSHOT_MISMATCH,
        /** A snapshot file that cannot be read or fails its own CRC or checksum. */
        SNAPSHOT_DAMAGED,
        /** A snapshot of a version the journal never reaches (the journal lost its tail, or is a stale copy). */
        SNAPSHOT_BEYOND_JOURNAL;

        static Kind of(final JournalProblem.Kind kind)
        {
            return valueOf(kind.name());
        }
    }

    /**
     * @param shard   shard number.
     * @param problem a problem the journal reader reported.
     * @return it as a verify problem.
     */
    public static VerifyProblem of(final int shard, final JournalProblem problem)
    {
        return new VerifyProblem(Kind.of(problem.kind()), shard, problem.file(), problem.excerptIndex(),
            problem.position(), problem.lsn(), null, -1, problem.detail());
    }

    @Override
    public String toString()
    {
        final StringBuilder out = new StringBuilder(160).append(kind).append(" shard=").append(shard);
        if (lsn >= 0)
        {
            out.append(" lsn=").append(lsn);
        }
        if (doc != null)
        {
            out.append(" doc=").append(doc);
        }
        if (version >= 0)
        {
            out.append(" version=").append(version);
        }
        if (file != null)
        {
            out.append(" file=").append(file);
        }
        if (excerptIndex >= 0)
        {
            out.append(" index=0x").append(Long.toHexString(excerptIndex));
        }
        if (position >= 0)
        {
            out.append(" record=").append(position);
        }
        return out.append(": ").append(detail).toString();
    }
}
