package io.quire.journal.snapshot;

import io.quire.codec.ShardRouter;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Random;

import static org.assertj.core.api.Assertions.assertThat;

/** A 100 MB document goes through a store in bounded chunks: the test heap (-Xmx1g) could not hold it as chars twice. */
class SnapshotLargeTextTest
{
    private static final long TARGET_BYTES = 100L << 20;
    private static final int PIECES = 16;
    private static final int PIECE_CHARS = 48 << 10;

    @TempDir
    Path dir;

    @Test
    void aHundredMegabyteDocumentIsWrittenAndLoadedInChunks()
    {
        final char[][] pieces = pieces();
        final long[] lengths = lengths(pieces);
        final SnapshotMeta meta = new SnapshotMeta(1, ShardRouter.docHash("docs", "huge"), "docs", "huge", 1_000_000,
            123_456, 2, 99, "http://sharejs.org/types/text-unicode", 0, "src", 1, 0, lengths[0], lengths[1]);
        try (SnapshotStore store = Snapshots.open(dir))
        {
            final SnapshotRef ref = store.write(meta, consumer ->
            {
                for (int i = 0; i < lengths[2]; i++)
                {
                    consumer.accept(pieces[i % PIECES], 0, PIECE_CHARS);
                }
            });
            assertThat(ref.size()).isGreaterThanOrEqualTo(TARGET_BYTES);

            final Verifier verifier = new Verifier(pieces);
            assertThat(store.load(ref, verifier)).isEqualTo(meta);
            assertThat(verifier.chars).isEqualTo(lengths[0]);
            assertThat(verifier.largestChunk).isLessThanOrEqualTo(SnapshotFormat.BUFFER_SIZE);
        }
    }

    /** Pieces of mixed text, each whole code points, mostly ASCII like real documents. */
    private static char[][] pieces()
    {
        final Random random = new Random(100);
        final char[][] pieces = new char[PIECES][PIECE_CHARS];
        for (final char[] piece : pieces)
        {
            int i = 0;
            while (i < PIECE_CHARS)
            {
                final int kind = random.nextInt(40);
                if (kind == 0 && i + 2 <= PIECE_CHARS)
                {
                    i += Character.toChars(0x1F600 + random.nextInt(64), piece, i);
                }
                else if (kind == 1)
                {
                    piece[i++] = (char)(0x4E00 + random.nextInt(2000));
                }
                else if (kind == 2)
                {
                    piece[i++] = (char)(0xC0 + random.nextInt(64));
                }
                else
                {
                    piece[i++] = (char)(' ' + random.nextInt(95));
                }
            }
        }
        return pieces;
    }

    /** @return UTF-16 length, code points and number of pieces of a text of at least TARGET_BYTES of UTF-8. */
    private static long[] lengths(final char[][] pieces)
    {
        final long[] pieceBytes = new long[PIECES];
        final long[] pieceCodePoints = new long[PIECES];
        for (int p = 0; p < PIECES; p++)
        {
            final String piece = new String(pieces[p]);
            pieceBytes[p] = piece.getBytes(StandardCharsets.UTF_8).length;
            pieceCodePoints[p] = piece.codePointCount(0, piece.length());
        }
        long bytes = 0;
        long codePoints = 0;
        long count = 0;
        while (bytes < TARGET_BYTES)
        {
            bytes += pieceBytes[(int)(count % PIECES)];
            codePoints += pieceCodePoints[(int)(count % PIECES)];
            count++;
        }
        return new long[] {count * PIECE_CHARS, codePoints, count};
    }

    /** Compares the loaded chunks with the pieces, wherever the chunks start and end. */
    private static final class Verifier implements CharChunkConsumer
    {
        private final char[][] pieces;
        long chars;
        int largestChunk;

        Verifier(final char[][] pieces)
        {
            this.pieces = pieces;
        }

        @Override
        public void accept(final char[] chunk, final int offset, final int length)
        {
            largestChunk = Math.max(largestChunk, length);
            for (int i = 0; i < length; i++)
            {
                final long at = chars + i;
                final char expected = pieces[(int)((at / PIECE_CHARS) % PIECES)][(int)(at % PIECE_CHARS)];
                if (chunk[offset + i] != expected)
                {
                    throw new AssertionError("char " + at + " is " + (int)chunk[offset + i] + ", expected " +
                        (int)expected);
                }
            }
            chars += length;
        }
    }
}
