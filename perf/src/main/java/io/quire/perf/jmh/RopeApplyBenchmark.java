package io.quire.perf.jmh;

import io.quire.engine.ot.Rope;
import io.quire.engine.ot.TextChecksum;
import io.quire.engine.trace.Trace;
import io.quire.engine.trace.TraceReader;
import io.quire.test.RepoPaths;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

import java.io.IOException;
import java.nio.CharBuffer;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;

/**
 * The rope on its own: the automerge-paper trace replayed with direct calls (the foundation target is 10 M edits/s
 * through the OT core, leaving the rope well under 70 ns per edit), and the cost of {@link Rope#checksum()} after one
 * edit, which the engine pays after every committed op.
 * <p>
 * Run: {@code java -jar perf/target/benchmarks.jar RopeApplyBenchmark -f 1 -wi 3 -i 5}. Subtract
 * {@code editAtRandomPosition} from {@code editThenChecksum} (same sizes) for the checksum's own cost.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
public class RopeApplyBenchmark extends ForkWithQuireFlags
{
    /** Patches in automerge-paper.json.gz, all single-character. */
    static final int AUTOMERGE_PATCHES = 259_778;

    private Trace automerge;

    /** Loads the trace and checks that a replay reproduces its end content. */
    @Setup(Level.Trial)
    public void loadTrace() throws IOException
    {
        automerge = TraceReader.read(RepoPaths.trace("automerge-paper.json.gz"));
        if (automerge.edits() != AUTOMERGE_PATCHES)
        {
            throw new IllegalStateException("automerge-paper has " + automerge.edits() + " patches");
        }
        final Rope rope = new Rope();
        replay(rope, automerge);
        if (!rope.toString().equals(automerge.endContent()) ||
            rope.checksum() != TextChecksum.of(automerge.endContent()))
        {
            throw new IllegalStateException("replay does not reproduce endContent");
        }
    }

    /**
     * The whole automerge-paper trace into an empty rope; the score is per edit.
     *
     * @return the final length, so the work is not dead code.
     */
    @Benchmark
    @OperationsPerInvocation(AUTOMERGE_PATCHES)
    public int automergePaper()
    {
        final Rope rope = new Rope();
        replay(rope, automerge);
        return rope.length();
    }

    /**
     * The same with {@link Rope#checksum()} after every edit, as the engine journals one per op.
     *
     * @return the final checksum.
     */
    @Benchmark
    @OperationsPerInvocation(AUTOMERGE_PATCHES)
    public long automergePaperWithChecksums()
    {
        final Rope rope = new Rope();
        final Trace t = automerge;
        long sum = 0;
        for (int i = 0, n = t.edits(); i < n; i++)
        {
            apply(rope, t, i);
            sum += rope.checksum();
        }
        return sum;
    }

    /** A bulk-built document of random ASCII, with random edit positions. */
    @State(Scope.Benchmark)
    public static class Document
    {
        private static final int POSITIONS = 1 << 16;

        /** Document size in UTF-16 units (1 MB and 100 MB of text). */
        @Param({"1000000", "100000000"})
        public int units;

        Rope rope;
        final int[] positions = new int[POSITIONS];
        int next;
        boolean insertNext = true;

        /** Builds the document and hashes it once, so every node starts clean. */
        @Setup(Level.Trial)
        public void build()
        {
            final SplittableRandom random = new SplittableRandom(42);
            final char[] text = new char[units];
            for (int i = 0; i < units; i++)
            {
                text[i] = (char)(' ' + random.nextInt(95));
            }
            rope = new Rope(CharBuffer.wrap(text));
            rope.checksum();
            for (int i = 0; i < POSITIONS; i++)
            {
                positions[i] = random.nextInt(units - 1);
            }
        }

        /** Alternately insert and delete one character at random positions, so the size stays put. */
        int edit()
        {
            final int pos = positions[next++ & (POSITIONS - 1)];
            insertNext = !insertNext;
            if (insertNext)
            {
                rope.delete(pos, 1);
            }
            else
            {
                rope.insert(pos, "x");
            }
            return pos;
        }
    }

    /**
     * One single-character edit at a random position, then {@link Rope#checksum()}.
     *
     * @param doc the document.
     * @return the checksum.
     */
    @Benchmark
    public long editThenChecksum(final Document doc)
    {
        doc.edit();
        return doc.rope.checksum();
    }

    /**
     * The edit alone, the baseline for {@link #editThenChecksum}.
     *
     * @param doc the document.
     * @return the position.
     */
    @Benchmark
    public int editAtRandomPosition(final Document doc)
    {
        return doc.edit();
    }

    /** A 100 MB document that only grows, for pure inserts. */
    @State(Scope.Benchmark)
    public static class LargeDocument
    {
        private final Document doc = new Document();

        /** Builds 100 MB of text. */
        @Setup(Level.Trial)
        public void build()
        {
            doc.units = 100_000_000;
            doc.build();
        }
    }

    /**
     * One single-character insert at a random position of a 100 MB document.
     *
     * @param doc the document.
     * @return its length.
     */
    @Benchmark
    public int insertAtRandomPosition100MB(final LargeDocument doc)
    {
        final Document d = doc.doc;
        d.rope.insert(d.positions[d.next++ & (Document.POSITIONS - 1)], "x");
        return d.rope.length();
    }

    private static void replay(final Rope rope, final Trace t)
    {
        for (int i = 0, n = t.edits(); i < n; i++)
        {
            apply(rope, t, i);
        }
    }

    private static void apply(final Rope rope, final Trace t, final int i)
    {
        if (t.deleteCount(i) != 0)
        {
            rope.delete(t.position(i), t.deleteCount(i));
        }
        if (t.insertLength(i) != 0)
        {
            rope.insert(t.position(i), t.insertChars(), t.insertStart(i), t.insertLength(i));
        }
    }
}
