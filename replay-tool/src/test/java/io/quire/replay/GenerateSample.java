package io.quire.replay;

import java.nio.file.Path;

/**
 * Writes the sample data directory (real engine shards, see {@link SampleJournal}) to a path, for trying the tool by
 * hand and for the README's worked example: {@code java -cp <test classpath> io.quire.replay.GenerateSample DIR}.
 */
public final class GenerateSample
{
    private GenerateSample()
    {
    }

    /**
     * @param args the data directory to create.
     */
    public static void main(final String[] args)
    {
        final SampleJournal sample = SampleJournal.generate(Path.of(args[0]), 1200, 42);
        System.out.println("wrote " + sample.records + " records to " + args[0]);
    }
}
