package io.quire.replay;

import io.quire.codec.protocol.OpKind;
import io.quire.engine.ot.Rope;
import io.quire.engine.ot.TextOp;
import io.quire.engine.ot.TextUnicode;
import org.agrona.concurrent.SystemEpochNanoClock;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.stream.Stream;

/**
 * A data directory written by real engine shards, with what clients saw: the text of every document at every
 * version, as rebuilt by a subscriber from the ops the engine broadcast (so transformed ops are what was committed),
 * and instants at which every document's version is known. Generated once per test JVM and shared read-only; tests
 * that damage it work on copies.
 */
final class SampleJournal
{
    static final int SHARDS = 2;
    static final int SNAPSHOT_INTERVAL = 10;
    static final List<String> DOCS = List.of(
        "docs/alpha", "docs/beta", "docs/gamma", "notes/delta", "notes/epsilon", "notes/zeta");
    static final String RECREATED = "docs/beta";

    /** An instant and every document's version then. */
    record TimePoint(long timeNs, Map<String, Long> versions)
    {
    }

    private static SampleJournal shared;

    final Path dataDir;
    /** Document to its text at each version (index = version); null where its type is null. */
    final Map<String, List<String>> texts = new LinkedHashMap<>();
    /** Document to the author (principal, else source) of the op at each version. */
    final Map<String, List<String>> authors = new HashMap<>();
    final List<TimePoint> timePoints = new ArrayList<>();
    long records;

    private SampleJournal(final Path dataDir)
    {
        this.dataDir = dataDir;
    }

    /** @return the shared sample, generated on first use in a temporary directory deleted at JVM exit. */
    static synchronized SampleJournal shared()
    {
        if (shared == null)
        {
            try
            {
                final Path dir = Files.createTempDirectory("quire-replay-sample");
                Runtime.getRuntime().addShutdownHook(new Thread(() -> deleteTree(dir)));
                shared = generate(dir.resolve("data"), 1200, 42);
            }
            catch (final IOException ex)
            {
                throw new UncheckedIOException(ex);
            }
        }
        return shared;
    }

    /**
     * Run the engine: create the documents, edit them with three authors (some ops sent at a stale base version so
     * the engine transforms them), delete and re-create one, restart the shards half way with a new epoch.
     *
     * @param dataDir where to write.
     * @param ops     edits to commit.
     * @param seed    random seed.
     * @return the sample.
     */
    static SampleJournal generate(final Path dataDir, final int ops, final long seed)
    {
        final SampleJournal sample = new SampleJournal(dataDir);
        final Random random = new Random(seed);
        final String[][] who = {{"alice", "src-alice"}, {"bob", "src-bob"}, {"", "src-anon"}};
        final long[] seqs = new long[who.length];
        final SystemEpochNanoClock clock = new SystemEpochNanoClock();
        for (final String doc : DOCS)
        {
            sample.texts.put(doc, new ArrayList<>());
            sample.authors.put(doc, new ArrayList<>());
        }
        for (int half = 0; half < 2; half++)
        {
            final long epoch = half + 1;
            try (TestEngine engine = new TestEngine(dataDir, SHARDS, SNAPSHOT_INTERVAL, () -> epoch, 16))
            {
                for (final String doc : DOCS)
                {
                    final TestEngine.Reply snapshot = engine.watch(collection(doc), id(doc));
                    final List<String> history = sample.texts.get(doc);
                    if (history.isEmpty())
                    {
                        history.add(null);
                        sample.authors.get(doc).add(null);
                    }
                    check(snapshot.version() == history.size() - 1, doc + " watched at " + snapshot.version());
                }
                if (half == 0)
                {
                    for (final String doc : DOCS)
                    {
                        final int a = random.nextInt(who.length);
                        final TestEngine.Reply ack = engine.submit(collection(doc), id(doc), -1, who[a][1], who[a][0],
                            ++seqs[a], OpKind.CREATE, null, "# " + id(doc) + "\nfirst line of " + id(doc) + "\n");
                        check(ack.type().equals("ack"), ack.toString());
                        sample.drain(engine);
                    }
                }
                for (int i = 0; i < ops / 2; i++)
                {
                    final String doc = DOCS.get(random.nextInt(DOCS.size()));
                    final int a = random.nextInt(who.length);
                    if (half == 1 && i == ops / 4)
                    {
                        recreate(engine, sample, RECREATED, who[a], ++seqs[a], ++seqs[a]);
                        continue;
                    }
                    final List<String> history = sample.texts.get(doc);
                    final long current = history.size() - 1;
                    long base = current;
                    if (random.nextInt(5) == 0)
                    {
                        base = Math.max(lastCreate(history), current - 1 - random.nextInt(3));
                    }
                    final TextOp op = randomOp(random, history.get((int)base));
                    final TestEngine.Reply ack = engine.submit(collection(doc), id(doc), base, who[a][1], who[a][0],
                        ++seqs[a], OpKind.EDIT, op, null);
                    check(ack.type().equals("ack"), ack + " for " + op.toJson() + " at " + base + " of " + doc);
                    sample.drain(engine);
                    if (i % 97 == 50)
                    {
                        sample.timePoint(clock);
                    }
                }
            }
        }
        for (final List<String> history : sample.texts.values())
        {
            sample.records += history.size() - 1;
        }
        return sample;
    }

    private static void recreate(final TestEngine engine, final SampleJournal sample, final String doc,
        final String[] who, final long deleteSeq, final long createSeq)
    {
        final long current = sample.texts.get(doc).size() - 1;
        TestEngine.Reply ack = engine.submit(collection(doc), id(doc), current, who[1], who[0], deleteSeq,
            OpKind.DELETE, null, null);
        check(ack.type().equals("ack"), ack.toString());
        sample.drain(engine);
        ack = engine.submit(collection(doc), id(doc), -1, who[1], who[0], createSeq, OpKind.CREATE, null,
            "# reborn " + id(doc) + "\n");
        check(ack.type().equals("ack"), ack.toString());
        sample.drain(engine);
    }

    private void timePoint(final SystemEpochNanoClock clock)
    {
        sleep();
        final Map<String, Long> versions = new HashMap<>();
        for (final Map.Entry<String, List<String>> e : texts.entrySet())
        {
            versions.put(e.getKey(), (long)e.getValue().size() - 1);
        }
        timePoints.add(new TimePoint(clock.nanoTime(), versions));
        sleep();
    }

    private static void sleep()
    {
        try
        {
            Thread.sleep(3);
        }
        catch (final InterruptedException ex)
        {
            Thread.currentThread().interrupt();
        }
    }

    /** Apply what the watching edge received: the committed ops, in order. */
    private void drain(final TestEngine engine)
    {
        final TextUnicode ot = new TextUnicode();
        for (final TestEngine.Broadcast b : engine.takeBroadcasts())
        {
            final List<String> history = texts.get(b.doc());
            check(b.version() == history.size() - 1, b.doc() + ": broadcast of version " + b.version() +
                " after " + (history.size() - 1));
            final String before = history.get(history.size() - 1);
            switch (b.kind())
            {
                case "CREATE":
                    history.add(b.createData());
                    break;
                case "DELETE":
                    history.add(null);
                    break;
                default:
                    final Rope rope = new Rope(before);
                    ot.apply(b.op(), rope);
                    history.add(rope.toString());
                    break;
            }
        }
    }

    private static long lastCreate(final List<String> history)
    {
        for (int v = history.size() - 1; v >= 0; v--)
        {
            if (history.get(v) == null)
            {
                return v + 1;
            }
        }
        return 0;
    }

    private static TextOp randomOp(final Random random, final String text)
    {
        final int length = text.codePointCount(0, text.length());
        final TextOp op = new TextOp();
        final int kind = random.nextInt(10);
        if (length > 0 && kind < 3)
        {
            final int pos = random.nextInt(length);
            return op.skip(pos).delete(Math.min(length - pos, 1 + random.nextInt(3))).trim();
        }
        final int pos = random.nextInt(length + 1);
        op.skip(pos);
        if (kind == 3 && pos < length)
        {
            op.delete(1);
        }
        return op.insert(randomText(random)).trim();
    }

    private static String randomText(final Random random)
    {
        final String[] pieces = {"a", "b", "c", "x", "y", " ", "\n", "é", "😀", "🌍", "中"};
        final StringBuilder s = new StringBuilder();
        for (int i = 0, n = 1 + random.nextInt(4); i < n; i++)
        {
            s.append(pieces[random.nextInt(pieces.length)]);
        }
        return s.toString();
    }

    static String collection(final String doc)
    {
        return doc.substring(0, doc.indexOf('/'));
    }

    static String id(final String doc)
    {
        return doc.substring(doc.indexOf('/') + 1);
    }

    private static void check(final boolean condition, final String message)
    {
        if (!condition)
        {
            throw new IllegalStateException(message);
        }
    }

    /**
     * @param from a directory.
     * @param to   where to copy it (created).
     */
    static void copyTree(final Path from, final Path to)
    {
        try (Stream<Path> paths = Files.walk(from))
        {
            for (final Path p : (Iterable<Path>)paths::iterator)
            {
                final Path target = to.resolve(from.relativize(p).toString());
                if (Files.isDirectory(p))
                {
                    Files.createDirectories(target);
                }
                else
                {
                    Files.copy(p, target);
                }
            }
        }
        catch (final IOException ex)
        {
            throw new UncheckedIOException(ex);
        }
    }

    static void deleteTree(final Path dir)
    {
        if (!Files.exists(dir))
        {
            return;
        }
        try (Stream<Path> paths = Files.walk(dir))
        {
            paths.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        }
        catch (final IOException ex)
        {
            throw new UncheckedIOException(ex);
        }
    }
}
