package io.quire.edge;

import java.util.concurrent.ConcurrentHashMap;

/**
 * Per-principal op rate limits across all of a user's connections on this edge (each connection also has its own):
 * one token bucket per authenticated principal, kept while the user has a connection open. Anonymous sessions
 * (principal {@code ""}) are not limited here, since all of them share that principal. Thread-safe: sessions of one
 * user may be served by different IO threads.
 */
final class UserRateLimits
{
    private static final class Entry
    {
        final TokenBucket bucket;
        int sessions;

        Entry(final TokenBucket bucket)
        {
            this.bucket = bucket;
        }
    }

    private final ConcurrentHashMap<String, Entry> users = new ConcurrentHashMap<>();
    private final int rate;
    private final int burst;

    /**
     * @param rate  ops per second per user, sustained.
     * @param burst ops a user may send at once.
     */
    UserRateLimits(final int rate, final int burst)
    {
        this.rate = rate;
        this.burst = burst;
    }

    /** @param principal a session of this user opened. */
    void opened(final String principal)
    {
        if (!principal.isEmpty())
        {
            users.compute(principal, (p, e) ->
            {
                final Entry entry = e != null ? e : new Entry(new TokenBucket(rate, burst, System.nanoTime()));
                entry.sessions++;
                return entry;
            });
        }
    }

    /** @param principal a session of this user closed. */
    void closed(final String principal)
    {
        if (!principal.isEmpty())
        {
            users.computeIfPresent(principal, (p, e) -> --e.sessions <= 0 ? null : e);
        }
    }

    /**
     * @param principal the user.
     * @param nowNs     current time.
     * @return true if the user may send one more op now.
     */
    boolean tryTake(final String principal, final long nowNs)
    {
        if (principal.isEmpty())
        {
            return true;
        }
        final Entry entry = users.get(principal);
        if (entry == null)
        {
            return true;
        }
        synchronized (entry)
        {
            return entry.bucket.tryTake(nowNs);
        }
    }

    /** @return users with an open connection (for metrics and tests). */
    int size()
    {
        return users.size();
    }
}
