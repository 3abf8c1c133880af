package io.quire.engine;

import io.quire.engine.ot.Rope;
import io.quire.engine.ot.TextOp;
import io.quire.engine.ot.TextUnicode;
import io.quire.engine.shard.JournalRecords;
import io.quire.engine.shard.Reply;
import io.quire.engine.shard.Requests;
import io.quire.engine.shard.SequencerConfig;
import io.quire.journal.JournalReader;
import io.quire.journal.snapshot.SnapshotContext;
import io.quire.journal.snapshot.SnapshotFormat;
import io.quire.journal.snapshot.SnapshotMeta;
import io.quire.journal.snapshot.SnapshotRef;
import io.quire.journal.snapshot.SnapshotStore;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import static io.quire.codec.CodecConstants.NULL_VERSION;
import static org.assertj.core.api.Assertions.assertThat;

class ShardRestartTest
{
    @TempDir
    Path dir;

    private final Requests r = new Requests();
    private long requestIds = 1;

    /** A real shard whose documents the tests read back through subscribe. */
    private final class Rig extends ShardRig
    {
        Rig(final int snapshotInterval, final int maxDocs, final boolean snapshotOnClose)
        {
            this(snapshotInterval, 0, maxDocs, snapshotOnClose);
        }

        Rig(final int snapshotInterval, final int journalRatio, final int maxDocs, final boolean snapshotOnClose)
        {
            super(dir, new SequencerConfig(0, 100L << 20, snapshotInterval, 100_000, 4096, false, 3, journalRatio),
                maxDocs, snapshotOnClose);
        }

        String text(final String d)
        {
            return request(r.subscribe(1, 99, requestIds++, "docs", d, NULL_VERSION, false), 99, "snapshot").text();
        }

        /** The text of a document of any size: a large one's snapshot comes in several chunks. */
        String fullText(final String d)
        {
            final int before = mark();
            request(r.subscribe(1, 98, requestIds++, "docs", d, NULL_VERSION, false), 98, "snapshot");
            final StringBuilder text = new StringBuilder();
            for (final Reply x : since(before))
            {
                if (x.session() == 98 && (x.type().equals("snapshot-chunk") || x.type().equals("snapshot")))
                {
                    text.append(x.text());
                }
            }
            return text.toString();
        }

        long version(final String d)
        {
            return request(r.subscribe(1, 99, requestIds++, "docs", d, NULL_VERSION, false), 99, "snapshot").version();
        }

    }

    /** The text of a document at a version, from a full catch-up replayed through the OT core. */
    private String textAt(final String d, final long version, final Rig rig)
    {
        final int before = rig.mark();
        rig.request(r.subscribe(1, 79, requestIds++, "docs", d, 0, false), 79, "done");
        final List<Reply> ops = rig.since(before).stream()
            .filter(x -> x.session() == 79 && x.type().equals("op")).toList();
        final Rope text = new Rope();
        final TextUnicode ot = new TextUnicode();
        for (final Reply op : ops)
        {
            if (op.version() >= version)
            {
                break;
            }
            if (op.text().startsWith("CREATE"))
            {
                text.clear();
                text.insert(0, op.text().substring(op.text().indexOf(':') + 1));
            }
            else if (op.text().startsWith("DELETE"))
            {
                text.clear();
            }
            else
            {
                ot.apply(TextOp.parseJson(op.text()), text);
            }
        }
        return text.toString();
    }

    /** Random edits over several documents, remembered in reference ropes. */
    private Map<String, Rope> edit(final Rig rig, final Map<String, Rope> docs, final int count, final long seed)
    {
        final Random random = new Random(seed);
        final TextUnicode ot = new TextUnicode();
        final List<String> names = new ArrayList<>(docs.keySet());
        for (int i = 0; i < count; i++)
        {
            final String d = names.get(random.nextInt(names.size()));
            final Rope ref = docs.get(d);
            final long base = rig.version(d);
            final int pos = random.nextInt(ref.length() + 1);
            final TextOp op = new TextOp();
            op.skip(pos);
            if (ref.length() > pos && random.nextInt(3) == 0)
            {
                op.delete(1);
            }
            else
            {
                op.insert(random.nextBoolean() ? "x" : "😀");
            }
            op.trim();
            final Reply ack = rig.request(r.submit(1, 1, requestIds++, "docs", d, base, "src-" + seed, i + 1,
                io.quire.codec.protocol.OpKind.EDIT, op, null, null), 1, "ack", "reject");
            assertThat(ack.type()).as(ack.text()).isEqualTo("ack");
            ot.apply(op, ref);
        }
        return docs;
    }

    @Test
    void documentsJournalAndDedupeSurviveARestart()
    {
        final Map<String, Rope> docs = new HashMap<>();
        try (Rig rig = new Rig(0, 1000, false))
        {
            for (final String d : List.of("a", "b", "c"))
            {
                rig.request(r.create(1, 1, requestIds++, "docs", d, NULL_VERSION, "creator", d.charAt(0), "text-unicode",
                    "start-" + d), 1, "ack");
                docs.put(d, new Rope("start-" + d));
            }
            edit(rig, docs, 150, 1);
        }
        try (Rig rig = new Rig(0, 1000, false))
        {
            assertThat(rig.shard.recovery().records()).isEqualTo(153);
            assertThat(rig.shard.recovery().applied()).isEqualTo(153);
            for (final Map.Entry<String, Rope> e : docs.entrySet())
            {
                assertThat(rig.text(e.getKey())).isEqualTo(e.getValue().toString());
            }
            // The last op, resent as after a reconnect, is recognised from the recovered history.
            final long version = rig.version("a");
            final Reply again = rig.request(r.create(1, 5, requestIds++, "docs", "a", NULL_VERSION, "creator", 'a',
                "text-unicode", "start-a"), 5, "ack", "reject");
            assertThat(again.type()).isEqualTo("ack");
            assertThat(again.version()).isZero();
            assertThat(rig.version("a")).isEqualTo(version);
            edit(rig, docs, 30, 2);
        }
        try (Rig rig = new Rig(0, 1000, false))
        {
            assertThat(rig.shard.recovery().records()).isEqualTo(183);
            for (final Map.Entry<String, Rope> e : docs.entrySet())
            {
                assertThat(rig.text(e.getKey())).isEqualTo(e.getValue().toString());
            }
        }
    }

    @Test
    void aRecoveryThatUnloadsDocumentsBehindTheirSnapshotsWritesNoSnapshotAndStillStarts() throws Exception
    {
        final Map<String, Rope> docs = new HashMap<>();
        try (Rig rig = new Rig(0, 1000, true))
        {
            createSix(rig, docs);
            edit(rig, docs, 400, 11);
        }
        // Closing wrote one snapshot per document, at its last version.
        final List<String> before = snapshotFiles();
        assertThat(before).hasSize(6);
        // Recovery reads the journal in batches of 256 records and keeps two documents in memory between them: it
        // unloads documents whose text is their snapshot's while the pass is at an older version of them. Before the
        // fix, unloading wrote that text as a snapshot of the older version, and the recovery then failed on its own
        // file ("text after version N has checksum ..., the journal says ...").
        for (int start = 0; start < 2; start++)
        {
            try (Rig rig = new Rig(0, 2, false))
            {
                assertThat(rig.shard.recovery().records()).isEqualTo(406);
                assertThat(rig.shard.recovery().snapshots()).isEqualTo(6);
                for (final Map.Entry<String, Rope> e : docs.entrySet())
                {
                    assertThat(rig.text(e.getKey())).isEqualTo(e.getValue().toString());
                }
            }
            assertThat(snapshotFiles()).isEqualTo(before);
        }
    }

    @Test
    void aSnapshotTheJournalContradictsIsPassedOver() throws Exception
    {
        final Map<String, Rope> docs = new HashMap<>();
        docs.put("a", new Rope("start"));
        try (Rig rig = new Rig(0, 1000, true))
        {
            rig.request(r.create(1, 1, requestIds++, "docs", "a", NULL_VERSION, "creator", 1, "text-unicode", "start"),
                1, "ack");
            edit(rig, docs, 60, 13);
        }
        // The file an engine before this fix wrote while recovering: the last version's text (so its own CRC and
        // checksum are right) filed under version 30, with the LSN of the record that made version 30.
        final long hash = io.quire.codec.ShardRouter.docHash("docs", "a");
        final long lsnOfVersion30 = lsnOf(hash, 29);
        try (SnapshotStore store = SnapshotStore.open(new SnapshotContext().dir(dir.resolve("snapshots"))))
        {
            final SnapshotRef last = store.latest(hash, "docs", "a").orElseThrow();
            final StringBuilder text = new StringBuilder();
            final SnapshotMeta m = store.load(last, (chars, offset, length) -> text.append(chars, offset, length));
            assertThat(m.version()).isEqualTo(61);
            store.write(new SnapshotMeta(m.shardId(), m.docHash(), m.collection(), m.docId(), 30, lsnOfVersion30,
                m.epoch(), m.checksum(), m.docType(), m.createVersion(), m.createSource(), m.createSeq(),
                m.timestampNs(), m.utf16Length(), m.codePointLength(), m.acl()), consumer ->
                consumer.accept(text.toString().toCharArray(), 0, text.length()));
        }
        try (Rig rig = new Rig(0, 1000, false))
        {
            // A past version is rebuilt from the newest snapshot at or before it that the journal agrees with: here
            // none, so from the journal's start.
            for (final long v : new long[]{30, 31, 45})
            {
                final Reply past = rig.request(r.fetchAt(1, 78, requestIds++, "docs", "a", v, -1), 78, "snapshot");
                assertThat(past.version()).isEqualTo(v);
                assertThat(past.text()).as("text at version %d", v).isEqualTo(textAt("a", v, rig));
            }
            assertThat(rig.text("a")).isEqualTo(docs.get("a").toString());
        }
    }

    @Test
    void aShardHoldingContradictedSnapshotsStartsAgain() throws Exception
    {
        final Map<String, Rope> docs = new HashMap<>();
        try (Rig rig = new Rig(0, 1000, true))
        {
            createSix(rig, docs);
            edit(rig, docs, 400, 17);
        }
        // What the recovery bug left behind: for every document, its last text filed under the middle version.
        try (SnapshotStore store = SnapshotStore.open(new SnapshotContext().dir(dir.resolve("snapshots"))))
        {
            for (final String d : docs.keySet())
            {
                final long hash = io.quire.codec.ShardRouter.docHash("docs", d);
                final SnapshotRef last = store.latest(hash, "docs", d).orElseThrow();
                final StringBuilder text = new StringBuilder();
                final SnapshotMeta m = store.load(last, (chars, offset, length) -> text.append(chars, offset, length));
                final long middle = m.version() / 2;
                store.write(new SnapshotMeta(m.shardId(), m.docHash(), m.collection(), m.docId(), middle,
                    lsnOf(hash, middle - 1), m.epoch(), m.checksum(), m.docType(), m.createVersion(), m.createSource(),
                    m.createSeq(), m.timestampNs(), m.utf16Length(), m.codePointLength(), m.acl()), consumer ->
                    consumer.accept(text.toString().toCharArray(), 0, text.length()));
            }
        }
        // Recovery unloads documents to keep two in memory and loads them back at older versions: it passes over the
        // planted files instead of failing on them.
        for (int start = 0; start < 2; start++)
        {
            try (Rig rig = new Rig(0, 2, false))
            {
                for (final Map.Entry<String, Rope> e : docs.entrySet())
                {
                    assertThat(rig.text(e.getKey())).isEqualTo(e.getValue().toString());
                }
            }
        }
    }

    /** The LSN of a document's journal record at a version. */
    private long lsnOf(final long docHash, final long version)
    {
        final JournalRecords records = new JournalRecords();
        final long[] found = {-1};
        try (JournalReader reader = JournalReader.open(dir.resolve("journal")))
        {
            while (reader.poll((lsn, buffer, offset, length, index, position) ->
            {
                if (records.isOpRecord(buffer, offset))
                {
                    final io.quire.codec.journal.JournalRecordDecoder d = records.wrap(buffer, offset);
                    if (d.docHash() == docHash && d.version() == version)
                    {
                        found[0] = lsn;
                    }
                }
            }, 100) > 0)
            {
                // read to the end
            }
        }
        assertThat(found[0]).as("record of version %d", version).isPositive();
        return found[0];
    }

    /** Create documents a to f, each holding "start-" and its name. */
    private void createSix(final Rig rig, final Map<String, Rope> docs)
    {
        for (final String d : List.of("a", "b", "c", "d", "e", "f"))
        {
            rig.request(r.create(1, 1, requestIds++, "docs", d, NULL_VERSION, "creator", d.charAt(0), "text-unicode",
                "start-" + d), 1, "ack");
            docs.put(d, new Rope("start-" + d));
        }
    }

    /** The snapshot files, by name. */
    private List<String> snapshotFiles() throws Exception
    {
        try (Stream<Path> files = Files.walk(dir.resolve("snapshots")))
        {
            return files.map(p -> p.getFileName().toString()).filter(n -> n.endsWith(".snap")).sorted().toList();
        }
    }

    @Test
    void unloadsHandTheirSnapshotsToTheBackgroundWriterAndAreCounted() throws Exception
    {
        final Map<String, Rope> docs = new HashMap<>();
        // Snapshots only on unload, at most two documents in memory, none written at close: every snapshot below is
        // an unload's.
        try (Rig rig = new Rig(0, 2, false))
        {
            createSix(rig, docs);
            // Each edit of a random one of six documents loads it and unloads another, which has changed since it was
            // loaded (every load here is followed by an edit): the edits meet documents whose snapshot is still being
            // written, and must find them whole anyway.
            edit(rig, docs, 300, 7);
            final long unloads = rig.counter("shard-0 doc-unloads");
            final long inline = rig.counter("shard-0 doc-unload-snapshots-inline");
            assertThat(unloads).isGreaterThan(100);
            assertThat(rig.counter("shard-0 doc-loads") - unloads).isEqualTo(rig.counter("shard-0 docs-loaded"));
            assertThat(rig.counter("shard-0 docs-loaded")).isBetween(1L, 3L);
            // The writer's jobs are made on demand, so at least the first unload went to it.
            assertThat(inline).isLessThan(unloads);
            final long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
            while (rig.counter("shard-0 snapshots-written") + inline < unloads)
            {
                assertThat(System.nanoTime()).as("every unload's snapshot written in 10 s").isLessThan(deadline);
                Thread.sleep(5);
            }
            assertThat(rig.counter("shard-0 snapshots-written") + inline).isEqualTo(unloads);
            assertThat(rig.counter("shard-0 snapshot-failures")).isZero();
            for (final Map.Entry<String, Rope> e : docs.entrySet())
            {
                assertThat(rig.text(e.getKey())).isEqualTo(e.getValue().toString());
            }
            assertThat(rig.shard.docLoadLatency().getIntervalHistogram().getTotalCount()).isGreaterThan(100);
        }
        try (Rig rig = new Rig(0, 2, false))
        {
            for (final Map.Entry<String, Rope> e : docs.entrySet())
            {
                assertThat(rig.text(e.getKey())).isEqualTo(e.getValue().toString());
            }
        }
    }

    @Test
    void aJournalRatioSpacesOutTheSnapshotsOfALargeDocumentButNotOfASmallOne() throws Exception
    {
        final String large = "x".repeat(20_000);
        final Map<String, Rope> docs = new HashMap<>();
        try (Rig rig = new Rig(10, 1, 1000, false))
        {
            rig.request(r.create(1, 1, requestIds++, "docs", "large", NULL_VERSION, "creator", 1, "text-unicode",
                large), 1, "ack");
            docs.put("large", new Rope(large));
            rig.request(r.create(1, 1, requestIds++, "docs", "small", NULL_VERSION, "creator", 2, "text-unicode",
                "s"), 1, "ack");
            docs.put("small", new Rope("s"));
            edit(rig, new HashMap<>(Map.of("large", docs.get("large"))), 300, 5);
            edit(rig, new HashMap<>(Map.of("small", docs.get("small"))), 300, 6);
        }
        // Closing the shard closed its snapshot writer, which wrote every snapshot handed to it first.
        // An edit's record is ~100-250 bytes: after its first snapshot (the create record alone holds its 20,000
        // characters) the large document waits for 20,000 bytes of them, 80-200 ops, where the op count alone takes
        // one every 10; the small one still takes one every 10 (later if the writer is busy: a due snapshot waits).
        final List<Long> spaced = snapshotVersions("large");
        assertThat(spaced).hasSizeBetween(1, 4);
        for (int i = 1; i < spaced.size(); i++)
        {
            assertThat(spaced.get(i) - spaced.get(i - 1)).as("versions %s", spaced).isGreaterThanOrEqualTo(50);
        }
        assertThat(snapshotVersions("small")).hasSizeGreaterThanOrEqualTo(10);
        // The ratio only spaces snapshots out: the documents come back whole from snapshot plus journal.
        try (Rig rig = new Rig(10, 1, 1000, false))
        {
            for (final Map.Entry<String, Rope> e : docs.entrySet())
            {
                assertThat(rig.fullText(e.getKey())).isEqualTo(e.getValue().toString());
            }
        }
    }

    /** The versions of one document's snapshot files, ascending (named after the document's hash and version). */
    private List<Long> snapshotVersions(final String docId) throws Exception
    {
        final long hash = io.quire.codec.ShardRouter.docHash("docs", docId);
        try (Stream<Path> files = Files.walk(dir.resolve("snapshots")))
        {
            return files.map(p -> p.getFileName().toString())
                .filter(n -> n.endsWith(".snap"))
                .map(SnapshotFormat::parse)
                .filter(n -> n != null && n.docHash() == hash)
                .map(SnapshotFormat.Name::version)
                .sorted()
                .toList();
        }
    }

    @Test
    void snapshotsShortenRecoveryAndUnloadedDocumentsComeBack() throws Exception
    {
        final Map<String, Rope> docs = new HashMap<>();
        try (Rig rig = new Rig(10, 2, true))
        {
            for (final String d : List.of("a", "b", "c", "d"))
            {
                rig.request(r.create(1, 1, requestIds++, "docs", d, NULL_VERSION, "creator", d.charAt(0), "text-unicode",
                    ""), 1, "ack");
                docs.put(d, new Rope());
            }
            edit(rig, docs, 200, 3);
            for (final Map.Entry<String, Rope> e : docs.entrySet())
            {
                assertThat(rig.text(e.getKey())).isEqualTo(e.getValue().toString());
            }
        }
        final long snapshotFiles;
        try (Stream<Path> files = Files.walk(dir.resolve("snapshots")))
        {
            snapshotFiles = files.filter(p -> p.toString().endsWith(".snap")).count();
        }
        assertThat(snapshotFiles).isGreaterThan(10);
        try (Rig rig = new Rig(10, 2, true))
        {
            assertThat(rig.shard.recovery().snapshots()).isEqualTo(4);
            assertThat(rig.shard.recovery().applied()).isLessThan(rig.shard.recovery().records());
            for (final Map.Entry<String, Rope> e : docs.entrySet())
            {
                assertThat(rig.text(e.getKey())).isEqualTo(e.getValue().toString());
            }
            // Catch-up from the very beginning still works: the old ops come from the journal.
            rig.request(r.subscribe(1, 77, requestIds++, "docs", "a", 0, false), 77, "done");
            // Snapshots at past versions are rebuilt from the nearest snapshot file plus the journal: compare them
            // with a replay from scratch of what catch-up returned.
            final long version = rig.version("a");
            for (final long v : new long[]{1, 5, 11, 20, version / 2, version - 1, version})
            {
                final Reply past = rig.request(r.fetchAt(1, 78, requestIds++, "docs", "a", v, -1), 78, "snapshot");
                assertThat(past.version()).isEqualTo(v);
                assertThat(past.text()).as("text at version %d", v).isEqualTo(textAt("a", v, rig));
            }
        }
    }
}
