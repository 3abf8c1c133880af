package io.quire.test;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;

/**
 * Where tests find the repository and the shared material beside it.
 * <p>
 * The build passes {@code -Dquire.root=<repository root>}; without it (an IDE run) the current directory and its
 * parents are searched for the directory holding {@code config/jvm.options}.
 */
public final class RepoPaths
{
    private RepoPaths()
    {
    }

    /** @return the repository root. */
    public static Path root()
    {
        final String prop = System.getProperty("quire.root");
        if (prop != null && !prop.isBlank())
        {
            return Paths.get(prop).toAbsolutePath().normalize();
        }
        Path dir = Paths.get("").toAbsolutePath();
        while (dir != null)
        {
            if (Files.isRegularFile(dir.resolve("config/jvm.options")))
            {
                return dir;
            }
            dir = dir.getParent();
        }
        throw new IllegalStateException("cannot find the Quire repository root; run with -Dquire.root=...");
    }

    /** @return {@code ../shared} beside the repository root. */
    public static Path shared()
    {
        final Path shared = root().resolve("../shared").normalize();
        if (!Files.isDirectory(shared))
        {
            throw new IllegalStateException("shared material not found at " + shared + " (it must sit beside the repo)");
        }
        return shared;
    }

    /**
     * @param name file name such as {@code automerge-paper.json.gz}.
     * @return the path of a shared editing trace.
     */
    public static Path trace(final String name)
    {
        return shared().resolve("traces").resolve(name);
    }

    /** @return the directory of the node helpers ({@code node/} at the repository root). */
    public static Path nodeDir()
    {
        return root().resolve("node");
    }
}
