package io.quire.journal.snapshot;

import java.util.Objects;

/**
 * What a snapshot says about its document besides the text: identity, version, position in the journal and the
 * create that made the current incarnation. Written into the file's {@code SnapshotHeader}.
 *
 * @param shardId         shard of the document, 0..65535.
 * @param docHash         {@code ShardRouter.docHash(collection, docId)}.
 * @param collection      ShareDB collection ({@code c}).
 * @param docId           ShareDB document id ({@code d}).
 * @param version         document version: the number of ops applied.
 * @param lsn             LSN of the document's last journal record the snapshot covers, -1 if none.
 * @param epoch           epoch when it was taken.
 * @param checksum        the engine's checksum of the text; stored, never computed here.
 * @param docType         type URI, or null for ShareDB's type null (deleted or never created); never empty.
 * @param createVersion   version of the CREATE that made the current incarnation, -1 if none.
 * @param createSource    ShareDB src of that CREATE, empty if none.
 * @param createSeq       ShareDB seq of that CREATE, 0 if none.
 * @param timestampNs     wall clock when taken, nanoseconds since the Unix epoch.
 * @param utf16Length     length of the text in UTF-16 code units.
 * @param codePointLength length of the text in code points.
 */
public record SnapshotMeta(
    int shardId,
    long docHash,
    String collection,
    String docId,
    long version,
    long lsn,
    long epoch,
    long checksum,
    String docType,
    long createVersion,
    String createSource,
    long createSeq,
    long timestampNs,
    long utf16Length,
    long codePointLength)
{
    /**
     * Checks what the file format cannot hold.
     *
     * @throws IllegalArgumentException if a value is out of range.
     * @throws NullPointerException     if collection, docId or createSource is null.
     */
    public SnapshotMeta
    {
        Objects.requireNonNull(collection, "collection");
        Objects.requireNonNull(docId, "docId");
        Objects.requireNonNull(createSource, "createSource");
        if (shardId < 0 || shardId > 0xFFFF)
        {
            throw new IllegalArgumentException("shardId " + shardId + " outside [0, 65535]");
        }
        if (version < 0)
        {
            throw new IllegalArgumentException("version " + version + " is negative");
        }
        if (lsn < -1 || createVersion < -1)
        {
            throw new IllegalArgumentException("lsn " + lsn + " and createVersion " + createVersion + " must be >= -1");
        }
        if (docType != null && docType.isEmpty())
        {
            throw new IllegalArgumentException("docType is empty: use null for type null");
        }
        if (utf16Length < 0 || codePointLength < 0 || codePointLength > utf16Length || utf16Length > 2 * codePointLength)
        {
            throw new IllegalArgumentException(
                "utf16Length " + utf16Length + " and codePointLength " + codePointLength + " are inconsistent");
        }
    }

    /**
     * @param otherCollection a collection.
     * @param otherDocId      a document id.
     * @return true if this is a snapshot of that document.
     */
    public boolean isOf(final String otherCollection, final String otherDocId)
    {
        return collection.equals(otherCollection) && docId.equals(otherDocId);
    }
}
