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

    /**
     * Start {@code node <script> args...} with stdout and stderr captured together.
     *
     * @param script path of the script relative to {@code node/}.
     * @param args   script arguments.
     * @return the running script.
     * @throws java.io.IOException if node cannot be started.
     */
    public static Script start(final String script, final String... args) throws java.io.IOException
    {
        return new Script(node(script, args).redirectErrorStream(true).start());
    }

    /** A node script running in the background, its output collected. */
    public static final class Script
    {
        private final Process process;
        private final java.io.ByteArrayOutputStream output = new java.io.ByteArrayOutputStream();
        private final Thread pump;

        private Script(final Process process)
        {
            this.process = process;
            this.pump = new Thread(() ->
            {
                try (java.io.InputStream in = process.getInputStream())
                {
                    in.transferTo(output);
                }
                catch (final java.io.IOException ignored)
                {
                    // the exit code tells
                }
            }, "node-output");
            pump.setDaemon(true);
            pump.start();
        }

        /**
         * Wait for the script to end; it is killed if it has not within the time.
         *
         * @param seconds how long to wait.
         * @return true if it ended by itself.
         * @throws InterruptedException if interrupted.
         */
        public boolean await(final long seconds) throws InterruptedException
        {
            final boolean finished = process.waitFor(seconds, java.util.concurrent.TimeUnit.SECONDS);
            if (!finished)
            {
                process.destroyForcibly();
                process.waitFor(10, java.util.concurrent.TimeUnit.SECONDS);
            }
            pump.join(5000);
            return finished;
        }

        /** @return its exit code (after {@link #await}). */
        public int exitValue()
        {
            return process.exitValue();
        }

        /** @return what it printed so far (stdout and stderr). */
        public String output()
        {
            synchronized (output)
            {
                return output.toString(java.nio.charset.StandardCharsets.UTF_8);
            }
        }

        /** @return its last line of output (the scripts print their JSON result last). */
        public String lastLine()
        {
            final String[] lines = output().trim().split("\n");
            return lines[lines.length - 1];
        }

        /** Kill it if it still runs. */
        public void kill()
        {
            process.destroyForcibly();
        }
    }
}
