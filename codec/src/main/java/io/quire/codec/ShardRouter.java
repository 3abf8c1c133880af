package io.quire.codec;

import org.agrona.DirectBuffer;

/**
 * The one routing function edge and engine share: document or presence channel to a 64-bit hash, hash to a shard.
 * <p>
 * <b>The hash is part of the wire and storage format</b> (it is carried in every message as {@code docHash},
 * {@code channelHash} or {@code routingHash}, and stored in journals and snapshots). It must never change; golden
 * values in {@code ShardRouterTest} pin it.
 * <p>
 * Definition: the routing key of a document is the UTF-8 encoding of {@code collection + "." + docId}, which is exactly
 * ShareDB's presence channel for that document, so a document and its presence route to the same shard. The hash of a
 * key is 64-bit FNV-1a over its bytes followed by the MurmurHash3 {@code fmix64} finaliser (FNV-1a alone mixes its
 * last bytes poorly into the high bits that {@link #shardFor} uses):
 * <pre>
 *   h = 0xcbf29ce484222325
 *   for each byte b: h = (h ^ b) * 0x100000001b3
 *   h ^= h &gt;&gt;&gt; 33; h *= 0xff51afd7ed558ccd; h ^= h &gt;&gt;&gt; 33; h *= 0xc4ceb9fe1a85ec53; h ^= h &gt;&gt;&gt; 33
 * </pre>
 * Text arguments are encoded as UTF-8 on the fly, with no allocation; an unpaired surrogate is hashed as {@code '?'},
 * which is what {@code String.getBytes(UTF_8)} produces, so every overload agrees with hashing those bytes. (Quire
 * rejects such ids anyway; the hash just never throws.) Not cryptographic: ids come from clients, so a shard can be
 * targeted on purpose; the per-shard limits protect the rest.
 */
public final class ShardRouter
{
    /** FNV-1a 64 offset basis. */
    static final long FNV_OFFSET_BASIS = 0xcbf29ce484222325L;
    /** FNV-1a 64 prime. */
    static final long FNV_PRIME = 0x100000001b3L;
    /** The largest shard count {@link #shardFor} accepts (shard ids are uint16 on the wire). */
    public static final int MAX_SHARDS = 65536;

    private static final byte SEPARATOR = '.';

    private ShardRouter()
    {
    }

    /**
     * The routing hash of a document.
     *
     * @param collection ShareDB collection ({@code c}).
     * @param docId      ShareDB document id ({@code d}).
     * @return the hash of {@code collection + "." + docId} as UTF-8.
     */
    public static long docHash(final CharSequence collection, final CharSequence docId)
    {
        long h = update(FNV_OFFSET_BASIS, collection);
        h = (h ^ SEPARATOR) * FNV_PRIME;
        return fmix64(update(h, docId));
    }

    /**
     * The routing hash of a document whose collection and id are UTF-8 bytes in buffers (e.g. an SBE message's var
     * fields, or a JSON frame).
     *
     * @param collectionBuffer buffer holding the collection.
     * @param collectionOffset its first byte.
     * @param collectionLength its length in bytes.
     * @param docIdBuffer      buffer holding the document id.
     * @param docIdOffset      its first byte.
     * @param docIdLength      its length in bytes.
     * @return the same value as {@link #docHash(CharSequence, CharSequence)}.
     */
    public static long docHash(
        final DirectBuffer collectionBuffer,
        final int collectionOffset,
        final int collectionLength,
        final DirectBuffer docIdBuffer,
        final int docIdOffset,
        final int docIdLength)
    {
        long h = update(FNV_OFFSET_BASIS, collectionBuffer, collectionOffset, collectionLength);
        h = (h ^ SEPARATOR) * FNV_PRIME;
        return fmix64(update(h, docIdBuffer, docIdOffset, docIdLength));
    }

    /**
     * The routing hash of a presence channel. For a document's channel ({@code "<collection>.<docId>"}) this equals
     * the document's {@link #docHash(CharSequence, CharSequence)}.
     *
     * @param channel ShareDB presence channel ({@code ch}).
     * @return the hash of the channel as UTF-8.
     */
    public static long channelHash(final CharSequence channel)
    {
        return fmix64(update(FNV_OFFSET_BASIS, channel));
    }

    /**
     * The routing hash of a key given as UTF-8 bytes: a presence channel, or a document's
     * {@code collection + "." + docId}.
     *
     * @param buffer buffer holding the key.
     * @param offset its first byte.
     * @param length its length in bytes.
     * @return the hash.
     */
    public static long channelHash(final DirectBuffer buffer, final int offset, final int length)
    {
        return fmix64(update(FNV_OFFSET_BASIS, buffer, offset, length));
    }

    /**
     * The shard of a routing hash: the high 32 bits scaled to {@code [0, shardCount)} (Lemire's multiply-shift, no
     * division, uniform for any count).
     *
     * @param hash       a routing hash from this class.
     * @param shardCount number of shards, in [1, {@link #MAX_SHARDS}].
     * @return the shard id in [0, shardCount).
     */
    public static int shardFor(final long hash, final int shardCount)
    {
        if (shardCount < 1 || shardCount > MAX_SHARDS)
        {
            throw new IllegalArgumentException("shardCount must be in [1, " + MAX_SHARDS + "]: " + shardCount);
        }
        return (int)(((hash >>> 32) * shardCount) >>> 32);
    }

    /**
     * The MurmurHash3 64-bit finaliser: every input bit affects every output bit.
     *
     * @param h value to mix.
     * @return the mixed value.
     */
    static long fmix64(final long h)
    {
        long k = h;
        k ^= k >>> 33;
        k *= 0xff51afd7ed558ccdL;
        k ^= k >>> 33;
        k *= 0xc4ceb9fe1a85ec53L;
        k ^= k >>> 33;
        return k;
    }

    private static long update(final long hash, final DirectBuffer buffer, final int offset, final int length)
    {
        long h = hash;
        for (int i = offset, end = offset + length; i < end; i++)
        {
            h = (h ^ (buffer.getByte(i) & 0xFF)) * FNV_PRIME;
        }
        return h;
    }

    private static long update(final long hash, final CharSequence text)
    {
        long h = hash;
        for (int i = 0, n = text.length(); i < n; i++)
        {
            final char c = text.charAt(i);
            if (c < 0x80)
            {
                h = (h ^ c) * FNV_PRIME;
            }
            else if (c < 0x800)
            {
                h = (h ^ (0xC0 | (c >>> 6))) * FNV_PRIME;
                h = (h ^ (0x80 | (c & 0x3F))) * FNV_PRIME;
            }
            else if (!Character.isSurrogate(c))
            {
                h = (h ^ (0xE0 | (c >>> 12))) * FNV_PRIME;
                h = (h ^ (0x80 | ((c >>> 6) & 0x3F))) * FNV_PRIME;
                h = (h ^ (0x80 | (c & 0x3F))) * FNV_PRIME;
            }
            else if (Character.isHighSurrogate(c) && i + 1 < n && Character.isLowSurrogate(text.charAt(i + 1)))
            {
                final int cp = Character.toCodePoint(c, text.charAt(++i));
                h = (h ^ (0xF0 | (cp >>> 18))) * FNV_PRIME;
                h = (h ^ (0x80 | ((cp >>> 12) & 0x3F))) * FNV_PRIME;
                h = (h ^ (0x80 | ((cp >>> 6) & 0x3F))) * FNV_PRIME;
                h = (h ^ (0x80 | (cp & 0x3F))) * FNV_PRIME;
            }
            else
            {
                h = (h ^ '?') * FNV_PRIME;
            }
        }
        return h;
    }
}
