package io.quire.journal.snapshot;

import java.nio.file.Path;

/**
 * A snapshot file is damaged: truncated, with flipped bits, or not a snapshot at all. Says which file, what is wrong
 * and at which byte where known. The engine falls back to an older snapshot (see {@link CorruptSnapshotPolicy}) and
 * replays more of the journal.
 */
public final class SnapshotCorruptedException extends RuntimeException
{
    private static final long serialVersionUID = 1L;

    /** What is wrong, in the order a reader checks. */
    public enum Reason
    {
        /** The file ends before the length its prefix and header announce. */
        TRUNCATED,
        /** The file does not start with the snapshot magic. */
        BAD_MAGIC,
        /** Written in an unknown format version, or with unknown flags. */
        UNSUPPORTED_FORMAT,
        /** The header length in the prefix is out of range. */
        BAD_HEADER_LENGTH,
        /** The prefix and header do not match their CRC32C. */
        HEADER_CRC_MISMATCH,
        /** The header is not a well-formed SnapshotHeader, or holds inconsistent values. */
        MALFORMED_HEADER,
        /** The header's document hash or version is not the one in the file name. */
        NAME_MISMATCH,
        /** The file is longer than its prefix and header announce. */
        TRAILING_BYTES,
        /** The file does not match its CRC32C trailer. */
        CRC_MISMATCH,
        /** The text is not strictly well-formed UTF-8 although the CRC matches: written wrongly. */
        INVALID_UTF8,
        /** The text decodes to other lengths than the header's: written wrongly. */
        LENGTH_MISMATCH
    }

    private final transient Path file;
    private final Reason reason;
    private final long offset;
    private final String detail;

    /**
     * @param file   the damaged file.
     * @param reason what is wrong.
     * @param offset the byte offset of the problem in the file, or -1 if it concerns the whole file.
     * @param detail a human explanation.
     */
    public SnapshotCorruptedException(final Path file, final Reason reason, final long offset, final String detail)
    {
        super(reason + " in " + file + (offset >= 0 ? " at byte " + offset : "") + ": " + detail);
        this.file = file;
        this.reason = reason;
        this.offset = offset;
        this.detail = detail;
    }

    /** @return the damaged file. */
    public Path file()
    {
        return file;
    }

    /** @return what is wrong. */
    public Reason reason()
    {
        return reason;
    }

    /** @return the byte offset of the problem in the file, or -1 if it concerns the whole file. */
    public long offset()
    {
        return offset;
    }

    /** @return the human explanation, without the file and reason. */
    public String detail()
    {
        return detail;
    }
}
