package io.quire.journal;

import org.agrona.IoUtil;
import org.agrona.concurrent.UnsafeBuffer;
import org.agrona.concurrent.status.AtomicCounter;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.File;
import java.io.IOException;
import java.nio.MappedByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.StandardOpenOption;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;

/**
 * A background thread that touches the pages of a journal file just ahead of its writer, so the writer does not stop
 * for the kernel to allocate, zero and make them writable.
 * <p>
 * Chronicle's file is sparse: the first write to each 4 KiB page of it faults, and the kernel finds a hole, allocates
 * page-cache pages and zeroes them (with readahead, a few pages at a time) on the writing thread: at full load 8-10%
 * of a shard thread's time in {@code perf}, and a stall of several µs in the commit path whenever it happens.
 * This thread does that work instead, through its own shared read-write mapping of the same file: an atomic
 * compare-and-set of the first word of each page from 0 to 0. The first write access makes the kernel allocate and
 * zero the page and take the file system's write fault ({@code ext4_page_mkwrite}: block reservation, journal
 * handle), so the writer later finds the page present and writable. (Reading it instead, as this class did before,
 * left the write fault to the writer: 1.1% of the shard thread's samples.) The compare-and-set changes no byte: a word
 * that is not 0 fails the compare and is left alone, and one that is 0 stays 0, and being atomic it cannot overwrite
 * a value the writer stores concurrently; so it is safe beside the writer and beside readers. Only pages inside the
 * file's current length are touched (Chronicle extends the file a block at a time, ahead of the writer).
 * <p>
 * The writer publishes its file and position after each commit ({@link JournalWriter#touchFile()},
 * {@link JournalWriter#touchPosition()}); this thread keeps {@code ahead} bytes past that position read, checking
 * every millisecond while the journal moves and backing off to every 10 ms when it does not.
 */
public final class JournalPretoucher implements AutoCloseable
{
    /** The page size the kernel allocates file pages in. */
    static final int PAGE = 4096;
    private static final Logger LOG = LoggerFactory.getLogger(JournalPretoucher.class);
    private static final long WINDOW = 16L << 20;
    private static final long MIN_PARK_NS = TimeUnit.MILLISECONDS.toNanos(1);
    private static final long MAX_PARK_NS = TimeUnit.MILLISECONDS.toNanos(10);

    private final JournalWriter writer;
    private final long ahead;
    private final Thread thread;
    private final AtomicCounter pagesCounter;
    private volatile boolean running = true;

    /** Written by the pretouch thread only; volatile for {@link #currentFile()}. */
    private volatile JournalWriter.TouchFile file;
    private FileChannel channel;
    private MappedByteBuffer map;
    private long mapStart;
    private long mapEnd;
    private final UnsafeBuffer pageView = new UnsafeBuffer(0, 0);
    private volatile long pagesTouched;
    private volatile long touchedUpTo;
    private boolean failed;

    /**
     * Start touching ahead of a writer.
     *
     * @param writer     the journal writer (its thread publishes where it is).
     * @param ahead      bytes past the writer's position to keep touched (rounded up to whole pages), &gt; 0.
     * @param threadName name of the (daemon) thread.
     */
    public JournalPretoucher(final JournalWriter writer, final long ahead, final String threadName)
    {
        this(writer, ahead, threadName, null);
    }

    /**
     * Start touching ahead of a writer, counting the pages touched.
     *
     * @param writer       the journal writer (its thread publishes where it is).
     * @param ahead        bytes past the writer's position to keep touched (rounded up to whole pages), &gt; 0.
     * @param threadName   name of the (daemon) thread.
     * @param pagesCounter incremented by the pages touched (monitoring), or null.
     */
    public JournalPretoucher(
        final JournalWriter writer, final long ahead, final String threadName, final AtomicCounter pagesCounter)
    {
        if (ahead <= 0)
        {
            throw new IllegalArgumentException("pretouch distance must be positive, got " + ahead);
        }
        this.writer = writer;
        this.ahead = (ahead + PAGE - 1) & -PAGE;
        this.pagesCounter = pagesCounter;
        this.thread = new Thread(this::run, threadName);
        this.thread.setDaemon(true);
        this.thread.start();
    }

    /** @return pages touched since start (monitoring, tests). */
    public long pagesTouched()
    {
        return pagesTouched;
    }

    /** @return the file offset up to which the current file's pages have been read. */
    public long touchedUpTo()
    {
        return touchedUpTo;
    }

    private void run()
    {
        long park = MIN_PARK_NS;
        while (running)
        {
            final int pages;
            try
            {
                pages = touch();
            }
            catch (final IOException | RuntimeException | InternalError ex)
            {
                // A file that vanished or shrank (a removed journal): give up on this file, not on the journal.
                if (!failed)
                {
                    LOG.warn("journal pretouch of {} stopped: {}", file == null ? "?" : file.file(), ex.toString());
                    failed = true;
                }
                unmap();
                park = MAX_PARK_NS;
                LockSupport.parkNanos(park);
                continue;
            }
            if (pages > 0)
            {
                park = MIN_PARK_NS;
            }
            else
            {
                LockSupport.parkNanos(park);
                park = Math.min(MAX_PARK_NS, park * 2);
            }
        }
        unmap();
    }

    private int touch() throws IOException
    {
        final JournalWriter.TouchFile target = writer.touchFile();
        if (target == null)
        {
            return 0;
        }
        if (target != file)
        {
            unmap();
            touchedUpTo = 0;
            failed = false;
            // Published after the reset: whoever sees the new file sees no progress claimed in it yet.
            file = target;
            channel = FileChannel.open(target.file().toPath(), StandardOpenOption.READ, StandardOpenOption.WRITE);
        }
        else if (failed)
        {
            return 0;
        }
        final long position = writer.touchPosition();
        final long from = Math.max(touchedUpTo, position & -PAGE);
        long to = position + ahead;
        if (from >= to)
        {
            return 0;
        }
        final long size = channel.size() & -PAGE;
        to = Math.min(to, size);
        int pages = 0;
        for (long page = from; page < to; page += PAGE)
        {
            if (page >= mapEnd || page < mapStart)
            {
                remap(page, size);
            }
            // A write access that changes nothing: see the class comment.
            pageView.compareAndSetInt((int)(page - mapStart), 0, 0);
            pages++;
        }
        if (pages > 0)
        {
            pagesTouched += pages;
            if (pagesCounter != null)
            {
                pagesCounter.getAndAddOrdered(pages);
            }
        }
        // After the count: whoever sees this progress sees the pages it took counted.
        if (to > touchedUpTo)
        {
            touchedUpTo = to;
        }
        return pages;
    }

    private void remap(final long page, final long size) throws IOException
    {
        if (map != null)
        {
            pageView.wrap(0, 0);
            IoUtil.unmap(map);
            map = null;
        }
        mapStart = page & -WINDOW;
        mapEnd = Math.min(mapStart + WINDOW, size);
        map = channel.map(FileChannel.MapMode.READ_WRITE, mapStart, mapEnd - mapStart);
        pageView.wrap(map);
    }

    private void unmap()
    {
        if (map != null)
        {
            pageView.wrap(0, 0);
            IoUtil.unmap(map);
            map = null;
        }
        mapStart = 0;
        mapEnd = 0;
        if (channel != null)
        {
            try
            {
                channel.close();
            }
            catch (final IOException ignore)
            {
                // nothing written through the channel itself: nothing to lose
            }
            channel = null;
        }
    }

    /** Stop the thread and release its mapping; waits for it. */
    @Override
    public void close()
    {
        running = false;
        LockSupport.unpark(thread);
        try
        {
            thread.join(TimeUnit.SECONDS.toMillis(10));
        }
        catch (final InterruptedException ex)
        {
            Thread.currentThread().interrupt();
        }
    }

    @Override
    public String toString()
    {
        return "JournalPretoucher{" + thread.getName() + ", ahead=" + ahead + ", touched=" + pagesTouched +
            ", file=" + (file == null ? null : file.file()) + '}';
    }

    /** For tests: the current file's name, or null. */
    File currentFile()
    {
        final JournalWriter.TouchFile f = file;
        return f == null ? null : f.file();
    }
}
