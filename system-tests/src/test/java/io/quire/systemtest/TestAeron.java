package io.quire.systemtest;

import io.aeron.Aeron;
import io.aeron.driver.MediaDriver;
import io.aeron.driver.ThreadingMode;
import org.agrona.CloseHelper;
import org.agrona.concurrent.BackoffIdleStrategy;

import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

/**
 * The test JVM's own embedded media driver and client: shared threading with a backoff idle strategy, 64 KiB terms,
 * its directory under the test's temp dir and deleted on close.
 */
final class TestAeron implements AutoCloseable
{
    /** Term length of every publication in the system tests. */
    static final int TERM_LENGTH = 64 << 10;

    private final MediaDriver driver;
    private final Aeron aeron;

    TestAeron(final Path dir)
    {
        driver = MediaDriver.launch(new MediaDriver.Context()
            .aeronDirectoryName(dir.toString())
            .threadingMode(ThreadingMode.SHARED)
            .sharedIdleStrategy(new BackoffIdleStrategy(10, 20, TimeUnit.MICROSECONDS.toNanos(1),
                TimeUnit.MILLISECONDS.toNanos(1)))
            .dirDeleteOnStart(true)
            .dirDeleteOnShutdown(true)
            .termBufferSparseFile(true)
            .ipcTermBufferLength(TERM_LENGTH)
            .publicationTermBufferLength(TERM_LENGTH)
            // An engine killed with -9 stops answering: notice its images are gone in 2 s, not the default 10 s.
            .imageLivenessTimeoutNs(TimeUnit.SECONDS.toNanos(2)));
        aeron = Aeron.connect(new Aeron.Context().aeronDirectoryName(driver.aeronDirectoryName()));
    }

    Aeron aeron()
    {
        return aeron;
    }

    String directory()
    {
        return driver.aeronDirectoryName();
    }

    @Override
    public void close()
    {
        CloseHelper.closeAll(aeron, driver);
    }
}
