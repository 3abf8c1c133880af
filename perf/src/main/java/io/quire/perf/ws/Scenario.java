package io.quire.perf.ws;

import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * One load shape: {@code MODE:DOCSxCLIENTS[@RATE]}.
 * <ul>
 *   <li>{@code closed:200x1}: closed loop, each client sends its next edit as soon as the last is acknowledged
 *       (maximum throughput);</li>
 *   <li>{@code open:1x20@25}: open loop, each client plans 25 edits per second at fixed times, whatever the server
 *       does; latency counts from the planned time, so a stall shows as latency, not as fewer samples;</li>
 *   <li>{@code trace:4x3@10}: one client per document types the trace (positions as recorded) at 10 edits per
 *       second, the other clients of the document watch; latency from the planned time.</li>
 * </ul>
 *
 * @param mode           the mode.
 * @param docs           documents.
 * @param clientsPerDoc  clients (connections) per document.
 * @param ratePerClient  edits per second per typing client (open and trace), 0 for closed.
 */
public record Scenario(Mode mode, int docs, int clientsPerDoc, double ratePerClient)
{
    /** How edits are paced. */
    public enum Mode
    {
        /** Next edit when the last is acked. */
        CLOSED,
        /** Edits at fixed planned times. */
        OPEN,
        /** A trace typed at fixed planned times by one client per document. */
        TRACE
    }

    private static final Pattern SPEC = Pattern.compile("(closed|open|trace):(\\d+)x(\\d+)(?:@([0-9.]+))?");

    /**
     * @param spec {@code MODE:DOCSxCLIENTS[@RATE]}.
     * @return the scenario.
     * @throws IllegalArgumentException if the spec is malformed.
     */
    public static Scenario parse(final String spec)
    {
        final Matcher m = SPEC.matcher(spec.trim().toLowerCase(Locale.ROOT));
        if (!m.matches())
        {
            throw new IllegalArgumentException("scenario '" + spec + "': expected closed:DOCSxCLIENTS, " +
                "open:DOCSxCLIENTS@RATE or trace:DOCSxCLIENTS@RATE");
        }
        final Mode mode = Mode.valueOf(m.group(1).toUpperCase(Locale.ROOT));
        final int docs = Integer.parseInt(m.group(2));
        final int clients = Integer.parseInt(m.group(3));
        final double rate = m.group(4) == null ? 0 : Double.parseDouble(m.group(4));
        if (docs < 1 || clients < 1 || mode != Mode.CLOSED && rate <= 0)
        {
            throw new IllegalArgumentException("scenario '" + spec + "': docs and clients must be >= 1" +
                (mode == Mode.CLOSED ? "" : " and open/trace need @RATE (edits per second per client) > 0"));
        }
        return new Scenario(mode, docs, clients, rate);
    }

    /** @return the typing clients (every client, or one per document in trace mode). */
    public int typists()
    {
        return mode == Mode.TRACE ? docs : docs * clientsPerDoc;
    }

    @Override
    public String toString()
    {
        final String rate = ratePerClient == (long)ratePerClient ? Long.toString((long)ratePerClient) :
            Double.toString(ratePerClient);
        return mode.name().toLowerCase(Locale.ROOT) + ":" + docs + "x" + clientsPerDoc +
            (mode == Mode.CLOSED ? "" : "@" + rate);
    }
}
