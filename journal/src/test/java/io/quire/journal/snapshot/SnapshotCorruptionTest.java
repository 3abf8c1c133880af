package io.quire.journal.snapshot;

import io.quire.codec.ShardRouter;
import io.quire.codec.journal.MessageHeaderEncoder;
import io.quire.codec.journal.SnapshotHeaderEncoder;
import io.quire.journal.snapshot.SnapshotCorruptedException.Reason;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Optional;
import java.util.zip.CRC32C;

import static io.quire.journal.snapshot.Snapshots.chunks;
import static io.quire.journal.snapshot.Snapshots.load;
import static io.quire.journal.snapshot.Snapshots.meta;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

class SnapshotCorruptionTest
{
    private static final long HASH = ShardRouter.docHash("docs", "a");

    @TempDir
    Path dir;

    @Test
    void aFlippedBitAnywhereIsDetectedBeforeTheTextIsDelivered() throws IOException
    {
        final String text = "h\u00E9llo \uD83D\uDE42 w\u00F6rld \u4E2D\u6587 \uD83E\uDDD1\uD83C\uDFFD!";
        try (SnapshotStore store = Snapshots.open(dir))
        {
            final SnapshotMeta meta = meta("docs", "a", 4, text);
            final SnapshotRef ref = store.write(meta, chunks(text, 5));
            final byte[] original = Files.readAllBytes(ref.path());
            final int headerEnd = SnapshotFormat.PREFIX_LENGTH + headerLength(original);
            for (int i = 0; i < original.length; i++)
            {
                for (final int bit : new int[] {0, 3, 7})
                {
                    final byte[] damaged = original.clone();
                    damaged[i] ^= (byte)(1 << bit);
                    Files.write(ref.path(), damaged);
                    final Snapshots.Collector collector = new Snapshots.Collector();
                    final SnapshotCorruptedException ex = catchThrowableOfType(
                        SnapshotCorruptedException.class, () -> store.load(ref, collector));
                    assertThat(ex).as("flip of bit %d at byte %d", bit, i).isNotNull();
                    assertThat(ex.file()).isEqualTo(ref.path());
                    assertThat(ex.getMessage()).contains(ref.path().toString());
                    assertThat(collector.chunks).isZero();
                    if (i < headerEnd)
                    {
                        assertThatThrownBy(() -> store.readMeta(ref)).isInstanceOf(SnapshotCorruptedException.class);
                    }
                    else
                    {
                        assertThat(ex.reason()).isEqualTo(Reason.CRC_MISMATCH);
                        assertThat(store.readMeta(ref)).isEqualTo(meta);
                    }
                }
            }
            Files.write(ref.path(), original);
            assertThat(load(store, ref)).isEqualTo(text);
        }
    }

    @Test
    void damageInALargeFileIsDetectedBeforeTheFirstChunk() throws IOException
    {
        final String text = "0123456789\u00E9\uD83D\uDE00".repeat(20_000);
        try (SnapshotStore store = Snapshots.open(dir))
        {
            final SnapshotRef ref = store.write(meta("docs", "a", 1, text), chunks(text, 1000));
            final byte[] original = Files.readAllBytes(ref.path());
            final int textStart = SnapshotFormat.PREFIX_LENGTH + headerLength(original);
            for (final int at : new int[] {textStart, textStart + 70_000, original.length / 2, original.length - 5,
                original.length - 1})
            {
                final byte[] damaged = original.clone();
                damaged[at] ^= 0x40;
                Files.write(ref.path(), damaged);
                final Snapshots.Collector collector = new Snapshots.Collector();
                assertThatThrownBy(() -> store.load(ref, collector))
                    .isInstanceOfSatisfying(SnapshotCorruptedException.class,
                        ex -> assertThat(ex.reason()).isEqualTo(Reason.CRC_MISMATCH));
                assertThat(collector.chunks).isZero();
            }
        }
    }

    @Test
    void aTruncatedOrExtendedFileIsRejected() throws IOException
    {
        try (SnapshotStore store = Snapshots.open(dir))
        {
            final String text = "some text \uD83D\uDE00 to cut";
            final SnapshotRef ref = store.write(meta("docs", "a", 2, text), chunks(text, 4));
            final byte[] original = Files.readAllBytes(ref.path());
            final int headerEnd = SnapshotFormat.PREFIX_LENGTH + headerLength(original);
            for (final int length : new int[] {0, 1, 15, 16, 19, 20, 30, headerEnd - 1, headerEnd, headerEnd + 3,
                original.length - 5, original.length - 1})
            {
                Files.write(ref.path(), Arrays.copyOf(original, length));
                final Snapshots.Collector collector = new Snapshots.Collector();
                assertThatThrownBy(() -> store.load(ref, collector)).as("length %d", length)
                    .isInstanceOfSatisfying(SnapshotCorruptedException.class,
                        ex -> assertThat(ex.reason()).isEqualTo(Reason.TRUNCATED));
                assertThat(collector.chunks).isZero();
            }
            Files.write(ref.path(), Arrays.copyOf(original, original.length + 1));
            assertThatThrownBy(() -> store.load(ref, new Snapshots.Collector()))
                .isInstanceOfSatisfying(SnapshotCorruptedException.class,
                    ex -> assertThat(ex.reason()).isEqualTo(Reason.TRAILING_BYTES));
        }
    }

    @Test
    void lookupsCanSkipDamagedSnapshotsAndFallBackToOlderOnes() throws IOException
    {
        final SnapshotRef v3;
        try (SnapshotStore store = Snapshots.open(dir))
        {
            store.write(meta("docs", "a", 1, "v1"), chunks("v1", 1));
            final SnapshotRef v2 = store.write(meta("docs", "a", 2, "v2"), chunks("v2", 1));
            v3 = store.write(meta("docs", "a", 3, "v3"), chunks("v3", 1));
            flip(v3.path(), (int)v3.size() - 6);

            assertThat(store.latest(HASH, "docs", "a")).contains(v3);
            assertThatThrownBy(() -> load(store, v3)).isInstanceOf(SnapshotCorruptedException.class);
            assertThatThrownBy(() -> store.latest(HASH, "docs", "a"))
                .isInstanceOfSatisfying(SnapshotCorruptedException.class,
                    ex -> assertThat(ex.reason()).isEqualTo(Reason.CRC_MISMATCH));
            assertThat(store.latest(HASH, "docs", "a", CorruptSnapshotPolicy.SKIP)).contains(v2);
            flip(v2.path(), SnapshotFormat.PREFIX_LENGTH + 10);
        }
        try (SnapshotStore store = Snapshots.open(dir))
        {
            assertThatThrownBy(() -> store.latestAtOrBefore(HASH, "docs", "a", 2))
                .isInstanceOfSatisfying(SnapshotCorruptedException.class,
                    ex -> assertThat(ex.reason()).isEqualTo(Reason.HEADER_CRC_MISMATCH));
            assertThat(store.latestAtOrBefore(HASH, "docs", "a", 2, CorruptSnapshotPolicy.SKIP).orElseThrow().version())
                .isEqualTo(1);
            assertThat(store.earliestAtOrAfter(HASH, "docs", "a", 2, CorruptSnapshotPolicy.SKIP)).contains(v3);

            // What recovery does: take the latest snapshot that loads, falling back on damage.
            Optional<SnapshotRef> ref = store.latest(HASH, "docs", "a", CorruptSnapshotPolicy.SKIP);
            String loaded = null;
            while (ref.isPresent() && loaded == null)
            {
                try
                {
                    loaded = load(store, ref.get());
                }
                catch (final SnapshotCorruptedException ex)
                {
                    ref = store.latest(HASH, "docs", "a", CorruptSnapshotPolicy.SKIP);
                }
            }
            assertThat(loaded).isEqualTo("v1");
        }
    }

    @Test
    void aFileUnderAnotherNameOrNotASnapshotIsRejected() throws IOException
    {
        try (SnapshotStore store = Snapshots.open(dir))
        {
            final SnapshotRef v1 = store.write(meta("docs", "a", 1, "v1"), chunks("v1", 1));
            Files.copy(v1.path(), v1.path().resolveSibling(SnapshotFormat.fileName(HASH, 7, 0)));
            Files.write(v1.path().resolveSibling(SnapshotFormat.fileName(HASH, 8, 0)), new byte[64]);
        }
        try (SnapshotStore store = Snapshots.open(dir))
        {
            assertThat(store.list(HASH)).hasSize(3);
            assertThatThrownBy(() -> store.latest(HASH, "docs", "a"))
                .isInstanceOfSatisfying(SnapshotCorruptedException.class,
                    ex -> assertThat(ex.reason()).isEqualTo(Reason.BAD_MAGIC));
            assertThatThrownBy(() -> store.latestAtOrBefore(HASH, "docs", "a", 7))
                .isInstanceOfSatisfying(SnapshotCorruptedException.class,
                    ex -> assertThat(ex.reason()).isEqualTo(Reason.NAME_MISMATCH));
            assertThat(store.latest(HASH, "docs", "a", CorruptSnapshotPolicy.SKIP).orElseThrow().version())
                .isEqualTo(1);
        }
    }

    @Test
    void aTextThatMatchesItsCrcButNotItsHeaderIsRejected() throws IOException
    {
        try (SnapshotStore store = Snapshots.open(dir))
        {
            final SnapshotRef ref = store.write(meta("docs", "a", 1, "abc"), chunks("abc", 1));
            final byte[] original = Files.readAllBytes(ref.path());
            final int textStart = SnapshotFormat.PREFIX_LENGTH + headerLength(original);

            final byte[] badUtf8 = original.clone();
            badUtf8[textStart + 1] = (byte)0xC0;
            Files.write(ref.path(), reseal(badUtf8));
            assertThatThrownBy(() -> load(store, ref))
                .isInstanceOfSatisfying(SnapshotCorruptedException.class, ex ->
                {
                    assertThat(ex.reason()).isEqualTo(Reason.INVALID_UTF8);
                    assertThat(ex.offset()).isEqualTo(textStart + 1);
                });

            final byte[] badLengths = original.clone();
            final ByteBuffer block = ByteBuffer.wrap(badLengths).order(ByteOrder.LITTLE_ENDIAN);
            final int blockStart = SnapshotFormat.PREFIX_LENGTH + MessageHeaderEncoder.ENCODED_LENGTH;
            block.putLong(blockStart + SnapshotHeaderEncoder.utf16LengthEncodingOffset(), 4);
            block.putLong(blockStart + SnapshotHeaderEncoder.codePointLengthEncodingOffset(), 4);
            Files.write(ref.path(), reseal(badLengths));
            assertThatThrownBy(() -> load(store, ref))
                .isInstanceOfSatisfying(SnapshotCorruptedException.class,
                    ex -> assertThat(ex.reason()).isEqualTo(Reason.LENGTH_MISMATCH));
        }
    }

    private static int headerLength(final byte[] file)
    {
        return ByteBuffer.wrap(file).order(ByteOrder.LITTLE_ENDIAN).getInt(SnapshotFormat.HEADER_LENGTH_OFFSET);
    }

    /** Recompute both CRCs, as a faulty writer would have. */
    private static byte[] reseal(final byte[] file)
    {
        final ByteBuffer bytes = ByteBuffer.wrap(file).order(ByteOrder.LITTLE_ENDIAN);
        final CRC32C crc = new CRC32C();
        crc.update(file, 0, SnapshotFormat.HEADER_CRC_OFFSET);
        crc.update(file, SnapshotFormat.PREFIX_LENGTH, headerLength(file));
        bytes.putInt(SnapshotFormat.HEADER_CRC_OFFSET, (int)crc.getValue());
        crc.reset();
        crc.update(file, 0, file.length - SnapshotFormat.TRAILER_LENGTH);
        bytes.putInt(file.length - SnapshotFormat.TRAILER_LENGTH, (int)crc.getValue());
        return file;
    }

    private static void flip(final Path file, final int at) throws IOException
    {
        final byte[] bytes = Files.readAllBytes(file);
        bytes[at] ^= 0x01;
        Files.write(file, bytes);
    }
}
