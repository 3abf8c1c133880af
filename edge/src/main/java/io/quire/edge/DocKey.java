package io.quire.edge;

/**
 * A document: ShareDB collection and id.
 *
 * @param collection ShareDB c.
 * @param docId      ShareDB d.
 */
record DocKey(String collection, String docId)
{
}
