package io.quire.test;

/**
 * Finding bytes in a file's contents, for tests that damage a journal or snapshot on purpose at a known record.
 */
public final class ByteSearch
{
    private ByteSearch()
    {
    }

    /**
     * @param haystack the bytes searched.
     * @param needle   the bytes looked for.
     * @return the first index at which {@code needle} occurs in {@code haystack}, or -1.
     */
    public static int indexOf(final byte[] haystack, final byte[] needle)
    {
        outer:
        for (int i = 0; i + needle.length <= haystack.length; i++)
        {
            for (int j = 0; j < needle.length; j++)
            {
                if (haystack[i + j] != needle[j])
                {
                    continue outer;
                }
            }
            return i;
        }
        return -1;
    }
}
