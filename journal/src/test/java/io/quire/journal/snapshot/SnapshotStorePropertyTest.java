package io.quire.journal.snapshot;

import io.quire.codec.ShardRouter;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.quicktheories.core.Gen;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;

import static io.quire.journal.snapshot.Snapshots.chunks;
import static io.quire.journal.snapshot.Snapshots.load;
import static io.quire.journal.snapshot.Snapshots.meta;
import static org.assertj.core.api.Assertions.assertThat;
import static org.quicktheories.QuickTheory.qt;
import static org.quicktheories.generators.SourceDSL.integers;
import static org.quicktheories.generators.SourceDSL.lists;
import static org.quicktheories.generators.SourceDSL.longs;

class SnapshotStorePropertyTest
{
    /** Documents 0 and 1 share a hash; the others have their own. */
    private static final String[][] DOCS = {{"c", "a"}, {"c", "b"}, {"d", "x"}, {"c", "\u00E9\uD83D\uDE42"}};
    private static final long MAX_VERSION = 12;

    @TempDir
    Path dir;

    private record Write(int doc, long version)
    {
    }

    @Test
    void lookupsAfterAnySequenceOfWritesAgreeWithAModel()
    {
        final Gen<Write> write = integers().between(0, DOCS.length - 1)
            .zip(longs().between(0, MAX_VERSION), Write::new);
        qt().withExamples(150)
            .forAll(lists().of(write).ofSizeBetween(0, 25), integers().between(0, 3))
            .checkAssert(this::check);
    }

    private void check(final List<Write> writes, final int retain)
    {
        final Path root;
        try
        {
            root = Files.createTempDirectory(dir, "example");
        }
        catch (final IOException ex)
        {
            throw new UncheckedIOException(ex);
        }
        final Map<Integer, TreeMap<Long, String>> model = new HashMap<>();
        final List<SnapshotRef> written;
        try (SnapshotStore store = Snapshots.openAllowingCollisions(root, retain))
        {
            int n = 0;
            for (final Write w : writes)
            {
                final String text = "doc" + w.doc + "@" + w.version + "#" + n++ + "\uD83D\uDE00";
                store.write(meta(hash(w.doc), DOCS[w.doc][0], DOCS[w.doc][1], w.version, text), chunks(text, 3));
                final TreeMap<Long, String> versions = model.computeIfAbsent(w.doc, d -> new TreeMap<>());
                versions.put(w.version, text);
                while (retain > 0 && versions.size() > retain)
                {
                    versions.pollFirstEntry();
                }
            }
            assertAgrees(store, model);
            written = store.all();
        }
        try (SnapshotStore reopened = Snapshots.openAllowingCollisions(root, retain))
        {
            assertThat(reopened.all()).isEqualTo(written);
            assertAgrees(reopened, model);
        }
    }

    private static void assertAgrees(final SnapshotStore store, final Map<Integer, TreeMap<Long, String>> model)
    {
        int total = 0;
        for (int doc = 0; doc < DOCS.length; doc++)
        {
            final TreeMap<Long, String> versions = model.getOrDefault(doc, new TreeMap<>());
            total += versions.size();
            final String collection = DOCS[doc][0];
            final String docId = DOCS[doc][1];
            final long hash = hash(doc);

            final Optional<SnapshotRef> latest = store.latest(hash, collection, docId);
            assertThat(latest.map(SnapshotRef::version)).isEqualTo(Optional.ofNullable(
                versions.isEmpty() ? null : versions.lastKey()));
            latest.ifPresent(ref -> assertThat(load(store, ref)).isEqualTo(versions.lastEntry().getValue()));
            for (long v = -1; v <= MAX_VERSION + 1; v++)
            {
                assertThat(store.latestAtOrBefore(hash, collection, docId, v).map(SnapshotRef::version))
                    .as("doc %d at or before %d", doc, v).isEqualTo(Optional.ofNullable(versions.floorKey(v)));
                assertThat(store.earliestAtOrAfter(hash, collection, docId, v).map(SnapshotRef::version))
                    .as("doc %d at or after %d", doc, v).isEqualTo(Optional.ofNullable(versions.ceilingKey(v)));
            }
        }
        final int sharedHash = model.getOrDefault(0, new TreeMap<>()).size() +
            model.getOrDefault(1, new TreeMap<>()).size();
        assertThat(store.list(hash(0))).hasSize(sharedHash);
        assertThat(store.all()).hasSize(total);
        assertThat(store.size()).isEqualTo(total);
    }

    private static long hash(final int doc)
    {
        final String[] key = DOCS[doc == 1 ? 0 : doc];
        return ShardRouter.docHash(key[0], key[1]);
    }
}
