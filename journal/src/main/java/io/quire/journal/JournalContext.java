package io.quire.journal;

import io.quire.common.ConfigException;
import io.quire.common.Settings;
import net.openhft.chronicle.core.time.SystemTimeProvider;
import net.openhft.chronicle.core.time.TimeProvider;
import net.openhft.chronicle.queue.RollCycle;
import net.openhft.chronicle.queue.RollCycles;
import net.openhft.chronicle.queue.rollcycles.LargeRollCycles;
import net.openhft.chronicle.queue.rollcycles.TestRollCycles;

import java.nio.file.Path;
import java.util.Locale;

/**
 * Options of one journal (a Chronicle Queue directory, one per shard). Component name {@code journal}: properties
 * {@code quire.journal.<option>}, environment {@code QUIRE_JOURNAL_<OPTION>}.
 *
 * <table>
 *   <caption>Options</caption>
 *   <tr><th>option</th><th>default</th><th>meaning</th></tr>
 *   <tr><td>durability</td><td>write</td><td>{@code write} or {@code sync}, see {@link DurabilityPolicy}</td></tr>
 *   <tr><td>roll-cycle</td><td>fast-daily</td><td>Chronicle roll cycle: a new file per cycle</td></tr>
 *   <tr><td>block-size</td><td>64m</td><td>Chronicle mapping block; an excerpt must fit in a quarter of it</td></tr>
 *   <tr><td>batch.max-records</td><td>1024</td><td>records per excerpt before a new excerpt is started</td></tr>
 *   <tr><td>batch.max-bytes</td><td>4m</td><td>bytes per excerpt before a new excerpt is started</td></tr>
 *   <tr><td>pretouch-ahead</td><td>4m</td><td>bytes of the journal file past the writer that a background thread
 *       keeps faulted in ({@link JournalPretoucher}); 0: none, the writer faults each new page itself</td></tr>
 * </table>
 */
public final class JournalContext
{
    /** Default durability. */
    public static final DurabilityPolicy DURABILITY_DEFAULT = DurabilityPolicy.WRITE;
    /** Default roll cycle name. */
    public static final String ROLL_CYCLE_DEFAULT = "fast-daily";
    /** Default Chronicle block size. */
    public static final long BLOCK_SIZE_DEFAULT = 64L << 20;
    /** Default records per excerpt. */
    public static final int BATCH_MAX_RECORDS_DEFAULT = 1024;
    /** Default bytes per excerpt. */
    public static final int BATCH_MAX_BYTES_DEFAULT = 4 << 20;
    /** Default pretouch distance. */
    public static final long PRETOUCH_AHEAD_DEFAULT = 4L << 20;
    private static final long MAX_PRETOUCH_AHEAD = 1L << 30;

    private Path dir;
    private DurabilityPolicy durability = DURABILITY_DEFAULT;
    private String rollCycle = ROLL_CYCLE_DEFAULT;
    private long blockSize = BLOCK_SIZE_DEFAULT;
    private int batchMaxRecords = BATCH_MAX_RECORDS_DEFAULT;
    private int batchMaxBytes = BATCH_MAX_BYTES_DEFAULT;
    private long pretouchAhead = PRETOUCH_AHEAD_DEFAULT;
    private TimeProvider timeProvider = SystemTimeProvider.INSTANCE;
    private boolean concluded;

    /**
     * Read the options from settings (component {@code journal}).
     *
     * @param settings the settings.
     * @return this.
     */
    public JournalContext apply(final Settings settings)
    {
        durability = settings.getEnum("durability", DurabilityPolicy.class, durability);
        rollCycle = settings.get("roll-cycle", rollCycle);
        blockSize = settings.getSize("block-size", blockSize);
        batchMaxRecords = settings.getInt("batch.max-records", batchMaxRecords);
        batchMaxBytes = (int)Math.min(Integer.MAX_VALUE, settings.getSize("batch.max-bytes", batchMaxBytes));
        pretouchAhead = settings.getSize("pretouch-ahead", pretouchAhead);
        return this;
    }

    /**
     * Validate and freeze. Called by the writer and reader.
     *
     * @return this.
     */
    public JournalContext conclude()
    {
        if (concluded)
        {
            return this;
        }
        if (dir == null)
        {
            throw new ConfigException("journal directory not set");
        }
        rollCycleValue();
        if (blockSize < (64 << 10))
        {
            throw new ConfigException("quire.journal.block-size " + blockSize + " is below the 64k minimum");
        }
        if (batchMaxRecords < 1 || batchMaxRecords > JournalFormat.MAX_RECORDS_PER_BATCH)
        {
            throw new ConfigException("quire.journal.batch.max-records must be in [1, " +
                JournalFormat.MAX_RECORDS_PER_BATCH + "], got " + batchMaxRecords);
        }
        if (batchMaxBytes < 1024 || batchMaxBytes > maxExcerptBytes())
        {
            throw new ConfigException("quire.journal.batch.max-bytes must be in [1k, block-size/4 = " +
                maxExcerptBytes() + "], got " + batchMaxBytes);
        }
        if (pretouchAhead < 0 || pretouchAhead > MAX_PRETOUCH_AHEAD)
        {
            throw new ConfigException("quire.journal.pretouch-ahead must be in [0, 1g], got " + pretouchAhead);
        }
        concluded = true;
        return this;
    }

    /** @return the largest excerpt Chronicle accepts with this block size: a quarter of a block. */
    public int maxExcerptBytes()
    {
        return (int)Math.min(Integer.MAX_VALUE, blockSize / 4);
    }

    /** @return the largest single record that can ever be journaled with these options. */
    public int maxRecordBytes()
    {
        return maxExcerptBytes() - JournalFormat.BATCH_HEADER_LENGTH - JournalFormat.FRAME_OVERHEAD;
    }

    /** @return the Chronicle roll cycle for {@link #rollCycle()}. */
    public RollCycle rollCycleValue()
    {
        return parseRollCycle(rollCycle);
    }

    /**
     * @param name a roll cycle name such as {@code fast-daily}, {@code fast-hourly}, {@code test-secondly}.
     * @return the Chronicle roll cycle.
     */
    public static RollCycle parseRollCycle(final String name)
    {
        final String constant = name.trim().toUpperCase(Locale.ROOT).replace('-', '_');
        for (final RollCycles c : RollCycles.values())
        {
            if (c.name().equals(constant))
            {
                return c;
            }
        }
        for (final TestRollCycles c : TestRollCycles.values())
        {
            if (c.name().equals(constant))
            {
                return c;
            }
        }
        for (final LargeRollCycles c : LargeRollCycles.values())
        {
            if (c.name().equals(constant))
            {
                return c;
            }
        }
        throw new ConfigException("unknown quire.journal.roll-cycle '" + name +
            "': use a Chronicle roll cycle name such as fast-daily, fast-hourly, large-daily or test-secondly");
    }

    /** @return the journal directory. */
    public Path dir()
    {
        return dir;
    }

    /**
     * @param dir the journal directory (created if missing).
     * @return this.
     */
    public JournalContext dir(final Path dir)
    {
        this.dir = dir;
        return this;
    }

    /** @return the durability policy. */
    public DurabilityPolicy durability()
    {
        return durability;
    }

    /**
     * @param durability the durability policy.
     * @return this.
     */
    public JournalContext durability(final DurabilityPolicy durability)
    {
        this.durability = durability;
        return this;
    }

    /** @return the roll cycle name. */
    public String rollCycle()
    {
        return rollCycle;
    }

    /**
     * @param rollCycle roll cycle name.
     * @return this.
     */
    public JournalContext rollCycle(final String rollCycle)
    {
        this.rollCycle = rollCycle;
        return this;
    }

    /** @return the Chronicle block size. */
    public long blockSize()
    {
        return blockSize;
    }

    /**
     * @param blockSize Chronicle block size in bytes.
     * @return this.
     */
    public JournalContext blockSize(final long blockSize)
    {
        this.blockSize = blockSize;
        return this;
    }

    /** @return records per excerpt. */
    public int batchMaxRecords()
    {
        return batchMaxRecords;
    }

    /**
     * @param batchMaxRecords records per excerpt.
     * @return this.
     */
    public JournalContext batchMaxRecords(final int batchMaxRecords)
    {
        this.batchMaxRecords = batchMaxRecords;
        return this;
    }

    /** @return bytes per excerpt. */
    public int batchMaxBytes()
    {
        return batchMaxBytes;
    }

    /**
     * @param batchMaxBytes bytes per excerpt.
     * @return this.
     */
    public JournalContext batchMaxBytes(final int batchMaxBytes)
    {
        this.batchMaxBytes = batchMaxBytes;
        return this;
    }

    /** @return bytes past the writer kept faulted in by a {@link JournalPretoucher}; 0: no pretouching. */
    public long pretouchAhead()
    {
        return pretouchAhead;
    }

    /**
     * @param pretouchAhead bytes past the writer to keep faulted in; 0 for none.
     * @return this.
     */
    public JournalContext pretouchAhead(final long pretouchAhead)
    {
        this.pretouchAhead = pretouchAhead;
        return this;
    }

    /** @return the clock that decides which roll cycle (file) an excerpt goes to. */
    public TimeProvider timeProvider()
    {
        return timeProvider;
    }

    /**
     * @param timeProvider the clock for roll cycles; tests use a settable one to cross cycle boundaries.
     * @return this.
     */
    public JournalContext timeProvider(final TimeProvider timeProvider)
    {
        this.timeProvider = timeProvider;
        return this;
    }

    /**
     * Small settings for tests: 1 MiB blocks (the queue file starts small and grows by blocks).
     *
     * @param dir journal directory.
     * @return a context for tests.
     */
    public static JournalContext forTests(final Path dir)
    {
        return new JournalContext().dir(dir).blockSize(1 << 20).batchMaxBytes(256 << 10);
    }
}
