package io.quire.journal.snapshot;

import io.quire.codec.journal.AclRole;

import java.util.List;
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
 * @param acl             the document's roles when the snapshot was taken (users with a role other than NONE, in
 *                        the order they were first granted); empty for a document nobody owns and for snapshots of
 *                        journal schema version 1.
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
    long codePointLength,
    List<AclEntry> acl)
{
    /**
     * One user's role on the document.
     *
     * @param user the principal.
     * @param role VIEWER, EDITOR or OWNER.
     */
    public record AclEntry(String user, AclRole role)
    {
        /** Checks the entry. */
        public AclEntry
        {
            Objects.requireNonNull(user, "user");
            if (role != AclRole.VIEWER && role != AclRole.EDITOR && role != AclRole.OWNER)
            {
                throw new IllegalArgumentException("ACL role " + role + " of " + user + " is not VIEWER, EDITOR or OWNER");
            }
        }
    }

    /**
     * A snapshot without ACL entries (see the canonical constructor for the parameters).
     *
     * @param shardId         shard.
     * @param docHash         document hash.
     * @param collection      collection.
     * @param docId           document id.
     * @param version         version.
     * @param lsn             last LSN covered.
     * @param epoch           epoch.
     * @param checksum        text checksum.
     * @param docType         type URI or null.
     * @param createVersion   create version or -1.
     * @param createSource    create src.
     * @param createSeq       create seq.
     * @param timestampNs     when taken.
     * @param utf16Length     UTF-16 length.
     * @param codePointLength code point length.
     */
    public SnapshotMeta(
        final int shardId, final long docHash, final String collection, final String docId, final long version,
        final long lsn, final long epoch, final long checksum, final String docType, final long createVersion,
        final String createSource, final long createSeq, final long timestampNs, final long utf16Length,
        final long codePointLength)
    {
        this(shardId, docHash, collection, docId, version, lsn, epoch, checksum, docType, createVersion, createSource,
            createSeq, timestampNs, utf16Length, codePointLength, List.of());
    }

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
        acl = List.copyOf(Objects.requireNonNull(acl, "acl"));
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
