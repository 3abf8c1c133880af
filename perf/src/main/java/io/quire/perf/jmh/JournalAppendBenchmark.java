package io.quire.perf.jmh;

import io.quire.journal.JournalContext;
import io.quire.journal.JournalPretoucher;
import io.quire.journal.JournalWriter;
import org.agrona.IoUtil;
import org.agrona.concurrent.UnsafeBuffer;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.concurrent.TimeUnit;

/**
 * The journal's commit path at moderate load: one batch of one 170-byte record (an op's record is about that) appended
 * and committed per invocation, with the latency distribution (sample mode: p50, p99, p99.9). {@code prefault=true}
 * calls {@link JournalWriter#prefaultNextPage()} between invocations, outside the measured time, as the engine's
 * single-mode thread does when idle: the page the next batch starts on is faulted in there, not in the append.
 * {@code pretouchAhead} &gt; 0 runs a {@link JournalPretoucher} beside the writer (the engine's default: 4 MiB), which
 * faults pages in on its own thread ahead of the writer at any load.
 * <p>
 * Run: {@code java -jar perf/target/benchmarks.jar JournalAppendBenchmark -f 1}.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.SampleTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 2, time = 1)
@Measurement(iterations = 4, time = 1)
public class JournalAppendBenchmark extends ForkWithQuireFlags
{
    /** Whether the page the next batch starts on is faulted in between batches. */
    @Param({"false", "true"})
    public boolean prefault;

    /** Bytes a {@link JournalPretoucher} keeps faulted in ahead of the writer (0: no pretoucher). */
    @Param({"0", "4194304"})
    public long pretouchAhead;

    private Path dir;
    private JournalWriter writer;
    private JournalPretoucher pretoucher;
    private final UnsafeBuffer record = new UnsafeBuffer(new byte[170]);

    /** Opens a journal (production block size) in a temp dir. */
    @Setup(Level.Trial)
    public void open() throws IOException
    {
        dir = Files.createTempDirectory("quire-journal-bench");
        final byte[] bytes = new byte[170];
        Arrays.fill(bytes, (byte)'r');
        record.wrap(bytes);
        writer = new JournalWriter(new JournalContext().dir(dir));
        pretoucher = pretouchAhead > 0 ? new JournalPretoucher(writer, pretouchAhead, "bench-pretouch") : null;
    }

    /** Idle time between batches: fault in the next page (when {@link #prefault}). */
    @Setup(Level.Invocation)
    public void idle()
    {
        if (prefault)
        {
            writer.prefaultNextPage();
        }
    }

    /** @return the next LSN, to keep the work alive. */
    @Benchmark
    public long appendAndCommit()
    {
        writer.append(writer.nextLsn(), record, 0, record.capacity());
        writer.commitBatch();
        return writer.nextLsn();
    }

    /** Closes the journal and deletes its files. */
    @TearDown(Level.Trial)
    public void close()
    {
        if (pretoucher != null)
        {
            pretoucher.close();
        }
        writer.close();
        IoUtil.delete(dir.toFile(), false);
    }
}
