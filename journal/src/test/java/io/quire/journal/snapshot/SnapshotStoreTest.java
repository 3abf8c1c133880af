package io.quire.journal.snapshot;

import io.quire.codec.CodecConstants;
import io.quire.codec.ShardRouter;
import io.quire.common.ConfigException;
import io.quire.common.Settings;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import java.util.stream.Collectors;
import java.util.stream.Stream;

import static io.quire.journal.snapshot.Snapshots.chunks;
import static io.quire.journal.snapshot.Snapshots.load;
import static io.quire.journal.snapshot.Snapshots.meta;
import static io.quire.journal.snapshot.Snapshots.randomChunks;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class SnapshotStoreTest
{
    @TempDir
    Path dir;

    @Test
    void randomTextsRoundTripWithTheirMeta() throws IOException
    {
        final Random random = new Random(11);
        try (SnapshotStore store = Snapshots.open(dir))
        {
            for (int i = 0; i < 300; i++)
            {
                final String text = Snapshots.randomText(random, i < 250 ? 200 : 40_000);
                final SnapshotMeta meta = meta("docs", "doc-" + i, i, text);
                final SnapshotRef ref = store.write(meta, randomChunks(text, i));
                assertThat(ref.size()).isEqualTo(Files.size(ref.path()));

                final Snapshots.Collector collector = new Snapshots.Collector();
                assertThat(store.load(ref, collector)).isEqualTo(meta);
                assertThat(collector.text.toString()).isEqualTo(text);
                assertThat(collector.largestChunk).isLessThanOrEqualTo(SnapshotFormat.BUFFER_SIZE);
                assertThat(store.readMeta(ref)).isEqualTo(meta);
            }
        }
    }

    @Test
    void textsOfManyBuffersRoundTripWhereverChunksAndBuffersCutSequences()
    {
        final StringBuilder builder = new StringBuilder();
        final Random random = new Random(3);
        while (builder.length() < 400_000)
        {
            switch (random.nextInt(4))
            {
                case 0 -> builder.append("\uD83D\uDE00");
                case 1 -> builder.append('\u4E2D');
                case 2 -> builder.append('\u00E9');
                default -> builder.append('q');
            }
        }
        final String text = builder.toString();
        try (SnapshotStore store = Snapshots.open(dir))
        {
            for (final int chunkSize : new int[] {1, 3, 4095, 65_536, 400_001})
            {
                final SnapshotRef ref = store.write(meta("docs", "big", chunkSize, text), chunks(text, chunkSize));
                final Snapshots.Collector collector = new Snapshots.Collector();
                store.load(ref, collector);
                assertThat(collector.text.toString()).isEqualTo(text);
                assertThat(collector.largestChunk).isLessThanOrEqualTo(SnapshotFormat.BUFFER_SIZE);
                assertThat(collector.chunks).isGreaterThan(1);
            }
        }
    }

    @Test
    void emptyTextAndTypeNullRoundTrip()
    {
        final SnapshotMeta deleted = new SnapshotMeta(0, ShardRouter.docHash("c", "gone"), "c", "gone", 9, 77, 1, 0,
            null, -1, "", 0, 0, 0, 0);
        try (SnapshotStore store = Snapshots.open(dir))
        {
            final SnapshotRef ref = store.write(deleted, consumer -> { });
            final Snapshots.Collector collector = new Snapshots.Collector();
            assertThat(store.load(ref, collector)).isEqualTo(deleted);
            assertThat(collector.chunks).isZero();
            assertThat(store.readMeta(ref).docType()).isNull();
        }
    }

    @Test
    void theAclRoundTripsInOrder()
    {
        final SnapshotMeta plain = meta("docs", "shared", 4, "text");
        final java.util.List<SnapshotMeta.AclEntry> acl = java.util.List.of(
            new SnapshotMeta.AclEntry("alice", io.quire.codec.journal.AclRole.OWNER),
            new SnapshotMeta.AclEntry("b\u00F6b \uD83D\uDE00", io.quire.codec.journal.AclRole.VIEWER),
            new SnapshotMeta.AclEntry("carol", io.quire.codec.journal.AclRole.EDITOR));
        final SnapshotMeta withAcl = new SnapshotMeta(plain.shardId(), plain.docHash(), plain.collection(),
            plain.docId(), plain.version(), plain.lsn(), plain.epoch(), plain.checksum(), plain.docType(),
            plain.createVersion(), plain.createSource(), plain.createSeq(), plain.timestampNs(), plain.utf16Length(),
            plain.codePointLength(), acl);
        try (SnapshotStore store = Snapshots.open(dir))
        {
            final SnapshotRef ref = store.write(withAcl, chunks("text", 2));
            assertThat(store.readMeta(ref).acl()).containsExactlyElementsOf(acl);
            assertThat(store.load(ref, new Snapshots.Collector())).isEqualTo(withAcl);
        }
        assertThat(plain.acl()).isEmpty();
    }

    @Test
    void lookupsFindTheNearestVersionOfTheDocumentOnly()
    {
        try (SnapshotStore store = Snapshots.open(dir))
        {
            for (long v = 0; v <= 100; v += 5)
            {
                store.write(meta("docs", "a", v, "a@" + v), chunks("a@" + v, 2));
            }
            store.write(meta("docs", "b", 57, "b"), chunks("b", 1));
            final long hash = ShardRouter.docHash("docs", "a");

            assertThat(version(store.latest(hash, "docs", "a"))).isEqualTo(100);
            assertThat(version(store.latestAtOrBefore(hash, "docs", "a", 57))).isEqualTo(55);
            assertThat(version(store.latestAtOrBefore(hash, "docs", "a", 55))).isEqualTo(55);
            assertThat(version(store.latestAtOrBefore(hash, "docs", "a", 0))).isEqualTo(0);
            assertThat(store.latestAtOrBefore(hash, "docs", "a", -1)).isEmpty();
            assertThat(version(store.earliestAtOrAfter(hash, "docs", "a", 57))).isEqualTo(60);
            assertThat(version(store.earliestAtOrAfter(hash, "docs", "a", 100))).isEqualTo(100);
            assertThat(store.earliestAtOrAfter(hash, "docs", "a", 101)).isEmpty();
            assertThat(store.latest(hash, "docs", "other")).isEmpty();
            assertThat(store.latest(ShardRouter.docHash("docs", "c"), "docs", "c")).isEmpty();
            assertThat(load(store, store.latestAtOrBefore(hash, "docs", "a", 99).orElseThrow())).isEqualTo("a@95");

            assertThat(store.list(hash)).extracting(SnapshotRef::version)
                .containsExactly(0L, 5L, 10L, 15L, 20L, 25L, 30L, 35L, 40L, 45L, 50L, 55L, 60L, 65L, 70L, 75L, 80L, 85L,
                    90L, 95L, 100L);
            assertThat(store.size()).isEqualTo(22);
        }
    }

    @Test
    void writingTheSameVersionAgainReplacesIt() throws IOException
    {
        try (SnapshotStore store = Snapshots.open(dir))
        {
            store.write(meta("docs", "a", 5, "first"), chunks("first", 3));
            final SnapshotRef ref = store.write(meta("docs", "a", 5, "second!"), chunks("second!", 3));
            assertThat(load(store, ref)).isEqualTo("second!");
            assertThat(store.all()).containsExactly(ref);
            assertThat(snapFiles()).containsExactly(ref.path());
        }
    }

    @Test
    void documentsSharingAHashKeepTheirOwnSnapshots()
    {
        final long hash = 0x0123_4567_89ab_cdefL;
        final SnapshotMeta a3 = meta(hash, "docs", "a", 3, "A3");
        final SnapshotMeta b3 = meta(hash, "docs", "b", 3, "B3");
        final SnapshotMeta a5 = meta(hash, "docs", "a", 5, "A5");
        final SnapshotMeta b4 = meta(hash, "docs", "b", 4, "B4");
        try (SnapshotStore store = Snapshots.openAllowingCollisions(dir, 0))
        {
            final SnapshotRef refA3 = store.write(a3, chunks("A3", 1));
            final SnapshotRef refB3 = store.write(b3, chunks("B3", 1));
            store.write(a5, chunks("A5", 1));
            store.write(b4, chunks("B4", 1));
            assertThat(refA3.path().getFileName().toString()).isEqualTo("0123456789abcdef-00000000000000000003.snap");
            assertThat(refB3.path().getFileName().toString()).isEqualTo("0123456789abcdef-00000000000000000003-1.snap");
            assertThat(refA3.path().getParent().getFileName().toString()).isEqualTo("01");

            final SnapshotRef b3Again = store.write(meta(hash, "docs", "b", 3, "B3'"), chunks("B3'", 1));
            assertThat(b3Again.path()).isEqualTo(refB3.path());
            assertCollisionLookups(store, hash, "B3'");
        }
        try (SnapshotStore reopened = Snapshots.openAllowingCollisions(dir, 0))
        {
            assertCollisionLookups(reopened, hash, "B3'");
        }
    }

    private static void assertCollisionLookups(final SnapshotStore store, final long hash, final String b3Text)
    {
        assertThat(store.list(hash)).hasSize(4);
        assertThat(load(store, store.latest(hash, "docs", "a").orElseThrow())).isEqualTo("A5");
        assertThat(load(store, store.latest(hash, "docs", "b").orElseThrow())).isEqualTo("B4");
        assertThat(load(store, store.latestAtOrBefore(hash, "docs", "a", 4).orElseThrow())).isEqualTo("A3");
        assertThat(load(store, store.latestAtOrBefore(hash, "docs", "b", 3).orElseThrow())).isEqualTo(b3Text);
        assertThat(load(store, store.earliestAtOrAfter(hash, "docs", "b", 0).orElseThrow())).isEqualTo(b3Text);
        assertThat(load(store, store.earliestAtOrAfter(hash, "docs", "a", 4).orElseThrow())).isEqualTo("A5");
        assertThat(store.earliestAtOrAfter(hash, "docs", "b", 5)).isEmpty();
        assertThat(store.latest(hash, "docs", "c")).isEmpty();
    }

    @Test
    void retentionKeepsTheHighestVersionsOfEachDocument() throws IOException
    {
        final long hash = ShardRouter.docHash("docs", "a");
        try (SnapshotStore store = Snapshots.openAllowingCollisions(dir, 3))
        {
            store.write(meta(hash, "docs", "twin", 1, "t"), chunks("t", 1));
            for (long v = 1; v <= 10; v++)
            {
                store.write(meta("docs", "a", v, "a" + v), chunks("a" + v, 1));
            }
            assertThat(store.list(hash)).extracting(SnapshotRef::version).containsExactly(1L, 8L, 9L, 10L);
            assertThat(store.latest(hash, "docs", "twin")).isPresent();
            assertThat(store.latestAtOrBefore(hash, "docs", "a", 7)).isEmpty();
            assertThat(snapFiles()).hasSize(4);

            store.write(meta("docs", "a", 2, "late"), chunks("late", 1));
            assertThat(store.list(hash)).extracting(SnapshotRef::version).containsExactly(1L, 8L, 9L, 10L);
        }
        try (SnapshotStore keepAll = Snapshots.open(dir))
        {
            for (long v = 11; v <= 20; v++)
            {
                keepAll.write(meta("docs", "a", v, "a" + v), chunks("a" + v, 1));
            }
            assertThat(keepAll.list(hash)).hasSize(14);
        }
    }

    @Test
    void temporaryFilesOfInterruptedWritesAreDeletedAtOpen() throws IOException
    {
        final String name = SnapshotFormat.fileName(0xab00L << 48, 7, 0);
        final Path subdir = Files.createDirectories(dir.resolve("ab"));
        final Path temp = Files.writeString(subdir.resolve(SnapshotFormat.tempName(name, 0x1234)), "half a snapshot");
        final Path foreignTemp = Files.writeString(subdir.resolve("notes.tmp"), "not ours");
        final Path foreign = Files.writeString(dir.resolve("README"), "not ours");

        try (SnapshotStore readOnly = SnapshotStore.open(new SnapshotContext().dir(dir).readOnly(true)))
        {
            assertThat(readOnly.all()).isEmpty();
            assertThat(temp).exists();
        }
        try (SnapshotStore store = Snapshots.open(dir))
        {
            assertThat(store.all()).isEmpty();
        }
        assertThat(temp).doesNotExist();
        assertThat(foreignTemp).exists();
        assertThat(foreign).exists();
    }

    @Test
    void theCatalogReopenedFromDiskEqualsTheWrittenOne()
    {
        final Random random = new Random(5);
        final List<SnapshotRef> written;
        try (SnapshotStore store = Snapshots.openAllowingCollisions(dir, 0))
        {
            for (int i = 0; i < 200; i++)
            {
                final String docId = "d" + random.nextInt(20);
                final String text = Snapshots.randomText(random, 30);
                final long hash = docId.equals("d19") ? ShardRouter.docHash("c", "d0") : ShardRouter.docHash("c", docId);
                store.write(meta(hash, "c", docId, random.nextInt(15), text), chunks(text, 7));
            }
            written = store.all();
            assertThat(written).hasSize(store.size());
        }
        try (SnapshotStore reopened = Snapshots.open(dir))
        {
            assertThat(reopened.all()).isEqualTo(written);
        }
        try (SnapshotStore readOnly = SnapshotStore.open(new SnapshotContext().dir(dir).readOnly(true)))
        {
            assertThat(readOnly.all()).isEqualTo(written);
            for (final SnapshotRef ref : written)
            {
                assertThat(readOnly.readMeta(ref).version()).isEqualTo(ref.version());
            }
        }
    }

    @Test
    void badInputIsRejectedAndLeavesNoFile() throws IOException
    {
        try (SnapshotStore store = Snapshots.open(dir))
        {
            final String unpaired = "ab\uD83Dc";
            assertThatThrownBy(() -> store.write(meta("c", "d", 1, unpaired), chunks(unpaired, 2)))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("unpaired surrogate");
            final String trailingHigh = "ab\uD83D";
            assertThatThrownBy(() -> store.write(meta("c", "d", 1, trailingHigh), chunks(trailingHigh, 2)))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("unpaired surrogate");
            assertThatThrownBy(() -> store.write(meta("c", "d", 1, "abc"), chunks("abcd", 2)))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("meta says");
            assertThatThrownBy(() -> store.write(meta(42, "c", "d", 1, "abc"), chunks("abc", 2)))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("is not the hash");
            final String longId = "x".repeat(257);
            assertThatThrownBy(() -> store.write(meta("c", longId, 1, "abc"), chunks("abc", 2)))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("docId");
            assertThatThrownBy(() -> store.write(meta("c", "\uDC00", 1, "abc"), chunks("abc", 2)))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("docId");
            assertThat(store.all()).isEmpty();
        }
        try (Stream<Path> files = Files.walk(dir))
        {
            assertThat(files.filter(Files::isRegularFile)).isEmpty();
        }
    }

    @Test
    void readOnlyAndClosedStoresRefuseWrites()
    {
        try (SnapshotStore store = Snapshots.open(dir))
        {
            store.write(meta("c", "d", 1, "x"), chunks("x", 1));
        }
        final SnapshotStore readOnly = SnapshotStore.open(new SnapshotContext().dir(dir).readOnly(true));
        assertThatThrownBy(() -> readOnly.write(meta("c", "d", 2, "x"), chunks("x", 1)))
            .isInstanceOf(IllegalStateException.class).hasMessageContaining("read-only");
        assertThat(readOnly.latest(ShardRouter.docHash("c", "d"), "c", "d")).isPresent();
        readOnly.close();
        assertThatThrownBy(readOnly::all).isInstanceOf(IllegalStateException.class).hasMessageContaining("closed");
        assertThatThrownBy(() -> SnapshotStore.open(new SnapshotContext().dir(dir.resolve("missing")).readOnly(true)))
            .isInstanceOf(ConfigException.class);
    }

    @Test
    void fsyncWritesAreReadable()
    {
        try (SnapshotStore store = SnapshotStore.open(new SnapshotContext().dir(dir.resolve("new")).fsync(true)))
        {
            final SnapshotRef ref = store.write(meta("c", "d", 1, "durable"), chunks("durable", 3));
            assertThat(load(store, ref)).isEqualTo("durable");
        }
    }

    @Test
    void optionsComeFromSettings()
    {
        final SnapshotContext context = new SnapshotContext().dir(dir).apply(
            Settings.defaults("snapshot", Map.of("fsync", "true", "retain", "5", "read-only", "yes")));
        assertThat(context.fsync()).isTrue();
        assertThat(context.retain()).isEqualTo(5);
        assertThat(context.readOnly()).isTrue();

        final SnapshotContext defaults = new SnapshotContext().dir(dir).apply(Settings.defaults("snapshot", Map.of()));
        assertThat(defaults.fsync()).isFalse();
        assertThat(defaults.retain()).isZero();
        assertThat(defaults.readOnly()).isFalse();

        assertThatThrownBy(() -> new SnapshotContext().dir(dir)
            .apply(Settings.defaults("snapshot", Map.of("retain", "-1"))).conclude())
            .isInstanceOf(ConfigException.class).hasMessageContaining("quire.snapshot.retain");
        assertThatThrownBy(() -> new SnapshotContext().conclude()).isInstanceOf(ConfigException.class);
    }

    @Test
    void namesSortByDocumentAndVersionAndParseBack()
    {
        final long[] hashes = {0, 1, 0x00ff_0000_0000_0000L, Long.MAX_VALUE, Long.MIN_VALUE, -1};
        final long[] versions = {0, 1, 9, 10, 1_000_000, Long.MAX_VALUE};
        final List<String> names = new ArrayList<>();
        for (final long hash : hashes)
        {
            for (final long version : versions)
            {
                for (final int slot : new int[] {0, 1, 12})
                {
                    final String name = SnapshotFormat.fileName(hash, version, slot);
                    assertThat(SnapshotFormat.parse(name)).isEqualTo(new SnapshotFormat.Name(hash, version, slot));
                    assertThat(SnapshotFormat.isTempName(SnapshotFormat.tempName(name, -5))).isTrue();
                    assertThat(SnapshotFormat.isTempName(name)).isFalse();
                    if (slot == 0)
                    {
                        names.add(name);
                    }
                }
            }
        }
        assertThat(names).isSorted();
        assertThat(SnapshotFormat.subdirectory(0x00ff_0000_0000_0000L)).isEqualTo("00");
        assertThat(SnapshotFormat.subdirectory(-1)).isEqualTo("ff");
        assertThat(SnapshotFormat.fileName(0xabcL, 42, 0)).isEqualTo("0000000000000abc-00000000000000000042.snap");
        for (final String junk : new String[] {"", ".snap", "0000000000000abc-00000000000000000042.snap.tmp",
            "0000000000000ABC-00000000000000000042.snap", "0000000000000abc-0000000000000000042.snap",
            "0000000000000abc-00000000000000000042-0.snap", "0000000000000abc-00000000000000000042-01.snap",
            "0000000000000abc_00000000000000000042.snap", "0000000000000abc-99999999999999999999.snap",
            "0000000000000abc-0000000000000000004x.snap", "0000000000000abc-00000000000000000042-.snap"})
        {
            assertThat(SnapshotFormat.parse(junk)).as(junk).isNull();
        }
    }

    @Test
    void aSnapshotIsFiledUnderItsHashPrefix()
    {
        try (SnapshotStore store = Snapshots.open(dir))
        {
            final SnapshotMeta meta = meta("docs", "filed", 12, "x");
            final SnapshotRef ref = store.write(meta, chunks("x", 1));
            assertThat(dir.relativize(ref.path()).toString()).isEqualTo(
                SnapshotFormat.subdirectory(meta.docHash()) + "/" + SnapshotFormat.fileName(meta.docHash(), 12, 0));
            assertThat(meta.docType()).isEqualTo(CodecConstants.TEXT_UNICODE_URI);
        }
    }

    private List<Path> snapFiles() throws IOException
    {
        try (Stream<Path> files = Files.walk(dir))
        {
            return files.filter(p -> p.toString().endsWith(SnapshotFormat.SUFFIX)).collect(Collectors.toList());
        }
    }

    private static long version(final Optional<SnapshotRef> ref)
    {
        return ref.orElseThrow().version();
    }
}
