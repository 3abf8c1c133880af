package io.quire.replay;

import io.quire.journal.JournalFormat;
import io.quire.journal.JournalReader;
import io.quire.test.ByteSearch;
import net.openhft.chronicle.bytes.Bytes;
import net.openhft.chronicle.queue.ExcerptAppender;
import net.openhft.chronicle.queue.ExcerptTailer;
import net.openhft.chronicle.queue.impl.single.SingleChronicleQueue;
import net.openhft.chronicle.queue.impl.single.SingleChronicleQueueBuilder;
import net.openhft.chronicle.wire.DocumentContext;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import java.util.zip.CRC32C;

/**
 * Damages copies of journals the way disks and operators do, with Chronicle's own API (rewriting a queue batch by
 * batch in the {@link JournalFormat}) or by flipping a byte in a queue file.
 */
final class JournalSurgery
{
    /** A batch: its first LSN and its records' bytes. */
    record Batch(long firstLsn, List<byte[]> records)
    {
    }

    private JournalSurgery()
    {
    }

    /** @return every batch of a journal, in order. */
    static List<Batch> read(final Path journal)
    {
        final List<Batch> batches = new ArrayList<>();
        try (SingleChronicleQueue queue = SingleChronicleQueueBuilder.binary(journal).readOnly(true).build();
            ExcerptTailer tailer = queue.createTailer())
        {
            while (true)
            {
                try (DocumentContext dc = tailer.readingDocument())
                {
                    if (!dc.isPresent())
                    {
                        break;
                    }
                    final Bytes<?> bytes = dc.wire().bytes();
                    final byte[] raw = new byte[(int)bytes.readRemaining()];
                    bytes.read(raw);
                    batches.add(parse(raw));
                }
            }
        }
        return batches;
    }

    private static Batch parse(final byte[] raw)
    {
        final ByteBuffer b = ByteBuffer.wrap(raw).order(ByteOrder.LITTLE_ENDIAN);
        final int count = b.getShort(JournalFormat.RECORD_COUNT_OFFSET);
        final long firstLsn = b.getLong(JournalFormat.FIRST_LSN_OFFSET);
        final List<byte[]> records = new ArrayList<>();
        int offset = JournalFormat.BATCH_HEADER_LENGTH;
        for (int i = 0; i < count; i++)
        {
            final int length = b.getInt(offset);
            final byte[] record = new byte[length];
            System.arraycopy(raw, offset + 4, record, 0, length);
            records.add(record);
            offset += 4 + length + 4;
        }
        return new Batch(firstLsn, records);
    }

    /** @return the batch's bytes, framed with fresh CRCs for the LSNs it now carries. */
    static byte[] encode(final Batch batch)
    {
        int size = JournalFormat.BATCH_HEADER_LENGTH;
        for (final byte[] r : batch.records())
        {
            size += r.length + JournalFormat.FRAME_OVERHEAD;
        }
        final ByteBuffer b = ByteBuffer.allocate(size).order(ByteOrder.LITTLE_ENDIAN);
        b.putInt(JournalFormat.MAGIC).putShort(JournalFormat.FORMAT_VERSION).putShort((short)batch.records().size())
            .putLong(batch.firstLsn());
        final CRC32C crc = new CRC32C();
        final byte[] scratch = new byte[12];
        long lsn = batch.firstLsn();
        for (final byte[] r : batch.records())
        {
            b.putInt(r.length).put(r).putInt(JournalFormat.frameCrc(crc, scratch, lsn++, r, 0, r.length));
        }
        return b.array();
    }

    /**
     * Replace a journal with these batches, written through a Chronicle appender.
     *
     * @param journal      the journal directory (of a copy).
     * @param batches      the batches.
     * @param cutLastBytes bytes cut off the end of the last excerpt (a torn write), 0 for none.
     */
    static void write(final Path journal, final List<Batch> batches, final int cutLastBytes)
    {
        SampleJournal.deleteTree(journal);
        try (SingleChronicleQueue queue = SingleChronicleQueueBuilder.binary(journal).blockSize(1 << 20).build();
            ExcerptAppender appender = queue.createAppender())
        {
            for (int i = 0; i < batches.size(); i++)
            {
                byte[] raw = encode(batches.get(i));
                if (i == batches.size() - 1 && cutLastBytes > 0)
                {
                    raw = java.util.Arrays.copyOf(raw, raw.length - cutLastBytes);
                }
                try (DocumentContext dc = appender.writingDocument())
                {
                    dc.wire().bytes().write(raw);
                }
            }
        }
    }

    /** @return the bytes of the record with this LSN. */
    static byte[] record(final Path journal, final long lsn)
    {
        final byte[][] found = new byte[1][];
        try (JournalReader reader = JournalReader.open(journal))
        {
            while (found[0] == null && reader.poll((l, buffer, offset, length, index, position) ->
            {
                if (l == lsn)
                {
                    found[0] = new byte[length];
                    buffer.getBytes(offset, found[0]);
                }
            }, 16) > 0)
            {
                // Read until found.
            }
        }
        return found[0];
    }

    /**
     * Flip one byte in the middle of a record, in the queue file itself.
     *
     * @param journal the journal directory (of a copy).
     * @param lsn     the record.
     */
    static void flipByte(final Path journal, final long lsn)
    {
        final byte[] record = record(journal, lsn);
        try (Stream<Path> files = Files.list(journal))
        {
            for (final Path file : (Iterable<Path>)files.filter(f -> f.toString().endsWith(".cq4"))::iterator)
            {
                final byte[] content = Files.readAllBytes(file);
                final int at = ByteSearch.indexOf(content, record);
                if (at >= 0)
                {
                    content[at + record.length / 2] ^= 0x5A;
                    Files.write(file, content);
                    return;
                }
            }
        }
        catch (final IOException ex)
        {
            throw new UncheckedIOException(ex);
        }
        throw new IllegalStateException("record lsn " + lsn + " not found in the queue files of " + journal);
    }
}
