package io.quire.engine.shard;

import io.quire.engine.ot.TextOp;

/**
 * One committed op of a document as the shard remembers it: what later submissions are transformed against,
 * de-duplicated against ({@code source}, {@code seq}) and what catch-up sends. Mutable and reused.
 */
public final class HistoryEntry
{
    /** Document-level op kinds, as in the codec's {@code OpKind}. */
    public static final byte CREATE = 1;
    /** An edit. */
    public static final byte EDIT = 2;
    /** A delete. */
    public static final byte DELETE = 3;

    long version;
    byte kind;
    /** EDIT: the transformed op. CREATE: a single insert holding the initial text (empty op for ""). */
    final TextOp op = new TextOp(4, 16);
    byte[] source = new byte[40];
    int sourceLength;
    long seq;
    long lsn;
    long prevLsn;
    long timestampNs;
    long ringSequence;
    /** Checksum of the text after the op (from the journal record; 0 until journaled or read back). */
    long checksum;
    byte[] principal = new byte[0];
    int principalLength;

    /** @return the version the op was applied at. */
    public long version()
    {
        return version;
    }

    /** @return CREATE, EDIT or DELETE. */
    public byte kind()
    {
        return kind;
    }

    /** @return the op (EDIT) or the initial text as one insert (CREATE). */
    public TextOp op()
    {
        return op;
    }

    /** @return the source's UTF-8 bytes (valid up to {@link #sourceLength()}). */
    public byte[] source()
    {
        return source;
    }

    /** @return length of the source in bytes. */
    public int sourceLength()
    {
        return sourceLength;
    }

    /** @return the ShareDB seq. */
    public long seq()
    {
        return seq;
    }

    /** @return the LSN of its journal record. */
    public long lsn()
    {
        return lsn;
    }

    /** @return the LSN of the document's previous record, -1 if none. */
    public long prevLsn()
    {
        return prevLsn;
    }

    /** @return commit wall-clock time, ns since the epoch. */
    public long timestampNs()
    {
        return timestampNs;
    }

    /** @return checksum of the document text after the op, as journaled. */
    public long checksum()
    {
        return checksum;
    }

    /** @return the author's UTF-8 bytes (valid up to {@link #principalLength()}). */
    public byte[] principal()
    {
        return principal;
    }

    /** @return length of the author in bytes. */
    public int principalLength()
    {
        return principalLength;
    }

    void setSource(final org.agrona.DirectBuffer buffer, final int offset, final int length)
    {
        if (source.length < length)
        {
            source = new byte[Math.max(length, source.length * 2)];
        }
        buffer.getBytes(offset, source, 0, length);
        sourceLength = length;
    }

    void setSource(final byte[] bytes, final int length)
    {
        if (source.length < length)
        {
            source = new byte[Math.max(length, source.length * 2)];
        }
        System.arraycopy(bytes, 0, source, 0, length);
        sourceLength = length;
    }

    void setPrincipal(final org.agrona.DirectBuffer buffer, final int offset, final int length)
    {
        if (principal.length < length)
        {
            principal = new byte[Math.max(length, 16)];
        }
        buffer.getBytes(offset, principal, 0, length);
        principalLength = length;
    }

    /**
     * @param buffer buffer holding a source.
     * @param offset its first byte.
     * @param length its length.
     * @return true if this entry's source is the same bytes.
     */
    public boolean sourceEquals(final org.agrona.DirectBuffer buffer, final int offset, final int length)
    {
        if (length != sourceLength)
        {
            return false;
        }
        for (int i = 0; i < length; i++)
        {
            if (buffer.getByte(offset + i) != source[i])
            {
                return false;
            }
        }
        return true;
    }

    /**
     * @param buffer buffer holding a principal.
     * @param offset its first byte.
     * @param length its length.
     * @return true if this entry's author is the same principal.
     */
    public boolean principalEquals(final org.agrona.DirectBuffer buffer, final int offset, final int length)
    {
        if (length != principalLength)
        {
            return false;
        }
        for (int i = 0; i < length; i++)
        {
            if (buffer.getByte(offset + i) != principal[i])
            {
                return false;
            }
        }
        return true;
    }

    /** @return a rough count of heap bytes held, for the memory bound. */
    long estimatedBytes()
    {
        return 96L + source.length + principal.length + op.size() * 13L + op.textBuffer().length * 2L;
    }
}
