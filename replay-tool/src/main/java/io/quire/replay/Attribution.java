package io.quire.replay;

import io.quire.engine.ot.TextOp;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Who wrote each part of a text: a list of runs (code point length, version, author) covering it, transformed by
 * every op exactly as the text is: a retain keeps runs, an insert adds a run for its op, a delete removes code points.
 * Adjacent runs of the same version and author are merged.
 */
public final class Attribution
{
    private final List<String> authors = new ArrayList<>();
    private final Map<String, Integer> authorIds = new HashMap<>();
    private int[] lengths = new int[64];
    private long[] versions = new long[64];
    private int[] authorOf = new int[64];
    private int size;
    private int[] nextLengths = new int[64];
    private long[] nextVersions = new long[64];
    private int[] nextAuthors = new int[64];
    private int nextSize;

    /** @return the number of runs. */
    public int size()
    {
        return size;
    }

    /**
     * @param i run index.
     * @return its length in code points.
     */
    public int length(final int i)
    {
        return lengths[i];
    }

    /**
     * @param i run index.
     * @return the version of the op that inserted it.
     */
    public long version(final int i)
    {
        return versions[i];
    }

    /**
     * @param i run index.
     * @return its author.
     */
    public String author(final int i)
    {
        return authors.get(authorOf[i]);
    }

    /** @return total code points covered. */
    public long totalLength()
    {
        long n = 0;
        for (int i = 0; i < size; i++)
        {
            n += lengths[i];
        }
        return n;
    }

    /**
     * A create (or a snapshot-less start): the whole text written by one op.
     *
     * @param length  code points of the initial text.
     * @param version the create's version.
     * @param author  its author.
     */
    public void reset(final int length, final long version, final String author)
    {
        size = 0;
        if (length > 0)
        {
            lengths[0] = length;
            versions[0] = version;
            authorOf[0] = id(author);
            size = 1;
        }
    }

    /** A delete: no text. */
    public void clear()
    {
        size = 0;
    }

    /**
     * Transform the runs by an edit.
     *
     * @param op      the op as journaled (already transformed).
     * @param version its version.
     * @param author  its author.
     * @throws IllegalArgumentException if the op does not fit the runs.
     */
    public void apply(final TextOp op, final long version, final String author)
    {
        final int who = id(author);
        nextSize = 0;
        int run = 0;
        int used = 0;
        for (int c = 0; c < op.size(); c++)
        {
            int n = op.length(c);
            switch (op.kind(c))
            {
                case TextOp.INSERT:
                    append(n, version, who);
                    break;
                case TextOp.SKIP:
                case TextOp.DELETE:
                    final boolean keep = op.kind(c) == TextOp.SKIP;
                    while (n > 0)
                    {
                        if (run >= size)
                        {
                            throw new IllegalArgumentException("op " + op.toJson() + " reaches past the text");
                        }
                        final int take = Math.min(n, lengths[run] - used);
                        if (keep)
                        {
                            append(take, versions[run], authorOf[run]);
                        }
                        used += take;
                        n -= take;
                        if (used == lengths[run])
                        {
                            run++;
                            used = 0;
                        }
                    }
                    break;
                default:
                    throw new IllegalArgumentException("unknown component kind " + op.kind(c));
            }
        }
        if (run < size && used > 0)
        {
            append(lengths[run] - used, versions[run], authorOf[run]);
            run++;
        }
        for (; run < size; run++)
        {
            append(lengths[run], versions[run], authorOf[run]);
        }
        swap();
    }

    private void append(final int length, final long version, final int author)
    {
        if (length == 0)
        {
            return;
        }
        if (nextSize > 0 && nextVersions[nextSize - 1] == version && nextAuthors[nextSize - 1] == author)
        {
            nextLengths[nextSize - 1] += length;
            return;
        }
        if (nextSize == nextLengths.length)
        {
            nextLengths = java.util.Arrays.copyOf(nextLengths, nextSize * 2);
            nextVersions = java.util.Arrays.copyOf(nextVersions, nextSize * 2);
            nextAuthors = java.util.Arrays.copyOf(nextAuthors, nextSize * 2);
        }
        nextLengths[nextSize] = length;
        nextVersions[nextSize] = version;
        nextAuthors[nextSize] = author;
        nextSize++;
    }

    private void swap()
    {
        final int[] l = lengths;
        final long[] v = versions;
        final int[] a = authorOf;
        lengths = nextLengths;
        versions = nextVersions;
        authorOf = nextAuthors;
        size = nextSize;
        nextLengths = l;
        nextVersions = v;
        nextAuthors = a;
        nextSize = 0;
    }

    private int id(final String author)
    {
        return authorIds.computeIfAbsent(author, a ->
        {
            authors.add(a);
            return authors.size() - 1;
        });
    }
}
