package io.quire.journal.snapshot;

import io.quire.codec.CodecConstants;
import io.quire.codec.ShardRouter;

import java.nio.file.Path;
import java.util.Random;

/** Metas, texts and chunkings for snapshot tests. */
final class Snapshots
{
    /** Code points of every UTF-8 length, non-BMP ones included, and combining marks. */
    private static final int[] ALPHABET = {
        'a', 'b', 'z', ' ', '\n', '~', 0x7F,
        0xE9, 0x3B1, 0x416, 0x7FF,
        0x800, 0x20AC, 0x4E2D, 0x0301, 0xFEFF, 0xFFFD, 0xFFFF,
        0x10000, 0x1F600, 0x1F9D1, 0x1F3FD, 0x10FFFF};

    private Snapshots()
    {
    }

    static SnapshotStore open(final Path dir)
    {
        return SnapshotStore.open(new SnapshotContext().dir(dir));
    }

    /** A store whose documents may share hashes: the write check of docHash is off. */
    static SnapshotStore openAllowingCollisions(final Path dir, final int retain)
    {
        return SnapshotStore.open(new SnapshotContext().dir(dir).retain(retain).checkDocHash(false));
    }

    static SnapshotMeta meta(final String collection, final String docId, final long version, final String text)
    {
        return meta(ShardRouter.docHash(collection, docId), collection, docId, version, text);
    }

    static SnapshotMeta meta(
        final long docHash, final String collection, final String docId, final long version, final String text)
    {
        return new SnapshotMeta(
            3,
            docHash,
            collection,
            docId,
            version,
            version == 0 ? -1 : 1000 + version,
            7,
            text.hashCode() * 31L + version,
            CodecConstants.TEXT_UNICODE_URI,
            0,
            "client-" + docId,
            42,
            1_700_000_000_000_000_000L + version,
            text.length(),
            text.codePointCount(0, text.length()));
    }

    /** The text in chunks of a fixed size (which may cut a surrogate pair), from a fresh array each walk. */
    static CharChunkSource chunks(final String text, final int chunkSize)
    {
        return consumer ->
        {
            final char[] chars = text.toCharArray();
            for (int offset = 0; offset < chars.length; offset += chunkSize)
            {
                consumer.accept(chars, offset, Math.min(chunkSize, chars.length - offset));
            }
        };
    }

    /** The text in chunks of random sizes, some empty, the same on every walk. */
    static CharChunkSource randomChunks(final String text, final long seed)
    {
        return consumer ->
        {
            final Random random = new Random(seed);
            final char[] chars = text.toCharArray();
            int offset = 0;
            while (offset < chars.length)
            {
                final int n = Math.min(random.nextInt(40), chars.length - offset);
                consumer.accept(chars, offset, n);
                offset += n;
            }
        };
    }

    static String randomText(final Random random, final int maxCodePoints)
    {
        final int n = random.nextInt(maxCodePoints + 1);
        final StringBuilder text = new StringBuilder(n * 2);
        for (int i = 0; i < n; i++)
        {
            text.appendCodePoint(random.nextInt(3) == 0 ? ALPHABET[random.nextInt(ALPHABET.length)] : 'a' + i % 26);
        }
        return text.toString();
    }

    /** Collects loaded text and the largest chunk it came in. */
    static final class Collector implements CharChunkConsumer
    {
        final StringBuilder text = new StringBuilder();
        int chunks;
        int largestChunk;

        @Override
        public void accept(final char[] chars, final int offset, final int length)
        {
            text.append(chars, offset, length);
            chunks++;
            largestChunk = Math.max(largestChunk, length);
        }
    }

    static String load(final SnapshotStore store, final SnapshotRef ref)
    {
        final Collector collector = new Collector();
        store.load(ref, collector);
        return collector.text.toString();
    }
}
