package io.quire.codec;

/**
 * Values with a fixed meaning on the wire and in storage, named once.
 */
public final class CodecConstants
{
    /** Schema id of {@code quire-protocol.xml} (edge and engine over Aeron). */
    public static final int PROTOCOL_SCHEMA_ID = io.quire.codec.protocol.MessageHeaderDecoder.SCHEMA_ID;
    /** Schema id of {@code quire-journal.xml} (journal records and snapshot headers). */
    public static final int JOURNAL_SCHEMA_ID = io.quire.codec.journal.MessageHeaderDecoder.SCHEMA_ID;
    /** ShareDB's null version ({@code v: null}): "no version", e.g. a create by a client that never fetched. */
    public static final long NULL_VERSION = -1;
    /** No LSN (a document's first record has {@code prevLsn} = NULL_LSN). */
    public static final long NULL_LSN = -1;
    /** No timestamp. */
    public static final long NULL_TIMESTAMP = -1;
    /** {@code targetEdgeId} meaning every edge. */
    public static final long EVERY_EDGE = 0;
    /** {@code targetSessionId} meaning every subscribed session of the edge. */
    public static final long EVERY_SESSION = 0;
    /** The name of the only document type Quire serves. */
    public static final String TEXT_UNICODE_NAME = "text-unicode";
    /** Its URI, which snapshots and broadcasts carry. */
    public static final String TEXT_UNICODE_URI = "http://sharejs.org/types/text-unicode";

    private CodecConstants()
    {
    }
}
