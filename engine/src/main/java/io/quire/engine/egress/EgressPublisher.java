package io.quire.engine.egress;

import io.aeron.Publication;
import io.quire.engine.ring.EgressSink;
import org.agrona.DirectBuffer;
import org.agrona.concurrent.status.AtomicCounter;

import java.util.concurrent.locks.LockSupport;

/**
 * The engine's {@link EgressSink}: hands each outbound message to the destination edge's publication. Called
 * concurrently by every shard's egress stage (the publications are Aeron concurrent publications, and the directory
 * lookup is a volatile read); allocates nothing.
 * <p>
 * Back-pressure ({@link Publication#BACK_PRESSURED}) and {@link Publication#ADMIN_ACTION} are retried for at most
 * the configured retry time, yielding and then parking between tries, so a slow edge delays its shard's egress by a
 * bounded amount and never forever. {@link Publication#NOT_CONNECTED}, {@link Publication#CLOSED} and
 * {@link Publication#MAX_POSITION_EXCEEDED} fail at once. Every failure is counted by kind.
 */
public final class EgressPublisher implements EgressSink
{
    private static final int YIELDS_BEFORE_PARK = 16;
    private static final long PARK_NS = 20_000;

    private final EdgeDirectory directory;
    private final long retryNs;
    private final AtomicCounter unknownEdge;
    private final AtomicCounter notConnected;
    private final AtomicCounter backPressureDrops;
    private final AtomicCounter backPressureRetries;
    private final AtomicCounter closed;
    private final Runnable waker;

    /**
     * @param directory           the edges and their publications.
     * @param retryNs             how long to retry on back-pressure.
     * @param unknownEdge         counts messages for edges the directory does not know.
     * @param notConnected        counts messages refused because the edge's subscription is gone.
     * @param backPressureDrops   counts messages given up on after retrying for {@code retryNs}.
     * @param backPressureRetries counts retries on back-pressure or admin action.
     * @param closed              counts messages refused by a closed or full publication.
     * @param waker               run after each message handed to the transport (wakes an edge in this JVM).
     */
    public EgressPublisher(
        final EdgeDirectory directory,
        final long retryNs,
        final AtomicCounter unknownEdge,
        final AtomicCounter notConnected,
        final AtomicCounter backPressureDrops,
        final AtomicCounter backPressureRetries,
        final AtomicCounter closed,
        final Runnable waker)
    {
        this.waker = waker;
        this.directory = directory;
        this.retryNs = retryNs;
        this.unknownEdge = unknownEdge;
        this.notConnected = notConnected;
        this.backPressureDrops = backPressureDrops;
        this.backPressureRetries = backPressureRetries;
        this.closed = closed;
    }

    @Override
    public boolean send(final int edgeId, final DirectBuffer buffer, final int offset, final int length)
    {
        final Publication publication = directory.publication(edgeId);
        if (publication == null)
        {
            unknownEdge.increment();
            return false;
        }
        if (offer(publication, buffer, offset, length, retryNs, notConnected, backPressureDrops,
            backPressureRetries, closed))
        {
            waker.run();
            return true;
        }
        return false;
    }

    /**
     * Offer with bounded retries. The counters are written with atomic increments because several shard threads may
     * fail at once.
     *
     * @param publication         destination.
     * @param buffer              message buffer.
     * @param offset              message start.
     * @param length              message length.
     * @param retryNs             how long to retry back-pressure.
     * @param notConnected        counts {@link Publication#NOT_CONNECTED}.
     * @param backPressureDrops   counts give-ups after retrying.
     * @param backPressureRetries counts retries.
     * @param closed              counts {@link Publication#CLOSED} and {@link Publication#MAX_POSITION_EXCEEDED}.
     * @return true if the publication took the message.
     */
    public static boolean offer(
        final Publication publication,
        final DirectBuffer buffer,
        final int offset,
        final int length,
        final long retryNs,
        final AtomicCounter notConnected,
        final AtomicCounter backPressureDrops,
        final AtomicCounter backPressureRetries,
        final AtomicCounter closed)
    {
        long deadline = 0;
        int tries = 0;
        while (true)
        {
            final long result = publication.offer(buffer, offset, length);
            if (result > 0)
            {
                return true;
            }
            if (result == Publication.NOT_CONNECTED)
            {
                notConnected.increment();
                return false;
            }
            if (result == Publication.CLOSED || result == Publication.MAX_POSITION_EXCEEDED)
            {
                closed.increment();
                return false;
            }
            final long now = System.nanoTime();
            if (deadline == 0)
            {
                deadline = now + retryNs;
            }
            else if (now - deadline >= 0)
            {
                backPressureDrops.increment();
                return false;
            }
            backPressureRetries.increment();
            if (++tries <= YIELDS_BEFORE_PARK)
            {
                Thread.yield();
            }
            else
            {
                LockSupport.parkNanos(PARK_NS);
            }
        }
    }
}
