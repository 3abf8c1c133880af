package io.quire.perf.jmh;

import io.quire.journal.JournalContext;
import io.quire.journal.JournalReader;
import io.quire.journal.JournalWriter;
import org.agrona.IoUtil;
import org.agrona.concurrent.UnsafeBuffer;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;

/**
 * Random access to the journal by LSN ({@link JournalReader#seekLsn}), what catch-up from versions older than memory
 * holds, document loads and their snapshot check do: 200,000 records of 170 bytes in batches of 64 (3,125 batches).
 * {@code walkBack} seeks every 16th LSN going down, as walking one of 16 interleaved documents' {@code prevLsn}
 * chains does; {@code anywhere} seeks uniformly random LSNs.
 * <p>
 * Run: {@code java -jar perf/target/benchmarks.jar JournalSeekBenchmark -f 1}.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 2, time = 1)
@Measurement(iterations = 5, time = 1)
public class JournalSeekBenchmark extends ForkWithQuireFlags
{
    private static final int RECORDS = 200_000;
    private static final int BATCH = 64;
    private static final int STRIDE = 16;

    private Path dir;
    private JournalReader reader;
    private long next = RECORDS;
    private final SplittableRandom random = new SplittableRandom(42);

    /** Writes the journal in a temp dir and opens a reader on it. */
    @Setup(Level.Trial)
    public void open() throws IOException
    {
        dir = Files.createTempDirectory("quire-journal-seek-bench");
        final byte[] bytes = new byte[170];
        Arrays.fill(bytes, (byte)'r');
        final UnsafeBuffer record = new UnsafeBuffer(bytes);
        try (JournalWriter writer = new JournalWriter(new JournalContext().dir(dir)))
        {
            for (int i = 0; i < RECORDS; i++)
            {
                writer.append(writer.nextLsn(), record, 0, record.capacity());
                if (i % BATCH == BATCH - 1)
                {
                    writer.commitBatch();
                }
            }
            writer.commitBatch();
        }
        reader = JournalReader.open(dir);
    }

    /** Closes the reader and deletes the journal. */
    @TearDown(Level.Trial)
    public void close()
    {
        reader.close();
        IoUtil.delete(dir.toFile(), false);
    }

    /** @return whether the record exists (it does). */
    @Benchmark
    public boolean walkBack()
    {
        next -= STRIDE;
        if (next < 1)
        {
            next = RECORDS;
        }
        return reader.seekLsn(next);
    }

    /** @return whether the record exists (it does). */
    @Benchmark
    public boolean anywhere()
    {
        return reader.seekLsn(1 + random.nextInt(RECORDS));
    }
}
