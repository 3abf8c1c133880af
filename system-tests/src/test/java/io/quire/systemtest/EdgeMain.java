package io.quire.systemtest;

import io.aeron.Aeron;
import io.aeron.driver.MediaDriver;
import io.aeron.driver.ThreadingMode;
import io.quire.common.IdleStrategies;
import io.quire.common.Settings;
import io.quire.edge.EdgeContext;
import io.quire.edge.EdgeNode;
import org.agrona.CloseHelper;

import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.CountDownLatch;

/**
 * An edge node in its own JVM for system tests: an embedded media driver (its own directory, small terms) and an
 * {@link EdgeNode} configured by {@code option=value} arguments (component {@code edge}). Prints
 * {@code edge ready port=<port>} once every engine of its shard map has answered; SIGTERM closes it.
 */
public final class EdgeMain
{
    private EdgeMain()
    {
    }

    /**
     * @param args {@code aeron-dir=<dir>} and edge options as {@code option=value}.
     * @throws Exception if it cannot start.
     */
    public static void main(final String[] args) throws Exception
    {
        final Map<String, String> options = new HashMap<>();
        for (final String arg : args)
        {
            final int eq = arg.indexOf('=');
            options.put(arg.substring(0, eq), arg.substring(eq + 1));
        }
        final String aeronDir = options.remove("aeron-dir");
        final MediaDriver driver = MediaDriver.launch(new MediaDriver.Context()
            .aeronDirectoryName(aeronDir)
            .threadingMode(ThreadingMode.SHARED)
            .sharedIdleStrategy(IdleStrategies.parse("backoff"))
            .publicationTermBufferLength(1 << 20)
            .ipcTermBufferLength(1 << 20)
            .termBufferSparseFile(true)
            .dirDeleteOnStart(true)
            .dirDeleteOnShutdown(true));
        final Aeron aeron = Aeron.connect(new Aeron.Context().aeronDirectoryName(driver.aeronDirectoryName()));
        final EdgeNode edge = EdgeNode.launch(new EdgeContext().apply(Settings.defaults("edge", options)), aeron);
        final CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() ->
        {
            CloseHelper.quietCloseAll(edge, aeron, driver);
            stopped.countDown();
        }));
        if (!edge.awaitHealthy(60_000))
        {
            System.err.println("edge not healthy: " + edge.healthProblem());
            System.exit(1);
        }
        System.out.println("edge ready port=" + edge.port());
        System.out.flush();
        stopped.await();
    }
}
