package io.quire.perf.ws;

import org.HdrHistogram.Histogram;

/**
 * What one scenario measured against one server.
 *
 * @param system        the server's label ({@code quire}, {@code sharedb}).
 * @param scenario      the load.
 * @param seconds       the measured interval.
 * @param ackedOps      local edits acknowledged inside the measured interval.
 * @param ack           submit (planned) → ack latency of edits planned inside the interval, ns.
 * @param visible       submit (planned) → applied at another client of the document, ns (empty with one client).
 * @param gaps          ops that arrived ahead of a client's version (each cost a fetch).
 * @param converged     every client's text equalled a fresh fetch of its document at the end.
 * @param note          what did not converge, or empty.
 * @param clientCpuUs   the load generator's CPU time per acknowledged edit over the interval, µs (NaN: unknown).
 * @param serverCpuUs   the server process's CPU time per acknowledged edit over the interval, µs (NaN: unknown).
 */
public record LoadResult(String system, Scenario scenario, double seconds, long ackedOps, Histogram ack,
    Histogram visible, long gaps, boolean converged, String note, double clientCpuUs, double serverCpuUs)
{
    /** @return acknowledged edits per second. */
    public double opsPerSecond()
    {
        return ackedOps / seconds;
    }
}
