package io.quire.perf.jmh;

import java.io.IOException;
import java.util.concurrent.TimeUnit;

import io.quire.engine.ot.Rope;
import io.quire.engine.ot.TextOp;
import io.quire.engine.ot.TextUnicode;
import io.quire.engine.trace.Trace;
import io.quire.engine.trace.TraceReader;
import io.quire.engine.trace.TraceReplay;
import io.quire.test.RepoPaths;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * The automerge-paper trace (259,778 single-character edits) replayed through the OT core. Scores are per edit
 * ({@code @OperationsPerInvocation}): {@code replay} is op building + validation + apply into an empty rope;
 * {@code opOverhead} is the OT core's own share (op building and {@link TextUnicode#checkApplicable}, which is
 * everything apply does besides calling the rope), against a document length kept by hand.
 * <p>
 * The trace is found through {@link RepoPaths} (run from inside the repository, or pass {@code -Dquire.root}).
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@OperationsPerInvocation(TraceReplayBenchmark.EDITS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
public class TraceReplayBenchmark extends ForkWithQuireFlags
{
    /** Patches in automerge-paper: the scores are per edit. */
    static final int EDITS = 259_778;

    private Trace trace;
    private final TraceReplay replay = new TraceReplay();
    private final TextUnicode ot = new TextUnicode();
    private final TextOp op = new TextOp();

    /**
     * Decode the trace (not timed) and check one replay reaches its endContent.
     *
     * @throws IOException if the trace cannot be read.
     */
    @Setup
    public void load() throws IOException
    {
        trace = TraceReader.read(RepoPaths.trace("automerge-paper.json.gz"));
        if (trace.edits() != EDITS)
        {
            throw new IllegalStateException("automerge-paper has " + trace.edits() + " edits, expected " + EDITS);
        }
        if (!replay.replay(trace).toString().equals(trace.endContent()))
        {
            throw new IllegalStateException("automerge-paper replay does not reach endContent");
        }
    }

    /** @return the replayed document. */
    @Benchmark
    public Rope replay()
    {
        final Rope doc = new Rope(trace.startContent());
        replay.replay(trace, doc);
        return doc;
    }

    /** @return the final document length, so the loop cannot be eliminated. */
    @Benchmark
    public int opOverhead()
    {
        final char[] chars = trace.insertChars();
        int docLength = trace.startContent().codePointCount(0, trace.startContent().length());
        for (int i = 0, n = trace.edits(); i < n; i++)
        {
            op.clear()
                .skip(trace.position(i))
                .delete(trace.deleteCount(i))
                .insert(chars, trace.insertStart(i), trace.insertLength(i))
                .trim();
            ot.checkApplicable(op, docLength);
            docLength += Character.codePointCount(chars, trace.insertStart(i), trace.insertLength(i)) -
                trace.deleteCount(i);
        }
        return docLength;
    }
}
