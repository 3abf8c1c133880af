package io.quire.replay;

import io.quire.codec.ShardRouter;

/**
 * A document named on the command line as {@code COLLECTION/ID} (ShareDB {@code c} and {@code d}). The first
 * slash separates them, so ids may hold slashes; collections may not.
 *
 * @param collection ShareDB collection.
 * @param docId      ShareDB document id.
 */
public record DocRef(String collection, String docId)
{
    /**
     * @param text {@code COLLECTION/ID}.
     * @return the reference.
     * @throws ToolException ({@link ExitCodes#USAGE}) if malformed.
     */
    public static DocRef parse(final String text)
    {
        final int slash = text.indexOf('/');
        if (slash <= 0 || slash == text.length() - 1)
        {
            throw ToolException.usage("--doc wants COLLECTION/ID, got '" + text + "'");
        }
        return new DocRef(text.substring(0, slash), text.substring(slash + 1));
    }

    /** @return the routing hash, as stored in records and snapshot names. */
    public long hash()
    {
        return ShardRouter.docHash(collection, docId);
    }

    @Override
    public String toString()
    {
        return collection + "/" + docId;
    }
}
