package io.quire.edge;

/**
 * What a principal may do: checked at the edge before a request is sent to an engine. A refusal is answered with
 * {@code ERR_FORBIDDEN}. Extension point for authorization (document ACLs); the default allows everything. Called on IO
 * threads; must be fast and must not block.
 */
public interface AccessPolicy
{
    /** Everyone may do everything. */
    AccessPolicy ALLOW_ALL = new AccessPolicy()
    {
    };

    /**
     * @param principal  the session's principal ({@code ""} when anonymous).
     * @param collection ShareDB c.
     * @param docId      ShareDB d.
     * @return true if the principal may fetch or subscribe to the document.
     */
    default boolean mayRead(final String principal, final String collection, final String docId)
    {
        return true;
    }

    /**
     * @param principal  the session's principal.
     * @param collection ShareDB c.
     * @param docId      ShareDB d.
     * @return true if the principal may submit ops (create, edit, delete) to the document.
     */
    default boolean mayWrite(final String principal, final String collection, final String docId)
    {
        return true;
    }

    /**
     * @param principal the session's principal.
     * @param channel   ShareDB presence channel.
     * @return true if the principal may subscribe to and send presence on the channel.
     */
    default boolean mayUsePresence(final String principal, final String channel)
    {
        return true;
    }
}
