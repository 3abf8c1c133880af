package io.quire.edge;

import io.aeron.Aeron;
import io.aeron.driver.MediaDriver;
import io.aeron.driver.ThreadingMode;
import io.quire.common.IdleStrategies;
import org.agrona.CloseHelper;
import org.agrona.IoUtil;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.function.Consumer;

/** An embedded media driver, a {@link FakeEngine} and an {@link EdgeNode} on a free port, all over IPC. */
final class EdgeHarness implements AutoCloseable
{
    final MediaDriver driver;
    final Aeron aeron;
    final FakeEngine engine;
    final EdgeNode edge;
    private final Path dir;

    EdgeHarness(final Consumer<EdgeContext> configure) throws Exception
    {
        dir = Files.createTempDirectory("quire-edge-test");
        driver = MediaDriver.launch(new MediaDriver.Context()
            .aeronDirectoryName(dir.resolve("aeron").toString())
            .threadingMode(ThreadingMode.SHARED)
            .sharedIdleStrategy(IdleStrategies.parse("backoff"))
            .ipcTermBufferLength(1 << 20)
            .publicationTermBufferLength(1 << 20)
            .termBufferSparseFile(true)
            .dirDeleteOnStart(true)
            .dirDeleteOnShutdown(true));
        aeron = Aeron.connect(new Aeron.Context().aeronDirectoryName(driver.aeronDirectoryName()));
        engine = new FakeEngine(aeron, "aeron:ipc", 1001, 2);
        final EdgeContext ctx = new EdgeContext()
            .port(0)
            .engines(2, "0-2=aeron:ipc@1001")
            .reply("aeron:ipc", 2001);
        configure.accept(ctx);
        edge = EdgeNode.launch(ctx, aeron);
        if (!edge.awaitHealthy(10_000))
        {
            throw new IllegalStateException("edge not healthy: " + edge.healthProblem());
        }
    }

    WsClient client() throws Exception
    {
        return new WsClient(edge.port());
    }

    /** {@inheritDoc} */
    public void close()
    {
        CloseHelper.quietCloseAll(edge, engine, aeron, driver);
        IoUtil.delete(dir.toFile(), true);
    }
}
