package io.quire.engine.lease;

import org.apache.zookeeper.server.embedded.ExitHandler;
import org.apache.zookeeper.server.embedded.ZooKeeperServerEmbedded;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Properties;

/**
 * A standalone ZooKeeper server in this JVM (ZooKeeper's own {@link ZooKeeperServerEmbedded}) for the local cluster
 * and the tests: bound to 127.0.0.1, no admin HTTP server, 200 ms ticks (sessions of 400 ms to 4 s, expiry checked
 * five times a second, so a dead primary's lease moves about a session timeout after it died). Production uses an
 * external ensemble ({@code lease.zookeeper}).
 */
public final class EmbeddedZooKeeper
{
    private EmbeddedZooKeeper()
    {
    }

    /**
     * Start one and wait (30 s at most) until it serves.
     *
     * @param dir  its directory (configuration and data).
     * @param port client port on 127.0.0.1.
     * @return the running server; close it to stop.
     * @throws Exception if it does not start.
     */
    public static ZooKeeperServerEmbedded start(final Path dir, final int port) throws Exception
    {
        Files.createDirectories(dir);
        final Properties config = new Properties();
        config.setProperty("clientPort", Integer.toString(port));
        config.setProperty("clientPortAddress", "127.0.0.1");
        config.setProperty("dataDir", dir.resolve("data").toString());
        config.setProperty("tickTime", "200");
        config.setProperty("admin.enableServer", "false");
        config.setProperty("4lw.commands.whitelist", "ruok,stat,srvr");
        final ZooKeeperServerEmbedded server = ZooKeeperServerEmbedded.builder()
            .baseDir(dir)
            .configuration(config)
            .exitHandler(ExitHandler.LOG_ONLY)
            .build();
        server.start(30_000);
        return server;
    }
}
