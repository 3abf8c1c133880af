package io.quire.journal.snapshot;

import io.quire.codec.MalformedMessageException;
import io.quire.codec.MessageValidator;
import io.quire.codec.Utf8;
import io.quire.codec.Utf8Exception;
import io.quire.codec.journal.MessageHeaderDecoder;
import io.quire.codec.journal.SnapshotHeaderDecoder;
import io.quire.journal.snapshot.SnapshotCorruptedException.Reason;
import org.agrona.ExpandableDirectByteBuffer;
import org.agrona.concurrent.UnsafeBuffer;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.zip.CRC32C;

/**
 * Reads snapshot files through fixed buffers: {@link SnapshotFormat#BUFFER_SIZE} bytes and as many chars, whatever
 * the size of the text. Checks everything {@link SnapshotFormat} promises and reports the first problem as a
 * {@link SnapshotCorruptedException}. Not thread safe.
 */
final class SnapshotFileReader
{
    private static final ByteOrder ORDER = ByteOrder.LITTLE_ENDIAN;
    private static final int PREFIX = SnapshotFormat.PREFIX_LENGTH;

    private final MessageValidator validator;
    private final ExpandableDirectByteBuffer headerBuffer = new ExpandableDirectByteBuffer(4096);
    private final ByteBuffer byteBuffer = ByteBuffer.allocateDirect(SnapshotFormat.BUFFER_SIZE);
    private final UnsafeBuffer buffer = new UnsafeBuffer(byteBuffer);
    private final int capacity = buffer.capacity();
    private final ByteBuffer trailer = ByteBuffer.allocate(SnapshotFormat.TRAILER_LENGTH).order(ORDER);
    private final char[] chars = new char[SnapshotFormat.BUFFER_SIZE];
    private final MessageHeaderDecoder messageHeader = new MessageHeaderDecoder();
    private final SnapshotHeaderDecoder header = new SnapshotHeaderDecoder();
    private final CRC32C crc = new CRC32C();

    private Path file;
    private long utf16Decoded;
    private long highSurrogates;

    SnapshotFileReader(final MessageValidator validator)
    {
        this.validator = validator;
    }

    /**
     * Read and check the prefix and header, not the text.
     *
     * @param ref the snapshot.
     * @return its metadata.
     * @throws IOException                 if the file cannot be read (e.g. it no longer exists).
     * @throws SnapshotCorruptedException if the prefix or header is damaged or disagrees with the file name.
     */
    SnapshotMeta readMeta(final SnapshotRef ref) throws IOException
    {
        try (FileChannel channel = FileChannel.open(ref.path(), StandardOpenOption.READ))
        {
            return readHeader(ref, channel).meta;
        }
    }

    /**
     * Check the whole file against its CRC, then stream its text to the consumer.
     *
     * @param ref      the snapshot.
     * @param consumer receives the text as UTF-16 chunks of at most {@link SnapshotFormat#BUFFER_SIZE} chars.
     * @return its metadata.
     * @throws IOException                 if the file cannot be read.
     * @throws SnapshotCorruptedException if the file is damaged; thrown before the consumer sees any char unless the
     *                                     CRC matches and the text still does not decode to the header's lengths.
     */
    SnapshotMeta load(final SnapshotRef ref, final CharChunkConsumer consumer) throws IOException
    {
        try (FileChannel channel = FileChannel.open(ref.path(), StandardOpenOption.READ))
        {
            final Header h = readHeader(ref, channel);
            final long textStart = PREFIX + h.headerLength;
            final long textEnd = h.fileSize - SnapshotFormat.TRAILER_LENGTH;
            final boolean inBuffer = verifyCrc(channel, textEnd);
            utf16Decoded = 0;
            highSurrogates = 0;
            if (inBuffer)
            {
                deliver((int)textStart, (int)textEnd, true, 0, consumer);
            }
            else
            {
                streamText(channel, textStart, textEnd, consumer);
            }
            final long codePoints = utf16Decoded - highSurrogates;
            if (utf16Decoded != h.meta.utf16Length() || codePoints != h.meta.codePointLength())
            {
                throw corrupted(Reason.LENGTH_MISMATCH, -1, "text decodes to " + utf16Decoded + " UTF-16 units and " +
                    codePoints + " code points, header says " + h.meta.utf16Length() + " and " +
                    h.meta.codePointLength());
            }
            return h.meta;
        }
        finally
        {
            file = null;
        }
    }

    private Header readHeader(final SnapshotRef ref, final FileChannel channel) throws IOException
    {
        file = ref.path();
        final long size = channel.size();
        if (size < PREFIX + SnapshotFormat.TRAILER_LENGTH)
        {
            throw corrupted(Reason.TRUNCATED, size, "file of " + size + " bytes is shorter than a prefix and trailer");
        }
        ByteBuffer bb = headerBuffer.byteBuffer();
        bb.clear().limit(PREFIX);
        readFully(channel, bb, 0);
        final int magic = headerBuffer.getInt(0, ORDER);
        if (magic != SnapshotFormat.MAGIC)
        {
            throw corrupted(Reason.BAD_MAGIC, 0, String.format("magic %08x instead of %08x", magic, SnapshotFormat.MAGIC));
        }
        final short version = headerBuffer.getShort(SnapshotFormat.FORMAT_VERSION_OFFSET, ORDER);
        final short flags = headerBuffer.getShort(SnapshotFormat.FLAGS_OFFSET, ORDER);
        if (version != SnapshotFormat.FORMAT_VERSION || flags != 0)
        {
            throw corrupted(Reason.UNSUPPORTED_FORMAT, SnapshotFormat.FORMAT_VERSION_OFFSET,
                "format version " + version + " flags " + flags + ", this reader knows version " +
                SnapshotFormat.FORMAT_VERSION + " without flags");
        }
        final int headerLength = headerBuffer.getInt(SnapshotFormat.HEADER_LENGTH_OFFSET, ORDER);
        if (headerLength < MessageHeaderDecoder.ENCODED_LENGTH + SnapshotHeaderDecoder.BLOCK_LENGTH ||
            headerLength > SnapshotFormat.MAX_HEADER_LENGTH)
        {
            throw corrupted(Reason.BAD_HEADER_LENGTH, SnapshotFormat.HEADER_LENGTH_OFFSET,
                "header length " + headerLength + " out of range");
        }
        if (PREFIX + (long)headerLength + SnapshotFormat.TRAILER_LENGTH > size)
        {
            throw corrupted(Reason.TRUNCATED, size,
                "a " + headerLength + "-byte header does not fit the " + size + "-byte file");
        }
        headerBuffer.checkLimit(PREFIX + headerLength);
        bb = headerBuffer.byteBuffer();
        bb.limit(PREFIX + headerLength).position(PREFIX);
        readFully(channel, bb, PREFIX);

        crc.reset();
        bb.limit(SnapshotFormat.HEADER_CRC_OFFSET).position(0);
        crc.update(bb);
        bb.limit(PREFIX + headerLength).position(PREFIX);
        crc.update(bb);
        final int storedHeaderCrc = headerBuffer.getInt(SnapshotFormat.HEADER_CRC_OFFSET, ORDER);
        if (storedHeaderCrc != (int)crc.getValue())
        {
            throw corrupted(Reason.HEADER_CRC_MISMATCH, SnapshotFormat.HEADER_CRC_OFFSET, String.format(
                "stored header crc32c %08x, computed %08x", storedHeaderCrc, (int)crc.getValue()));
        }

        final int templateId;
        try
        {
            templateId = validator.validate(headerBuffer, PREFIX, headerLength);
        }
        catch (final MalformedMessageException ex)
        {
            throw corrupted(Reason.MALFORMED_HEADER, PREFIX + (long)ex.offset(), ex.getMessage());
        }
        if (templateId != SnapshotHeaderDecoder.TEMPLATE_ID)
        {
            throw corrupted(Reason.MALFORMED_HEADER, PREFIX, "template " + templateId + " is not a SnapshotHeader");
        }
        messageHeader.wrap(headerBuffer, PREFIX);
        header.wrap(headerBuffer, PREFIX + MessageHeaderDecoder.ENCODED_LENGTH,
            messageHeader.blockLength(), messageHeader.version());
        final SnapshotMeta meta = decodeMeta();

        final long textLength = header.textLength();
        final long expected = PREFIX + headerLength + textLength + SnapshotFormat.TRAILER_LENGTH;
        if (textLength > size || expected > size)
        {
            throw corrupted(Reason.TRUNCATED, size,
                "header announces " + textLength + " text bytes, a " + expected + "-byte file, found " + size);
        }
        if (expected < size)
        {
            throw corrupted(Reason.TRAILING_BYTES, expected, (size - expected) + " bytes after the trailer");
        }
        if (meta.docHash() != ref.docHash() || meta.version() != ref.version())
        {
            throw corrupted(Reason.NAME_MISMATCH, -1, String.format(
                "header holds document %016x version %d, the name says %016x version %d",
                meta.docHash(), meta.version(), ref.docHash(), ref.version()));
        }
        return new Header(meta, headerLength, size);
    }

    private SnapshotMeta decodeMeta()
    {
        final long docHash = header.docHash();
        final long version = header.version();
        final long epoch = header.epoch();
        final long lsn = header.lsn();
        final long checksum = header.checksum();
        final long utf16Length = header.utf16Length();
        final long codePointLength = header.codePointLength();
        final long timestampNs = header.timestampNs();
        final int shardId = header.shardId();
        final long createVersion = header.createVersion();
        final long createSeq = header.createSeq();
        final java.util.List<SnapshotMeta.AclEntry> acl = new java.util.ArrayList<>();
        final String collection;
        try
        {
            for (final SnapshotHeaderDecoder.AclDecoder entry : header.acl())
            {
                final io.quire.codec.journal.AclRole role = entry.role();
                acl.add(new SnapshotMeta.AclEntry(entry.user(), role));
            }
        }
        catch (final IllegalArgumentException ex)
        {
            throw corrupted(Reason.MALFORMED_HEADER, PREFIX, ex.getMessage());
        }
        collection = header.collection();
        final String docId = header.docId();
        final String docType = header.docType();
        final String createSource = header.createSource();
        try
        {
            return new SnapshotMeta(shardId, docHash, collection, docId, version, lsn, epoch, checksum,
                docType.isEmpty() ? null : docType, createVersion, createSource, createSeq, timestampNs,
                utf16Length, codePointLength, acl);
        }
        catch (final IllegalArgumentException ex)
        {
            throw corrupted(Reason.MALFORMED_HEADER, PREFIX, ex.getMessage());
        }
    }

    /**
     * CRC of bytes {@code [0, end)} against the trailer at {@code end}.
     *
     * @return true if those bytes are all in {@link #buffer} now, so the text need not be read again.
     */
    private boolean verifyCrc(final FileChannel channel, final long end) throws IOException
    {
        trailer.clear();
        readFully(channel, trailer, end);
        final int stored = trailer.getInt(0);
        crc.reset();
        long position = 0;
        while (position < end)
        {
            final int n = (int)Math.min(capacity, end - position);
            byteBuffer.clear().limit(n);
            readFully(channel, byteBuffer, position);
            byteBuffer.flip();
            crc.update(byteBuffer);
            position += n;
        }
        if (stored != (int)crc.getValue())
        {
            throw corrupted(Reason.CRC_MISMATCH, -1, String.format(
                "stored crc32c %08x, computed %08x over %d bytes", stored, (int)crc.getValue(), end));
        }
        return end <= capacity;
    }

    private void streamText(
        final FileChannel channel, final long textStart, final long textEnd, final CharChunkConsumer consumer)
        throws IOException
    {
        long position = textStart;
        int carry = 0;
        while (position < textEnd)
        {
            final int n = (int)Math.min(capacity - carry, textEnd - position);
            byteBuffer.clear().limit(carry + n).position(carry);
            readFully(channel, byteBuffer, position);
            final long blockStart = position - carry;
            position += n;
            final int available = carry + n;
            final boolean last = position == textEnd;
            final int cut = deliver(0, available, last, blockStart, consumer);
            carry = available - cut;
            buffer.putBytes(0, buffer, cut, carry);
        }
    }

    /**
     * Decode {@code buffer[from, to)} and hand it over, holding back a sequence cut by the end unless it is the last.
     *
     * @return where decoding stopped: {@code to}, or the start of an incomplete sequence at the end.
     */
    private int deliver(
        final int from, final int to, final boolean last, final long fileOffset, final CharChunkConsumer consumer)
    {
        final int cut = last ? to : completeUpTo(from, to);
        final int n;
        try
        {
            n = Utf8.decode(buffer, from, cut - from, chars, 0);
        }
        catch (final Utf8Exception ex)
        {
            throw corrupted(Reason.INVALID_UTF8, fileOffset + from + ex.index(),
                "text is not well-formed UTF-8 (" + ex.reason() + ") although its crc32c matches");
        }
        for (int i = 0; i < n; i++)
        {
            if (Character.isHighSurrogate(chars[i]))
            {
                highSurrogates++;
            }
        }
        utf16Decoded += n;
        if (n > 0)
        {
            consumer.accept(chars, 0, n);
        }
        return cut;
    }

    /** The end of the last complete UTF-8 sequence in {@code buffer[from, to)}. */
    private int completeUpTo(final int from, final int to)
    {
        for (int back = 1; back <= 3 && to - back >= from; back++)
        {
            final int b = buffer.getByte(to - back) & 0xFF;
            if ((b & 0xC0) != 0x80)
            {
                final int sequenceLength = b < 0xC0 ? 1 : b < 0xE0 ? 2 : b < 0xF0 ? 3 : 4;
                return sequenceLength > back ? to - back : to;
            }
        }
        return to;
    }

    private void readFully(final FileChannel channel, final ByteBuffer dst, final long position) throws IOException
    {
        long at = position;
        while (dst.hasRemaining())
        {
            final int n = channel.read(dst, at);
            if (n < 0)
            {
                throw corrupted(Reason.TRUNCATED, at, "file ended while reading it");
            }
            at += n;
        }
    }

    private SnapshotCorruptedException corrupted(final Reason reason, final long offset, final String detail)
    {
        return new SnapshotCorruptedException(file, reason, offset, detail);
    }

    private record Header(SnapshotMeta meta, int headerLength, long fileSize)
    {
    }
}
