package io.quire.engine.lease;

import java.io.IOException;
import java.io.StringReader;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.Properties;

/**
 * What a group's primary publishes in ZooKeeper (its ephemeral {@code primary} node) once it accepts commands: who
 * it is, its epoch, where edges send commands and where replicas follow it. Stored as properties text, readable with
 * {@code zkCli.sh get}.
 *
 * @param nodeId             engine node id.
 * @param epoch              the epoch it is primary in.
 * @param ingress            its ingress channel (edges).
 * @param ingressStream      ingress stream id.
 * @param replication        its replication channel (replicas).
 * @param replicationStream  replication stream id.
 * @param pid                its operating-system process id.
 * @param admin              its admin endpoint ({@code host:port}), or "" if it has none.
 */
public record PrimaryInfo(
    int nodeId, long epoch, String ingress, int ingressStream, String replication, int replicationStream, long pid,
    String admin)
{
    /** @return the node's bytes. */
    public byte[] encode()
    {
        final Properties p = new Properties();
        p.setProperty("node-id", Integer.toString(nodeId));
        p.setProperty("epoch", Long.toString(epoch));
        p.setProperty("ingress", ingress);
        p.setProperty("ingress.stream", Integer.toString(ingressStream));
        p.setProperty("replication", replication);
        p.setProperty("replication.stream", Integer.toString(replicationStream));
        p.setProperty("pid", Long.toString(pid));
        p.setProperty("admin", admin);
        final StringWriter out = new StringWriter();
        try
        {
            p.store(out, null);
        }
        catch (final IOException ex)
        {
            throw new UncheckedIOException(ex);
        }
        return out.toString().getBytes(StandardCharsets.UTF_8);
    }

    /**
     * @param data a primary node's bytes.
     * @return the descriptor.
     * @throws IllegalArgumentException if a field is missing or malformed.
     */
    public static PrimaryInfo decode(final byte[] data)
    {
        final Properties p = new Properties();
        try
        {
            p.load(new StringReader(new String(data, StandardCharsets.UTF_8)));
            return new PrimaryInfo(
                Integer.parseInt(required(p, "node-id")),
                Long.parseLong(required(p, "epoch")),
                required(p, "ingress"),
                Integer.parseInt(required(p, "ingress.stream")),
                required(p, "replication"),
                Integer.parseInt(required(p, "replication.stream")),
                Long.parseLong(required(p, "pid")),
                p.getProperty("admin", ""));
        }
        catch (final IOException | NumberFormatException ex)
        {
            throw new IllegalArgumentException("malformed primary descriptor: " + ex.getMessage(), ex);
        }
    }

    private static String required(final Properties p, final String key)
    {
        final String value = p.getProperty(key);
        if (value == null)
        {
            throw new IllegalArgumentException("malformed primary descriptor: no " + key);
        }
        return value;
    }
}
