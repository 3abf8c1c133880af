package io.quire.test;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Runs the node helpers under {@code node/}, installing their pinned dependencies with {@code npm ci} first when
 * {@code node_modules} is missing or older than {@code package-lock.json}. So the README's test command works on a
 * fresh machine that has only the JDK, Maven and node.
 */
public final class NodeTools
{
    private static final long NPM_CI_TIMEOUT_SECONDS = 300;
    private static boolean installed;

    private NodeTools()
    {
    }

    /**
     * Make sure {@code node/node_modules} matches {@code node/package-lock.json}.
     *
     * @return the node helper directory.
     */
    public static synchronized Path ensureInstalled()
    {
        final Path dir = RepoPaths.nodeDir();
        if (installed)
        {
            return dir;
        }
        try
        {
            final Path lock = dir.resolve("package-lock.json");
            final Path marker = dir.resolve("node_modules/.package-lock.json");
            if (!Files.exists(marker) || Files.getLastModifiedTime(marker).compareTo(Files.getLastModifiedTime(lock)) < 0)
            {
                final Process npm = new ProcessBuilder("npm", "ci", "--no-audit", "--no-fund")
                    .directory(dir.toFile())
                    .redirectErrorStream(true)
                    .redirectOutput(ProcessBuilder.Redirect.INHERIT)
                    .start();
                if (!npm.waitFor(NPM_CI_TIMEOUT_SECONDS, TimeUnit.SECONDS))
                {
                    npm.destroyForcibly();
                    throw new IllegalStateException("npm ci in " + dir + " did not finish in " + NPM_CI_TIMEOUT_SECONDS + "s");
                }
                if (npm.exitValue() != 0)
                {
                    throw new IllegalStateException("npm ci in " + dir + " failed with exit code " + npm.exitValue());
                }
            }
            installed = true;
            return dir;
        }
        catch (final IOException ex)
        {
            throw new IllegalStateException("cannot run npm (is node installed?)", ex);
        }
        catch (final InterruptedException ex)
        {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(ex);
        }
    }

    /**
     * A process builder for {@code node <script> args...} in the node helper directory, dependencies installed.
     *
     * @param script path of the script relative to {@code node/}.
     * @param args   script arguments.
     * @return the builder; stderr is inherited so helper failures show in the test log.
     */
    public static ProcessBuilder node(final String script, final String... args)
    {
        final Path dir = ensureInstalled();
        final List<String> command = new ArrayList<>();
        command.add("node");
        command.add(dir.resolve(script).toString());
        command.addAll(List.of(args));
        return new ProcessBuilder(command).directory(dir.toFile()).redirectError(ProcessBuilder.Redirect.INHERIT);
    }
}
