package io.quire.journal.snapshot;

import java.util.Locale;

/**
 * Layout and naming of a snapshot file: one document's text at one version, with its metadata.
 * <pre>
 * prefix, 16 bytes, little endian:
 *   int32  magic         0x504E5351 ("QSNP" in file byte order)
 *   int16  formatVersion 1
 *   int16  flags         0 (a reader of version 1 rejects anything else)
 *   int32  headerLength  length of the SBE header below, message header included, 1..1 MiB
 *   int32  headerCrc32c  over prefix bytes 0..11 and the header bytes
 * header: a SnapshotHeader of quire-journal.xml with its SBE message header (headerLength bytes)
 * text:   the document text as strictly well-formed UTF-8 (the header's textLength bytes)
 * trailer, 4 bytes:
 *   int32  crc32c        over every byte before it (prefix, header and text)
 * </pre>
 * A file is exactly {@code 16 + headerLength + textLength + 4} bytes: anything shorter is truncated, anything longer
 * has trailing bytes. The header has its own CRC so that the header alone (identity, version, LSN) can be trusted
 * without reading a text of any size; the trailer covers the whole file. The header's {@code utf16Length} and
 * {@code codePointLength} must equal what the text decodes to. The header carries its schema version and block
 * length, so a newer header with appended fields stays readable (SBE's acting block length).
 * <p>
 * Names: {@code <hh>/<docHash>-<version>.snap}, where {@code docHash} is 16 lower-case hex digits, {@code version}
 * 20 decimal digits and {@code hh} the first two digits of the hash (it keeps each directory small). Names sort by
 * document, then version, and say what the file holds without opening it. Two documents whose 64-bit hashes collide
 * and that are snapshotted at the same version take collision slots: {@code <docHash>-<version>-<slot>.snap} with
 * slot 1, 2, ...; the header's collection and id tell them apart. A snapshot being written is a temporary file
 * ending in {@code .tmp} in the same directory, renamed atomically to its real name once complete.
 */
public final class SnapshotFormat
{
    /** Prefix magic. */
    public static final int MAGIC = 0x504E5351;
    /** Current format version. */
    public static final short FORMAT_VERSION = 1;
    /** Prefix length in bytes. */
    public static final int PREFIX_LENGTH = 16;
    /** Offset of the format version in the prefix. */
    public static final int FORMAT_VERSION_OFFSET = 4;
    /** Offset of the flags in the prefix. */
    public static final int FLAGS_OFFSET = 6;
    /** Offset of the header length in the prefix. */
    public static final int HEADER_LENGTH_OFFSET = 8;
    /** Offset of the header CRC in the prefix; the CRC covers the prefix bytes before it. */
    public static final int HEADER_CRC_OFFSET = 12;
    /** Trailer length in bytes. */
    public static final int TRAILER_LENGTH = 4;
    /** Largest header a reader accepts: far above any header the wire limits allow (about 256 KiB). */
    public static final int MAX_HEADER_LENGTH = 1 << 20;
    /** Suffix of a snapshot file. */
    public static final String SUFFIX = ".snap";
    /** Suffix of a snapshot being written. */
    public static final String TEMP_SUFFIX = ".tmp";
    /** I/O buffer of writers and readers: the most bytes (and chars) held at once for a text of any size. */
    static final int BUFFER_SIZE = 64 << 10;

    private static final int HASH_DIGITS = 16;
    private static final int VERSION_DIGITS = 20;
    private static final int BASE_NAME_LENGTH = HASH_DIGITS + 1 + VERSION_DIGITS;

    private SnapshotFormat()
    {
    }

    /**
     * @param docHash the document's routing hash.
     * @return the name of the subdirectory holding its snapshots: the first two hex digits of the hash.
     */
    public static String subdirectory(final long docHash)
    {
        return hex(docHash).substring(0, 2);
    }

    /**
     * @param docHash the document's routing hash.
     * @param version the document version.
     * @param slot    the collision slot, 0 unless another document with the same hash has a snapshot at the version.
     * @return the file name (without its subdirectory).
     */
    public static String fileName(final long docHash, final long version, final int slot)
    {
        if (version < 0 || slot < 0)
        {
            throw new IllegalArgumentException("version " + version + " and slot " + slot + " must not be negative");
        }
        final String versionDigits = Long.toString(version);
        final StringBuilder name = new StringBuilder(BASE_NAME_LENGTH + 12)
            .append(hex(docHash))
            .append('-')
            .append("0".repeat(VERSION_DIGITS - versionDigits.length()))
            .append(versionDigits);
        if (slot > 0)
        {
            name.append('-').append(slot);
        }
        return name.append(SUFFIX).toString();
    }

    /**
     * Parse a snapshot file name.
     *
     * @param fileName a file name without directory.
     * @return what it names, or null if it is not the name of a snapshot.
     */
    public static Name parse(final String fileName)
    {
        if (!fileName.endsWith(SUFFIX) || fileName.length() < BASE_NAME_LENGTH + SUFFIX.length())
        {
            return null;
        }
        final int end = fileName.length() - SUFFIX.length();
        if (fileName.charAt(HASH_DIGITS) != '-')
        {
            return null;
        }
        for (int i = 0; i < HASH_DIGITS; i++)
        {
            final char c = fileName.charAt(i);
            if (!(c >= '0' && c <= '9') && !(c >= 'a' && c <= 'f'))
            {
                return null;
            }
        }
        if (!allDigits(fileName, HASH_DIGITS + 1, BASE_NAME_LENGTH))
        {
            return null;
        }
        int slot = 0;
        if (end != BASE_NAME_LENGTH)
        {
            final int slotStart = BASE_NAME_LENGTH + 1;
            if (fileName.charAt(BASE_NAME_LENGTH) != '-' || end - slotStart < 1 || end - slotStart > 9 ||
                fileName.charAt(slotStart) == '0' || !allDigits(fileName, slotStart, end))
            {
                return null;
            }
            slot = Integer.parseInt(fileName, slotStart, end, 10);
        }
        final long docHash = Long.parseUnsignedLong(fileName, 0, HASH_DIGITS, 16);
        final long version;
        try
        {
            version = Long.parseLong(fileName, HASH_DIGITS + 1, BASE_NAME_LENGTH, 10);
        }
        catch (final NumberFormatException ex)
        {
            return null;
        }
        return new Name(docHash, version, slot);
    }

    /**
     * @param fileName the real name of a snapshot being written.
     * @param nonce    a random number, so that a crashed writer's leftover never collides with a new write.
     * @return the temporary name it is written under: {@code <fileName>.<nonce in hex>.tmp}.
     */
    public static String tempName(final String fileName, final long nonce)
    {
        return fileName + '.' + Long.toHexString(nonce) + TEMP_SUFFIX;
    }

    /**
     * @param fileName a file name without directory.
     * @return true if it is the temporary name of a snapshot being written (see {@link #tempName}).
     */
    public static boolean isTempName(final String fileName)
    {
        if (!fileName.endsWith(TEMP_SUFFIX))
        {
            return false;
        }
        final String stem = fileName.substring(0, fileName.length() - TEMP_SUFFIX.length());
        final int dot = stem.lastIndexOf('.');
        return dot > 0 && dot < stem.length() - 1 && parse(stem.substring(0, dot)) != null;
    }

    private static boolean allDigits(final String s, final int from, final int to)
    {
        for (int i = from; i < to; i++)
        {
            final char c = s.charAt(i);
            if (c < '0' || c > '9')
            {
                return false;
            }
        }
        return true;
    }

    private static String hex(final long docHash)
    {
        final String digits = Long.toHexString(docHash).toLowerCase(Locale.ROOT);
        return "0".repeat(HASH_DIGITS - digits.length()) + digits;
    }

    /**
     * What a snapshot file name says.
     *
     * @param docHash the document's routing hash.
     * @param version the document version.
     * @param slot    the collision slot (0 normally).
     */
    public record Name(long docHash, long version, int slot)
    {
        /** @return the file name. */
        public String fileName()
        {
            return SnapshotFormat.fileName(docHash, version, slot);
        }
    }
}
