package io.quire.engine.shard;

/**
 * Where a shard's documents live when they are not in memory: snapshots plus the journal. The store calls it on the
 * shard thread (cold path).
 */
public interface DocumentPersistence
{
    /**
     * A document the shard has no shell for was asked for: fill the shell from durable state if it exists
     * (version, existence, create info, last LSN, snapshot version). Leave it untouched for a new document.
     *
     * @param shell a fresh shell at version 0.
     */
    void find(Document shell);

    /**
     * Bring a known document's content into memory: set {@code text} to its text at {@code version} and
     * {@code history} to an empty (or partly filled) history. Must verify what it loads against checksums.
     *
     * @param document the shell.
     */
    void load(Document document);

    /**
     * Load the text of the newest snapshot at or before a past version, to rebuild that version from (cold path).
     *
     * @param document the document.
     * @param version  the version wanted.
     * @param out      receives the snapshot's text (left empty when there is none).
     * @return the snapshot's version, or 0 when there is none (rebuild from the start).
     */
    long loadAtOrBefore(Document document, long version, io.quire.engine.ot.Rope out);

    /**
     * Make the document's current content durable (a snapshot) so it can be unloaded.
     *
     * @param document a loaded document whose ops are all journaled.
     */
    void save(Document document);

    /**
     * A periodic snapshot, which may be written in the background: whatever is needed is taken from the document
     * now (on the shard thread), the file is written later. The document's {@code snapshotVersion} is set at once.
     *
     * @param document a loaded document whose ops are all journaled.
     * @return false if it cannot be taken now (the background writer is full): try again later.
     */
    default boolean saveInBackground(final Document document)
    {
        save(document);
        return true;
    }

    /**
     * The snapshot of a document about to be unloaded, which may be written in the background: like
     * {@link #saveInBackground}, except that the writer may keep the document's text itself instead of a copy, so the
     * caller must drop the text and never touch it again once this returns true.
     *
     * @param document a loaded document whose ops are all journaled, about to be unloaded.
     * @return false if it cannot be taken now (the background writer is full).
     */
    default boolean saveForUnload(final Document document)
    {
        return saveInBackground(document);
    }
}
