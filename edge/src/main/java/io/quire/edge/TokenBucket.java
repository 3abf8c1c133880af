package io.quire.edge;

/**
 * A token bucket: {@code rate} tokens per second, at most {@code burst} saved up. Not thread-safe; a session's bucket
 * is only touched by that session's IO thread.
 */
final class TokenBucket
{
    private final double ratePerNs;
    private final double burst;
    private double tokens;
    private long lastNs;

    /**
     * @param ratePerSecond sustained rate.
     * @param burst         bucket size.
     * @param nowNs         current time (System.nanoTime).
     */
    TokenBucket(final int ratePerSecond, final int burst, final long nowNs)
    {
        this.ratePerNs = ratePerSecond / 1e9;
        this.burst = burst;
        this.tokens = burst;
        this.lastNs = nowNs;
    }

    /**
     * @param nowNs current time.
     * @return true if a token was taken, false if the bucket is empty.
     */
    boolean tryTake(final long nowNs)
    {
        final long elapsed = nowNs - lastNs;
        if (elapsed > 0)
        {
            tokens = Math.min(burst, tokens + elapsed * ratePerNs);
            lastNs = nowNs;
        }
        if (tokens >= 1)
        {
            tokens -= 1;
            return true;
        }
        return false;
    }
}
