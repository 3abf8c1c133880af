package io.quire.journal.snapshot;

import java.nio.file.Path;

/**
 * A snapshot file in a {@link SnapshotStore}'s catalog, known from its name alone.
 *
 * @param path    the file.
 * @param docHash the document's routing hash, from the name.
 * @param version the document version, from the name.
 * @param size    the file size in bytes.
 */
public record SnapshotRef(Path path, long docHash, long version, long size)
{
}
