package io.quire.edge;

import com.fasterxml.jackson.databind.node.ObjectNode;

/**
 * A request sent to an engine and not yet answered, keyed in its session by the SBE requestId. It keeps the
 * original JSON so the reply, or the error echo, can be built from it.
 */
final class Pending
{
    /** What the request was. */
    enum Kind
    {
        /** ShareDB op (create, edit, delete). */
        SUBMIT,
        /** ShareDB f. */
        FETCH,
        /** ShareDB s. */
        SUBSCRIBE,
        /** One document of a bf / bs. */
        BULK_PART,
        /** ShareDB nf or nt. */
        SNAPSHOT_AT,
        /** ShareDB ps. */
        PRESENCE_SUBSCRIBE,
        /** ShareDB p. */
        PRESENCE,
        /**
         * A failover's silent re-subscription of a subscribed document from the version its client has: the catch-up
         * ops reach the client as ordinary op messages, the reply goes nowhere. {@link #request} is null.
         */
        RESUBSCRIBE
    }

    final Kind kind;
    final long requestId;
    final ObjectNode request;
    final long receivedNs;
    /** When the request was last handed to Aeron (System.nanoTime()), 0 while not sent (held, refused). */
    long sentNs;
    final int engine;
    final DocKey doc;
    /** This Subscribe adds the session to the engine's subscriber count (a first s, or a bs part). */
    final boolean counted;
    /** The client unsubscribed while this counted Subscribe was in flight: undo it once it succeeds. */
    boolean unsubscribeOnSuccess;
    /** The bulk request this is part of, or null. */
    BulkRequest bulk;
    /** The document id within the bulk request. */
    String bulkId;
    /** Snapshot text assembled from DocSnapshot chunks. */
    StringBuilder text;

    Pending(
        final Kind kind, final long requestId, final ObjectNode request, final long receivedNs, final int engine,
        final DocKey doc, final boolean counted)
    {
        this.kind = kind;
        this.requestId = requestId;
        this.request = request;
        this.receivedNs = receivedNs;
        this.engine = engine;
        this.doc = doc;
        this.counted = counted;
    }
}
