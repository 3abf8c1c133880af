package io.quire.engine.shard;

import org.agrona.DirectBuffer;

/**
 * Who may do what to a document, from its {@link DocumentAcl}. Checked by the sequencer on every request that carries
 * a principal when enforcement is on; requests without one (anonymous deployments, or enforcement off) pass.
 * <ul>
 *   <li>read (fetch, subscribe, historic snapshots, document presence): VIEWER and up;</li>
 *   <li>edit: EDITOR and up;</li>
 *   <li>delete: OWNER only (a delete cannot be undone by the client, and the ACL outlives it);</li>
 *   <li>create: anyone while the document is unclaimed (its creator becomes the OWNER); once it has an ACL (it was
 *       deleted), OWNER only;</li>
 *   <li>an unclaimed document that does not exist may be read by anyone (the ShareDB client subscribes before it
 *       creates: it sees type null); one that exists (created anonymously) by nobody with a principal.</li>
 * </ul>
 * Stateless apart from the switch; allocation-free.
 */
final class AccessControl
{
    private final boolean enforced;

    /**
     * @param enforced whether roles are checked at all.
     */
    AccessControl(final boolean enforced)
    {
        this.enforced = enforced;
    }

    /** @return true if roles are checked. */
    boolean enforced()
    {
        return enforced;
    }

    boolean mayRead(final Document doc, final DirectBuffer principal, final int offset, final int length)
    {
        if (!enforced || length == 0)
        {
            return true;
        }
        if (doc.acl.isEmpty())
        {
            return !doc.exists;
        }
        return doc.acl.roleOf(principal, offset, length) >= DocumentAcl.VIEWER;
    }

    boolean mayEdit(final Document doc, final DirectBuffer principal, final int offset, final int length)
    {
        if (!enforced || length == 0)
        {
            return true;
        }
        if (doc.acl.isEmpty())
        {
            return !doc.exists;
        }
        return doc.acl.roleOf(principal, offset, length) >= DocumentAcl.EDITOR;
    }

    boolean mayCreate(final Document doc, final DirectBuffer principal, final int offset, final int length)
    {
        if (!enforced || length == 0 || doc.acl.isEmpty())
        {
            return true;
        }
        return doc.acl.roleOf(principal, offset, length) == DocumentAcl.OWNER;
    }

    boolean mayDelete(final Document doc, final DirectBuffer principal, final int offset, final int length)
    {
        if (!enforced || length == 0)
        {
            return true;
        }
        if (doc.acl.isEmpty())
        {
            return !doc.exists;
        }
        return doc.acl.roleOf(principal, offset, length) == DocumentAcl.OWNER;
    }
}
