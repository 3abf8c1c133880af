package io.quire.perf;

import org.HdrHistogram.Histogram;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/** The {@code .hgrm} files every benchmark writes: HdrHistogram's percentile distribution of a histogram in ns. */
public final class Hgrm
{
    /** Scale for values written in µs. */
    public static final double MICROS = 1e3;
    /** Scale for values written in ms. */
    public static final double MILLIS = 1e6;

    private Hgrm()
    {
    }

    /**
     * Write a histogram's percentile distribution (5 ticks per half distance, HdrHistogram's default), creating the
     * file's directory if needed.
     *
     * @param histogram values in ns.
     * @param file      the file (replaced).
     * @param scale     ns per unit written ({@link #MICROS}, {@link #MILLIS}).
     * @throws IOException if it cannot be written.
     */
    public static void write(final Histogram histogram, final Path file, final double scale) throws IOException
    {
        final Path parent = file.toAbsolutePath().getParent();
        if (parent != null)
        {
            Files.createDirectories(parent);
        }
        try (PrintStream stream = new PrintStream(Files.newOutputStream(file), false, StandardCharsets.UTF_8))
        {
            histogram.outputPercentileDistribution(stream, 5, scale);
        }
    }
}
