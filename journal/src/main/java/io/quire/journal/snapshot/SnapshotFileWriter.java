package io.quire.journal.snapshot;

import io.quire.codec.CodecLimits;
import io.quire.codec.Utf8;
import io.quire.codec.Utf8Exception;
import io.quire.codec.journal.MessageHeaderEncoder;
import io.quire.codec.journal.SnapshotHeaderEncoder;
import org.agrona.ExpandableArrayBuffer;
import org.agrona.concurrent.UnsafeBuffer;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.util.zip.CRC32C;

/**
 * Encodes one snapshot at a time into a file channel through a fixed {@link SnapshotFormat#BUFFER_SIZE} buffer, so a
 * text of any size needs no more memory than that. Two walks of the text: {@link #prepare} measures it (the header
 * holds its UTF-8 length and is covered by both CRCs, so it must be known before the first byte is written) and
 * {@link #writeTo} encodes it. Not thread safe.
 */
final class SnapshotFileWriter
{
    private static final ByteOrder ORDER = ByteOrder.LITTLE_ENDIAN;

    private final CodecLimits limits;
    private final ByteBuffer byteBuffer = ByteBuffer.allocateDirect(SnapshotFormat.BUFFER_SIZE);
    private final UnsafeBuffer buffer = new UnsafeBuffer(byteBuffer);
    private final int capacity = buffer.capacity();
    private final ExpandableArrayBuffer headerBuffer = new ExpandableArrayBuffer(1024);
    private final MessageHeaderEncoder messageHeader = new MessageHeaderEncoder();
    private final SnapshotHeaderEncoder header = new SnapshotHeaderEncoder();
    private final CRC32C crc = new CRC32C();
    private final TextMeasure measure = new TextMeasure();
    private final char[] pair = new char[2];
    private final CharChunkConsumer encoder = this::encode;

    private int headerLength;
    private FileChannel channel;
    private int position;
    private long fileBytes;
    private long textBytes;
    private char pendingHigh;

    SnapshotFileWriter(final CodecLimits limits)
    {
        this.limits = limits;
    }

    /**
     * Measure the text, check it against the meta and encode the header.
     *
     * @param meta the snapshot's metadata.
     * @param text the text.
     * @throws IllegalArgumentException if the text holds an unpaired surrogate or has other lengths than the meta
     *                                  says, or a string of the meta is not well-formed or longer than its limit.
     */
    void prepare(final SnapshotMeta meta, final CharChunkSource text)
    {
        checkString("collection", meta.collection(), limits.maxIdBytes());
        checkString("docId", meta.docId(), limits.maxIdBytes());
        checkString("docType", meta.docType() == null ? "" : meta.docType(), limits.maxTypeBytes());
        checkString("createSource", meta.createSource(), limits.maxSourceBytes());
        if (meta.acl().size() > limits.maxAclEntries())
        {
            throw new IllegalArgumentException(
                "acl has " + meta.acl().size() + " entries, more than " + limits.maxAclEntries());
        }
        for (final SnapshotMeta.AclEntry entry : meta.acl())
        {
            checkString("acl user", entry.user(), limits.maxPrincipalBytes());
        }

        measure.reset();
        text.forEachChunk(measure);
        measure.finish();
        if (measure.units != meta.utf16Length() || measure.codePoints != meta.codePointLength())
        {
            throw new IllegalArgumentException("text of " + measure.units + " UTF-16 units and " + measure.codePoints +
                " code points, meta says " + meta.utf16Length() + " and " + meta.codePointLength());
        }

        header.wrapAndApplyHeader(headerBuffer, 0, messageHeader)
            .docHash(meta.docHash())
            .version(meta.version())
            .epoch(meta.epoch())
            .lsn(meta.lsn())
            .checksum(meta.checksum())
            .utf16Length(meta.utf16Length())
            .codePointLength(meta.codePointLength())
            .textLength(measure.bytes)
            .timestampNs(meta.timestampNs())
            .shardId(meta.shardId())
            .createVersion(meta.createVersion())
            .createSeq(meta.createSeq());
        final SnapshotHeaderEncoder.AclEncoder acl = header.aclCount(meta.acl().size());
        for (final SnapshotMeta.AclEntry entry : meta.acl())
        {
            acl.next().role(entry.role()).user(entry.user());
        }
        header.collection(meta.collection())
            .docId(meta.docId())
            .docType(meta.docType() == null ? "" : meta.docType())
            .createSource(meta.createSource());
        headerLength = MessageHeaderEncoder.ENCODED_LENGTH + header.encodedLength();
    }

    /**
     * Write the prepared snapshot: prefix, header, text and trailer.
     *
     * @param channel an empty file opened for writing.
     * @param text    the same text as given to {@link #prepare}.
     * @return the file size.
     * @throws IOException           if writing fails.
     * @throws IllegalStateException if the text differs from the one measured.
     */
    long writeTo(final FileChannel channel, final CharChunkSource text) throws IOException
    {
        this.channel = channel;
        position = 0;
        fileBytes = 0;
        textBytes = 0;
        pendingHigh = 0;
        try
        {
            buffer.putInt(0, SnapshotFormat.MAGIC, ORDER);
            buffer.putShort(SnapshotFormat.FORMAT_VERSION_OFFSET, SnapshotFormat.FORMAT_VERSION, ORDER);
            buffer.putShort(SnapshotFormat.FLAGS_OFFSET, (short)0, ORDER);
            buffer.putInt(SnapshotFormat.HEADER_LENGTH_OFFSET, headerLength, ORDER);
            crc.reset();
            byteBuffer.limit(SnapshotFormat.HEADER_CRC_OFFSET).position(0);
            crc.update(byteBuffer);
            byteBuffer.clear();
            crc.update(headerBuffer.byteArray(), 0, headerLength);
            buffer.putInt(SnapshotFormat.HEADER_CRC_OFFSET, (int)crc.getValue(), ORDER);
            position = SnapshotFormat.PREFIX_LENGTH;
            crc.reset();

            putHeader();
            text.forEachChunk(encoder);
            if (pendingHigh != 0 || textBytes != measure.bytes)
            {
                throw new IllegalStateException("the text changed between the two walks of a snapshot write: " +
                    measure.bytes + " UTF-8 bytes measured, " + textBytes + " encoded");
            }
            flush(true);
            buffer.putInt(0, (int)crc.getValue(), ORDER);
            position = SnapshotFormat.TRAILER_LENGTH;
            flush(false);
            return fileBytes;
        }
        catch (final UncheckedIOException ex)
        {
            throw ex.getCause();
        }
        finally
        {
            this.channel = null;
        }
    }

    private void putHeader()
    {
        int copied = 0;
        while (copied < headerLength)
        {
            if (position == capacity)
            {
                flush(true);
            }
            final int n = Math.min(capacity - position, headerLength - copied);
            buffer.putBytes(position, headerBuffer, copied, n);
            position += n;
            copied += n;
        }
    }

    private void encode(final char[] chars, final int offset, final int length)
    {
        int i = offset;
        final int end = offset + length;
        if (pendingHigh != 0 && i < end)
        {
            // The previous chunk ended between the halves of a surrogate pair.
            pair[0] = pendingHigh;
            pair[1] = chars[i++];
            pendingHigh = 0;
            if (capacity - position < 4)
            {
                flush(true);
            }
            put(pair, 0, 2);
        }
        while (i < end)
        {
            if (capacity - position < 6)
            {
                flush(true);
            }
            // At most 3 bytes per char, and at least 2 chars per step since 6 bytes are free.
            int n = Math.min(end - i, (capacity - position) / 3);
            int consumed = n;
            final char last = chars[i + n - 1];
            if (Character.isHighSurrogate(last))
            {
                n--;
                if (i + consumed == end)
                {
                    pendingHigh = last;
                }
                else
                {
                    consumed = n;
                }
            }
            put(chars, i, n);
            i += consumed;
        }
    }

    private void put(final char[] chars, final int offset, final int length)
    {
        try
        {
            final int written = Utf8.encode(chars, offset, length, buffer, position);
            position += written;
            textBytes += written;
        }
        catch (final Utf8Exception ex)
        {
            throw new IllegalStateException(
                "the text changed between the two walks of a snapshot write: " + ex.getMessage(), ex);
        }
    }

    private void flush(final boolean checksummed)
    {
        byteBuffer.limit(position).position(0);
        if (checksummed)
        {
            crc.update(byteBuffer);
            byteBuffer.position(0);
        }
        try
        {
            while (byteBuffer.hasRemaining())
            {
                channel.write(byteBuffer);
            }
        }
        catch (final IOException ex)
        {
            throw new UncheckedIOException(ex);
        }
        byteBuffer.clear();
        fileBytes += position;
        position = 0;
    }

    private static void checkString(final String name, final String value, final int maxBytes)
    {
        final int bytes;
        try
        {
            bytes = Utf8.encodedLength(value);
        }
        catch (final Utf8Exception ex)
        {
            throw new IllegalArgumentException(name + " is not well-formed UTF-16: " + ex.getMessage(), ex);
        }
        if (bytes > maxBytes)
        {
            throw new IllegalArgumentException(name + " of " + bytes + " UTF-8 bytes exceeds its limit of " + maxBytes);
        }
    }

    /** First walk: UTF-8 length, UTF-16 length and code points, rejecting unpaired surrogates. */
    private static final class TextMeasure implements CharChunkConsumer
    {
        long bytes;
        long units;
        long codePoints;
        boolean pendingHigh;

        void reset()
        {
            bytes = 0;
            units = 0;
            codePoints = 0;
            pendingHigh = false;
        }

        void finish()
        {
            if (pendingHigh)
            {
                throw unpaired(units);
            }
        }

        @Override
        public void accept(final char[] chars, final int offset, final int length)
        {
            final int end = offset + length;
            for (int i = offset; i < end; i++)
            {
                if (!pendingHigh)
                {
                    // Documents are mostly ASCII: count a run of it four chars at a time.
                    final int ascii = Utf8.asciiRun(chars, i, end - i);
                    bytes += ascii;
                    units += ascii;
                    codePoints += ascii;
                    i += ascii;
                    if (i == end)
                    {
                        break;
                    }
                }
                final char c = chars[i];
                if (pendingHigh)
                {
                    if (!Character.isLowSurrogate(c))
                    {
                        throw unpaired(units);
                    }
                    pendingHigh = false;
                    bytes += 4;
                    units += 2;
                    codePoints++;
                    continue;
                }
                if (c < 0x80)
                {
                    bytes++;
                }
                else if (c < 0x800)
                {
                    bytes += 2;
                }
                else if (!Character.isSurrogate(c))
                {
                    bytes += 3;
                }
                else if (Character.isHighSurrogate(c))
                {
                    pendingHigh = true;
                    continue;
                }
                else
                {
                    throw unpaired(units);
                }
                units++;
                codePoints++;
            }
        }

        private static IllegalArgumentException unpaired(final long index)
        {
            return new IllegalArgumentException("text holds an unpaired surrogate at UTF-16 index " + index);
        }
    }
}
