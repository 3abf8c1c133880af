package io.quire.engine.shard;

/**
 * The recent committed ops of one document, by version: a ring of reusable {@link HistoryEntry}s covering versions
 * {@code [firstVersion, firstVersion + size)}, where the last is the document's latest op.
 * <p>
 * It grows up to a configured number of ops. Beyond that the oldest entry is recycled, but only once the journal
 * has passed it: an op not yet journaled could otherwise be needed by a catch-up that can find it neither here nor
 * in the journal. Older versions are read from the journal by walking the records' {@code prevLsn} chain.
 */
public final class History
{
    private HistoryEntry[] entries;
    private int head;
    private int size;
    private long firstVersion;
    private final int maxOps;

    /**
     * @param initialCapacity entries allocated at first.
     * @param maxOps          entries kept once the journal has passed them.
     */
    public History(final int initialCapacity, final int maxOps)
    {
        this.entries = new HistoryEntry[Math.max(1, initialCapacity)];
        this.maxOps = Math.max(1, maxOps);
    }

    /** @return number of ops held. */
    public int size()
    {
        return size;
    }

    /** @return the version of the oldest op held (meaningless when empty). */
    public long firstVersion()
    {
        return firstVersion;
    }

    /** @return one past the version of the newest op held. */
    public long endVersion()
    {
        return firstVersion + size;
    }

    /**
     * @param version a version.
     * @return true if the op applied at that version is held.
     */
    public boolean contains(final long version)
    {
        return size > 0 && version >= firstVersion && version < firstVersion + size;
    }

    /**
     * @param version a version in [{@link #firstVersion()}, {@link #endVersion()}).
     * @return the entry of the op applied at that version.
     */
    public HistoryEntry get(final long version)
    {
        return entries[(head + (int)(version - firstVersion)) % entries.length];
    }

    /** @return the oldest entry (history must not be empty). */
    public HistoryEntry oldest()
    {
        return entries[head];
    }

    /**
     * Make room for the op applied at {@code version} (which must be {@link #endVersion()}, or anything when
     * empty) and return its entry for the caller to fill.
     *
     * @param version            the new op's version.
     * @param journaledSequence  the ring sequence the journal has passed; entries at or below it may be recycled.
     * @return the entry to fill.
     */
    public HistoryEntry append(final long version, final long journaledSequence)
    {
        if (size == 0)
        {
            firstVersion = version;
        }
        else if (version != firstVersion + size)
        {
            throw new IllegalStateException("history at " + endVersion() + " cannot take version " + version);
        }
        if (size >= maxOps && entries[head].ringSequence <= journaledSequence)
        {
            // Recycle the oldest entry's object as the newest (swapping with whatever spare sat in the new slot).
            final int oldSlot = head;
            head = (head + 1) % entries.length;
            firstVersion++;
            final int slot = (head + size - 1) % entries.length;
            final HistoryEntry recycled = entries[oldSlot];
            entries[oldSlot] = entries[slot];
            entries[slot] = recycled;
            return recycled;
        }
        if (size == entries.length)
        {
            grow();
        }
        final int slot = (head + size) % entries.length;
        HistoryEntry entry = entries[slot];
        if (entry == null)
        {
            entry = new HistoryEntry();
            entries[slot] = entry;
        }
        size++;
        return entry;
    }

    /**
     * Drop ops beyond the configured bound that the journal has passed (called when memory is tight).
     *
     * @param journaledSequence the ring sequence the journal has passed.
     */
    public void trim(final long journaledSequence)
    {
        while (size > maxOps && entries[head].ringSequence <= journaledSequence)
        {
            head = (head + 1) % entries.length;
            firstVersion++;
            size--;
        }
    }

    /** Forget everything (the document was unloaded). */
    public void clear()
    {
        head = 0;
        size = 0;
    }

    /** @return a rough count of heap bytes held. */
    public long estimatedBytes()
    {
        long bytes = 16L + entries.length * 8L;
        for (final HistoryEntry entry : entries)
        {
            if (entry != null)
            {
                bytes += entry.estimatedBytes();
            }
        }
        return bytes;
    }

    private void grow()
    {
        final HistoryEntry[] bigger = new HistoryEntry[entries.length * 2];
        for (int i = 0; i < size; i++)
        {
            bigger[i] = entries[(head + i) % entries.length];
        }
        entries = bigger;
        head = 0;
    }
}
