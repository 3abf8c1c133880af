package io.quire.common;

import io.aeron.driver.MediaDriver;
import io.aeron.driver.ThreadingMode;
import org.agrona.concurrent.SleepingMillisIdleStrategy;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;

/** Media driver directories left by processes that are gone are deleted; everything else stays. */
class AeronDirsTest
{
    /** Above Linux's largest pid_max (2^22): never a live process. */
    private static final long DEAD = 999_999_999L;

    @TempDir
    Path parent;

    private Path dir(final String name) throws IOException
    {
        final Path dir = Files.createDirectories(parent.resolve(name));
        Files.write(dir.resolve("cnc.dat"), new byte[128]);
        return dir;
    }

    @Test
    void deletesOnlyOurDirectoriesOfProcessesThatAreGone() throws IOException
    {
        final long self = ProcessHandle.current().pid();
        final Path deadServer = dir("quire-server-" + DEAD + "-123456");
        final Path deadEngine = dir("quire-engine-1-" + DEAD);
        final Path deadEdge = dir("quire-edge-7-" + DEAD);
        final Path liveServer = dir("quire-server-" + self + "-42");
        final Path liveEngine = dir("quire-engine-1-" + self);
        final Path someoneElses = dir("aeron-" + DEAD);
        final Path unlike = dir("quire-server-" + DEAD);
        final Path file = Files.write(parent.resolve("quire-engine-2-" + DEAD), new byte[1]);

        assertThat(AeronDirs.deleteStale(parent)).containsExactlyInAnyOrder(
            "deleted " + deadServer + ", left by process " + DEAD + ", which is gone",
            "deleted " + deadEngine + ", left by process " + DEAD + ", which is gone",
            "deleted " + deadEdge + ", left by process " + DEAD + ", which is gone");
        assertThat(deadServer).doesNotExist();
        assertThat(deadEngine).doesNotExist();
        assertThat(deadEdge).doesNotExist();
        assertThat(liveServer.resolve("cnc.dat")).exists();
        assertThat(liveEngine).exists();
        assertThat(someoneElses).exists();
        assertThat(unlike).exists();
        assertThat(file).exists();
        assertThat(AeronDirs.deleteStale(parent)).isEmpty();
    }

    @Test
    void aRunningDriverIsLeftAloneWhateverTheProcessIdInItsName()
    {
        // As a driver of another PID namespace sharing /dev/shm would look: its process id is not one of ours.
        final Path dir = parent.resolve("quire-engine-3-" + DEAD);
        try (MediaDriver driver = MediaDriver.launch(new MediaDriver.Context()
            .aeronDirectoryName(dir.toString())
            .threadingMode(ThreadingMode.SHARED)
            .sharedIdleStrategy(new SleepingMillisIdleStrategy(1))
            .dirDeleteOnStart(true)
            .dirDeleteOnShutdown(true)))
        {
            assertThat(AeronDirs.deleteStale(parent)).isEmpty();
            assertThat(dir.resolve("cnc.dat")).exists();
        }
    }

    @Test
    void aMissingParentIsReportedNotThrown()
    {
        assertThat(AeronDirs.deleteStale(parent.resolve("absent"))).singleElement()
            .asString().startsWith("could not list " + parent.resolve("absent"));
    }
}
