package io.quire.journal.snapshot;

/**
 * What a {@link SnapshotStore} lookup does with a candidate snapshot it finds damaged: one whose header cannot be
 * read, or that an earlier {@link SnapshotStore#load} found damaged.
 */
public enum CorruptSnapshotPolicy
{
    /** Throw {@link SnapshotCorruptedException}: the damaged file may be the document's, an operator should look. */
    FAIL,

    /**
     * Pass over it and go on with older (or, for {@code earliestAtOrAfter}, newer) snapshots: recovery then starts
     * from an older snapshot and replays more of the journal.
     */
    SKIP
}
