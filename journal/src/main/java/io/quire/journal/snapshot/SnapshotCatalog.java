package io.quire.journal.snapshot;

import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.NavigableMap;
import java.util.TreeMap;

/**
 * The in-memory index of a snapshot directory: document hash, then version, then collision slot. Built from file
 * names; identities (collection, document id) and damage are filled in as headers get read. Not thread safe: the
 * {@link SnapshotStore} guards it.
 */
final class SnapshotCatalog
{
    private final Map<Long, NavigableMap<Long, List<Entry>>> byHash = new HashMap<>();
    private int size;

    /** @return the number of snapshots. */
    int size()
    {
        return size;
    }

    /**
     * Add an entry, replacing the one with the same hash, version and slot.
     *
     * @param entry the entry.
     */
    void put(final Entry entry)
    {
        final List<Entry> slots = byHash.computeIfAbsent(entry.docHash, h -> new TreeMap<>())
            .computeIfAbsent(entry.version, v -> new ArrayList<>(1));
        for (int i = 0; i < slots.size(); i++)
        {
            final Entry existing = slots.get(i);
            if (existing.slot == entry.slot)
            {
                slots.set(i, entry);
                return;
            }
            if (existing.slot > entry.slot)
            {
                slots.add(i, entry);
                size++;
                return;
            }
        }
        slots.add(entry);
        size++;
    }

    /**
     * @param entry an entry to remove; nothing happens if it is no longer there.
     */
    void remove(final Entry entry)
    {
        final NavigableMap<Long, List<Entry>> versions = byHash.get(entry.docHash);
        if (versions == null)
        {
            return;
        }
        final List<Entry> slots = versions.get(entry.version);
        if (slots != null && slots.remove(entry))
        {
            size--;
            if (slots.isEmpty())
            {
                versions.remove(entry.version);
                if (versions.isEmpty())
                {
                    byHash.remove(entry.docHash);
                }
            }
        }
    }

    /**
     * @return the entry of that name, or null.
     */
    Entry find(final long docHash, final long version, final int slot)
    {
        for (final Entry entry : at(docHash, version))
        {
            if (entry.slot == slot)
            {
                return entry;
            }
        }
        return null;
    }

    /** @return the entries of a hash at a version, by slot. */
    List<Entry> at(final long docHash, final long version)
    {
        final NavigableMap<Long, List<Entry>> versions = byHash.get(docHash);
        final List<Entry> slots = versions == null ? null : versions.get(version);
        return slots == null ? List.of() : List.copyOf(slots);
    }

    /**
     * @param downwards whether to look at and below {@code version} (else at and above).
     * @return the version of a hash nearest {@code version} on that side that has entries, or null: with {@link #at},
     *         a walk from there that stops at the first match without copying every entry beyond it.
     */
    Long nextVersion(final long docHash, final long version, final boolean downwards)
    {
        final NavigableMap<Long, List<Entry>> versions = byHash.get(docHash);
        if (versions == null)
        {
            return null;
        }
        return downwards ? versions.floorKey(version) : versions.ceilingKey(version);
    }

    /** @return the entries of a hash with a version at most {@code version}, newest first, then by slot. */
    List<Entry> atOrBefore(final long docHash, final long version)
    {
        final NavigableMap<Long, List<Entry>> versions = byHash.get(docHash);
        return versions == null ? List.of() : flatten(versions.headMap(version, true).descendingMap().values());
    }

    /** @return the entries of a hash with a version at least {@code version}, oldest first, then by slot. */
    List<Entry> atOrAfter(final long docHash, final long version)
    {
        final NavigableMap<Long, List<Entry>> versions = byHash.get(docHash);
        return versions == null ? List.of() : flatten(versions.tailMap(version, true).values());
    }

    /** @return every entry, in file name order: hash (unsigned), version, slot. */
    List<Entry> all()
    {
        final List<Long> hashes = new ArrayList<>(byHash.keySet());
        hashes.sort(Long::compareUnsigned);
        final List<Entry> out = new ArrayList<>(size);
        for (final Long hash : hashes)
        {
            out.addAll(atOrAfter(hash, Long.MIN_VALUE));
        }
        return out;
    }

    private static List<Entry> flatten(final Collection<List<Entry>> slotLists)
    {
        final List<Entry> out = new ArrayList<>();
        for (final List<Entry> slots : slotLists)
        {
            out.addAll(slots);
        }
        return out;
    }

    /** One snapshot file. Identity and damage are learnt lazily and only change under the store's lock. */
    static final class Entry
    {
        final long docHash;
        final long version;
        final int slot;
        final long size;
        String collection;
        String docId;
        SnapshotCorruptedException damage;

        Entry(final long docHash, final long version, final int slot, final long size)
        {
            this.docHash = docHash;
            this.version = version;
            this.slot = slot;
            this.size = size;
        }

        boolean identityKnown()
        {
            return collection != null;
        }

        boolean isOf(final String otherCollection, final String otherDocId)
        {
            return collection.equals(otherCollection) && docId.equals(otherDocId);
        }
    }
}
