package io.quire.server;

import io.quire.test.NodeTools;

import java.io.ByteArrayOutputStream;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/** Runs a node script of {@code node/} with a bounded wait; its output is printed when it fails. */
final class NodeRun
{
    private NodeRun()
    {
    }

    /**
     * @param timeoutSeconds how long the script may take.
     * @param script         script name under {@code node/}.
     * @param args           its arguments.
     * @return its output (stdout and stderr), after asserting it exited 0.
     * @throws Exception if it cannot be run.
     */
    static String run(final long timeoutSeconds, final String script, final String... args) throws Exception
    {
        final Process process = NodeTools.node(script, args).redirectErrorStream(true).start();
        final ByteArrayOutputStream output = new ByteArrayOutputStream();
        final Thread pump = new Thread(() ->
        {
            try (InputStream in = process.getInputStream())
            {
                in.transferTo(output);
            }
            catch (final java.io.IOException ignored)
            {
                // the process died; its exit code tells
            }
        });
        pump.start();
        final boolean finished = process.waitFor(timeoutSeconds, TimeUnit.SECONDS);
        if (!finished)
        {
            process.destroyForcibly();
        }
        pump.join(5000);
        final String text = output.toString(StandardCharsets.UTF_8);
        if (!finished || process.exitValue() != 0)
        {
            System.out.println("---- node " + script + " output ----\n" + text + "---- end ----");
        }
        assertThat(finished).as(script + " finished in " + timeoutSeconds + " s").isTrue();
        assertThat(process.exitValue()).as(script + " exit code; output:\n" + text).isZero();
        return text;
    }
}
