package io.quire.edge;

import java.util.Arrays;
import java.util.Collection;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The edge's sessions by id, and who on this edge listens to each document and presence channel. Fan-out sets are
 * immutable arrays swapped atomically ({@link ConcurrentHashMap#compute}), so the reply agent iterates them without
 * locks while IO threads add and remove members.
 */
final class SessionRegistry
{
    private static final EdgeSession[] NONE = new EdgeSession[0];

    private final ConcurrentHashMap<Long, EdgeSession> sessions = new ConcurrentHashMap<>();
    private final ConcurrentHashMap<DocKey, EdgeSession[]> docs = new ConcurrentHashMap<>();
    private final ConcurrentHashMap<String, EdgeSession[]> channels = new ConcurrentHashMap<>();
    private final AtomicLong nextSessionId = new AtomicLong();
    private final AtomicLong nextRequestId = new AtomicLong();
    private final AtomicLong docSubscriptions = new AtomicLong();

    /** @return a new session id (never 0). */
    long nextSessionId()
    {
        return nextSessionId.incrementAndGet();
    }

    /** @return a new request id (never 0: 0 marks requests whose replies are ignored). */
    long nextRequestId()
    {
        return nextRequestId.incrementAndGet();
    }

    void add(final EdgeSession session)
    {
        sessions.put(session.id, session);
    }

    void remove(final EdgeSession session)
    {
        sessions.remove(session.id, session);
    }

    EdgeSession session(final long id)
    {
        return sessions.get(id);
    }

    Collection<EdgeSession> sessions()
    {
        return sessions.values();
    }

    /** @return open sessions (closed ones waiting for replies excluded). */
    int openCount()
    {
        int n = 0;
        for (final EdgeSession s : sessions.values())
        {
            if (!s.isClosed())
            {
                n++;
            }
        }
        return n;
    }

    /** @return document subscriptions held by all sessions. */
    long docSubscriptions()
    {
        return docSubscriptions.get();
    }

    EdgeSession[] docMembers(final DocKey doc)
    {
        final EdgeSession[] members = docs.get(doc);
        return members == null ? NONE : members;
    }

    EdgeSession[] channelMembers(final String channel)
    {
        final EdgeSession[] members = channels.get(channel);
        return members == null ? NONE : members;
    }

    void addDocMember(final DocKey doc, final EdgeSession session)
    {
        docs.compute(doc, (k, members) -> with(members, session));
        docSubscriptions.incrementAndGet();
    }

    void removeDocMember(final DocKey doc, final EdgeSession session)
    {
        docs.compute(doc, (k, members) -> without(members, session));
        docSubscriptions.decrementAndGet();
    }

    void addChannelMember(final String channel, final EdgeSession session)
    {
        channels.compute(channel, (k, members) -> with(members, session));
    }

    void removeChannelMember(final String channel, final EdgeSession session)
    {
        channels.compute(channel, (k, members) -> without(members, session));
    }

    private static EdgeSession[] with(final EdgeSession[] members, final EdgeSession session)
    {
        if (members == null)
        {
            return new EdgeSession[] {session};
        }
        for (final EdgeSession m : members)
        {
            if (m == session)
            {
                return members;
            }
        }
        final EdgeSession[] grown = Arrays.copyOf(members, members.length + 1);
        grown[members.length] = session;
        return grown;
    }

    private static EdgeSession[] without(final EdgeSession[] members, final EdgeSession session)
    {
        if (members == null)
        {
            return null;
        }
        for (int i = 0; i < members.length; i++)
        {
            if (members[i] == session)
            {
                if (members.length == 1)
                {
                    return null;
                }
                final EdgeSession[] shrunk = new EdgeSession[members.length - 1];
                System.arraycopy(members, 0, shrunk, 0, i);
                System.arraycopy(members, i + 1, shrunk, i, members.length - i - 1);
                return shrunk;
            }
        }
        return members;
    }
}
