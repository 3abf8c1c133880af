package io.quire.engine.ingress;

import org.slf4j.Logger;

/**
 * A WARN that is logged at most once per interval, with the number of occurrences it stands for: bad input from
 * the network must not be able to flood the log.
 */
final class RateLimitedLog
{
    private final Logger log;
    private final long intervalNs;
    private long nextNs;
    private long suppressed;

    RateLimitedLog(final Logger log, final long intervalNs)
    {
        this.log = log;
        this.intervalNs = intervalNs;
        this.nextNs = System.nanoTime();
    }

    void warn(final String message, final Throwable cause)
    {
        final long now = System.nanoTime();
        if (now - nextNs < 0)
        {
            suppressed++;
            return;
        }
        nextNs = now + intervalNs;
        if (suppressed > 0)
        {
            log.warn("{} ({} similar messages suppressed)", message, suppressed, cause);
        }
        else
        {
            log.warn(message, cause);
        }
        suppressed = 0;
    }

    void warn(final String message)
    {
        warn(message, null);
    }
}
