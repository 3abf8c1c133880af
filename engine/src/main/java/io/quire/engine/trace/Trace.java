package io.quire.engine.trace;

/**
 * An editing trace decoded into compact arrays (see {@code ../shared/traces/README.md}): the patches of all
 * transactions in order, each "at code point {@link #position} delete {@link #deleteCount} code points, then insert
 * the text {@link #insertStart}..+{@link #insertLength} of {@link #insertChars()}". Decoding is done once, up front,
 * so a replay measures only the edits.
 */
public final class Trace
{
    private final String name;
    private final String startContent;
    private final String endContent;
    private final int edits;
    private final int[] positions;
    private final int[] deleteCounts;
    private final int[] insertStarts;
    private final int[] insertLengths;
    private final char[] insertChars;

    Trace(
        final String name,
        final String startContent,
        final String endContent,
        final int edits,
        final int[] positions,
        final int[] deleteCounts,
        final int[] insertStarts,
        final int[] insertLengths,
        final char[] insertChars)
    {
        this.name = name;
        this.startContent = startContent;
        this.endContent = endContent;
        this.edits = edits;
        this.positions = positions;
        this.deleteCounts = deleteCounts;
        this.insertStarts = insertStarts;
        this.insertLengths = insertLengths;
        this.insertChars = insertChars;
    }

    /** @return the trace's name: its file name without {@code .json.gz}. */
    public String name()
    {
        return name;
    }

    /** @return the document before the first patch. */
    public String startContent()
    {
        return startContent;
    }

    /** @return the document after the last patch. */
    public String endContent()
    {
        return endContent;
    }

    /** @return the number of patches (over all transactions). */
    public int edits()
    {
        return edits;
    }

    /**
     * @param i patch index.
     * @return where the patch applies, in code points.
     */
    public int position(final int i)
    {
        return positions[i];
    }

    /**
     * @param i patch index.
     * @return how many code points the patch deletes.
     */
    public int deleteCount(final int i)
    {
        return deleteCounts[i];
    }

    /**
     * @param i patch index.
     * @return index in {@link #insertChars()} of the inserted text's first code unit.
     */
    public int insertStart(final int i)
    {
        return insertStarts[i];
    }

    /**
     * @param i patch index.
     * @return length of the inserted text in UTF-16 code units (0 for none).
     */
    public int insertLength(final int i)
    {
        return insertLengths[i];
    }

    /** @return all inserted texts, back to back (read only). */
    public char[] insertChars()
    {
        return insertChars;
    }
}
