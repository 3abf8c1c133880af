package io.quire.perf.jmh;

import java.util.concurrent.TimeUnit;

import io.quire.engine.ot.TextOp;
import io.quire.engine.ot.TextUnicode;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * {@code text-unicode} transform of typical concurrent op pairs, as the shard thread runs it for a submitted op
 * against each op committed since its base version. Both sides; the output op is reused, so nothing allocates.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
public class TextTransformBenchmark extends ForkWithQuireFlags
{
    /** Tie break of the transformed op. */
    @Param({"LEFT", "RIGHT"})
    public TextUnicode.Side side;

    private final TextUnicode ot = new TextUnicode();
    private final TextOp out = new TextOp();

    private final TextOp insertAt500 = TextOp.parseJson("[500,\"a\"]");
    private final TextOp insertAt503 = TextOp.parseJson("[503,\"b\"]");
    private final TextOp otherInsertAt500 = TextOp.parseJson("[500,\"c\"]");
    private final TextOp deleteAt498 = TextOp.parseJson("[498,{\"d\":4}]");
    private final TextOp multi = TextOp.parseJson("[120,\"foo\",380,{\"d\":3},\"bar\",40,\"\\n\",12,{\"d\":\"xyz\"}]");

    /** Two keystrokes a few characters apart. */
    @Benchmark
    public TextOp insertVsNearbyInsert()
    {
        ot.transform(insertAt500, insertAt503, side, out);
        return out;
    }

    /** Two keystrokes at the same position: the tie rule decides. */
    @Benchmark
    public TextOp insertVsInsertSamePosition()
    {
        ot.transform(insertAt500, otherInsertAt500, side, out);
        return out;
    }

    /** A keystroke inside a range another user deleted. */
    @Benchmark
    public TextOp insertVsDelete()
    {
        ot.transform(insertAt500, deleteAt498, side, out);
        return out;
    }

    /** A delete against a keystroke inside it. */
    @Benchmark
    public TextOp deleteVsInsert()
    {
        ot.transform(deleteAt498, insertAt500, side, out);
        return out;
    }

    /** A multi-component op (paste, replace, multi-cursor) against a single keystroke. */
    @Benchmark
    public TextOp multiComponentVsInsert()
    {
        ot.transform(multi, insertAt503, side, out);
        return out;
    }

    /** A single keystroke against a multi-component op. */
    @Benchmark
    public TextOp insertVsMultiComponent()
    {
        ot.transform(insertAt503, multi, side, out);
        return out;
    }
}
