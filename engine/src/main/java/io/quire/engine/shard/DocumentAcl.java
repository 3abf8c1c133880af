package io.quire.engine.shard;

import io.quire.codec.journal.AclRole;
import io.quire.journal.snapshot.SnapshotMeta;
import org.agrona.DirectBuffer;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * The roles of one document: users (principals, as UTF-8 bytes) with VIEWER, EDITOR or OWNER, in the order they were
 * first granted. Lives on the document's shell, so it stays in memory when the text is unloaded. ACLs are small
 * (bounded by {@code acl.max-entries}), so lookups are a linear scan over byte arrays that allocates nothing: it runs
 * on every request that carries a principal. Owned by the shard's sequencer thread only.
 */
public final class DocumentAcl
{
    /** Role value of no access (the journal's {@code AclRole.NONE}). */
    public static final byte NONE = (byte)AclRole.NONE.value();
    /** Role value of a viewer. */
    public static final byte VIEWER = (byte)AclRole.VIEWER.value();
    /** Role value of an editor. */
    public static final byte EDITOR = (byte)AclRole.EDITOR.value();
    /** Role value of an owner. */
    public static final byte OWNER = (byte)AclRole.OWNER.value();

    private static final byte[][] NO_USERS = new byte[0][];

    private byte[][] users = NO_USERS;
    private byte[] roles = new byte[0];
    private int size;

    /** @return true if nobody has a role: the document is unclaimed (never created by a principal). */
    public boolean isEmpty()
    {
        return size == 0;
    }

    /** @return the number of users with a role. */
    public int size()
    {
        return size;
    }

    /**
     * @param i an index below {@link #size()}.
     * @return the user at it, UTF-8.
     */
    public byte[] user(final int i)
    {
        return users[i];
    }

    /**
     * @param i an index below {@link #size()}.
     * @return the role at it.
     */
    public byte role(final int i)
    {
        return roles[i];
    }

    /**
     * @param buffer holds a principal.
     * @param offset its first byte.
     * @param length its length.
     * @return the principal's role, {@link #NONE} if it has none.
     */
    public byte roleOf(final DirectBuffer buffer, final int offset, final int length)
    {
        for (int i = 0; i < size; i++)
        {
            if (Document.equalBytes(users[i], buffer, offset, length))
            {
                return roles[i];
            }
        }
        return NONE;
    }

    /**
     * @param user a principal, UTF-8.
     * @return its role, {@link #NONE} if it has none.
     */
    public byte roleOf(final byte[] user)
    {
        final int i = indexOf(user);
        return i < 0 ? NONE : roles[i];
    }

    /** @return how many users are owners. */
    public int ownerCount()
    {
        int owners = 0;
        for (int i = 0; i < size; i++)
        {
            if (roles[i] == OWNER)
            {
                owners++;
            }
        }
        return owners;
    }

    /**
     * Give a user a role; {@link #NONE} removes the user. Cold path (grants and recovery).
     *
     * @param user the principal, UTF-8 (kept, not copied).
     * @param role NONE, VIEWER, EDITOR or OWNER.
     * @return true if the ACL changed.
     */
    public boolean set(final byte[] user, final byte role)
    {
        final int i = indexOf(user);
        if (role == NONE)
        {
            if (i < 0)
            {
                return false;
            }
            System.arraycopy(users, i + 1, users, i, size - i - 1);
            System.arraycopy(roles, i + 1, roles, i, size - i - 1);
            users[--size] = null;
            return true;
        }
        if (i >= 0)
        {
            final boolean changed = roles[i] != role;
            roles[i] = role;
            return changed;
        }
        if (size == users.length)
        {
            final int capacity = Math.max(4, size * 2);
            users = Arrays.copyOf(users, capacity);
            roles = Arrays.copyOf(roles, capacity);
        }
        users[size] = user;
        roles[size] = role;
        size++;
        return true;
    }

    /**
     * @param user a principal, UTF-8.
     * @return true if granting it a role would add an entry (it has none yet).
     */
    public boolean isNew(final byte[] user)
    {
        return indexOf(user) < 0;
    }

    /** Forget every entry (a shell refilled from a snapshot). */
    public void clear()
    {
        Arrays.fill(users, 0, size, null);
        size = 0;
    }

    /** @return the entries, for a snapshot. */
    public List<SnapshotMeta.AclEntry> toSnapshot()
    {
        final List<SnapshotMeta.AclEntry> entries = new ArrayList<>(size);
        for (int i = 0; i < size; i++)
        {
            entries.add(new SnapshotMeta.AclEntry(new String(users[i], StandardCharsets.UTF_8), AclRole.get(roles[i])));
        }
        return entries;
    }

    /**
     * Replace the entries with a snapshot's.
     *
     * @param entries the snapshot's ACL.
     */
    public void fromSnapshot(final List<SnapshotMeta.AclEntry> entries)
    {
        clear();
        for (final SnapshotMeta.AclEntry e : entries)
        {
            set(e.user().getBytes(StandardCharsets.UTF_8), (byte)e.role().value());
        }
    }

    private int indexOf(final byte[] user)
    {
        for (int i = 0; i < size; i++)
        {
            if (Arrays.equals(users[i], user))
            {
                return i;
            }
        }
        return -1;
    }

    /**
     * @param role a role value.
     * @return its name in lower case ({@code none}, {@code viewer}, ...).
     */
    public static String name(final byte role)
    {
        return AclRole.get(role).name().toLowerCase(java.util.Locale.ROOT);
    }
}
