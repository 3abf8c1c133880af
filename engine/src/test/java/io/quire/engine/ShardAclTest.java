package io.quire.engine;

import io.quire.codec.protocol.AclRole;
import io.quire.engine.shard.Reply;
import io.quire.engine.shard.Requests;
import io.quire.engine.shard.SequencerConfig;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import static io.quire.codec.CodecConstants.NULL_VERSION;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * Document roles enforced by a real shard (ring, sequencer, Chronicle journal, snapshots): the creator owns the
 * document, viewers read, editors edit, owners delete and grant; grants are journaled and survive a restart, with and
 * without snapshots.
 */
class ShardAclTest
{
    @TempDir
    Path dir;

    private final Requests r = new Requests();
    private long requestIds = 1;

    private final class Rig extends ShardRig
    {
        Rig(final boolean enforced, final int snapshotInterval)
        {
            super(dir, new SequencerConfig(0, 100L << 20, snapshotInterval, 100_000, 4096, enforced, 3), 1000,
                snapshotInterval > 0);
        }

        /** Send as a principal and wait for the first reply of one of the types to that session. */
        Reply as(final String principal, final long session, final java.util.function.Supplier<Requests> req,
            final String... types)
        {
            r.principal = principal;
            return request(req.get(), session, types);
        }

        Reply grant(final String by, final String d, final AclRole role, final String user)
        {
            return as(by, 7, () -> r.acl(1, 7, requestIds++, "docs", d, role, user), "acl", "request-reject");
        }

        Reply read(final String who, final String d)
        {
            return as(who, 8, () -> r.subscribe(1, 8, requestIds++, "docs", d, NULL_VERSION, false),
                "snapshot", "request-reject");
        }

        Reply edit(final String who, final String d, final long base, final String op)
        {
            return as(who, 9, () -> r.edit(1, 9, requestIds++, "docs", d, base, "src-" + who, requestIds, op),
                "ack", "reject");
        }

        /** A history page: the entries (type "history") up to its "done", or the one "request-reject". */
        List<Reply> history(final String who, final String d)
        {
            final int before = mark();
            final Reply last = as(who, 10, () -> r.history(1, 10, requestIds++, "docs", d, NULL_VERSION, 50),
                "done", "request-reject");
            final List<Reply> page = new ArrayList<>();
            for (final Reply reply : since(before))
            {
                if (reply.session() == 10 && "history".equals(reply.type()))
                {
                    page.add(reply);
                }
            }
            page.add(last);
            return page;
        }

    }

    @Test
    void rolesDecideWhoReadsEditsDeletesAndGrantsAndSurviveRestarts()
    {
        try (Rig rig = new Rig(true, 0))
        {
            assertThat(rig.read("mallory", "plan").type()).as("an unclaimed new document is readable")
                .isEqualTo("snapshot");
            assertThat(rig.as("alice", 1, () -> r.create(1, 1, requestIds++, "docs", "plan", NULL_VERSION, "src-alice",
                1, "text-unicode", "hello"), "ack", "reject").type()).isEqualTo("ack");
            assertThat(rig.grant("alice", "plan", null, null).text()).isEqualTo("alice:OWNER");

            assertThat(rig.read("bob", "plan").text()).isEqualTo("FORBIDDEN: Not allowed to read this document");
            assertThat(rig.edit("bob", "plan", 1, "[\"x\"]").text()).startsWith("FORBIDDEN");
            assertThat(rig.grant("bob", "plan", AclRole.OWNER, "bob").text()).startsWith("FORBIDDEN");
            assertThat(rig.grant("bob", "plan", null, null).text()).startsWith("FORBIDDEN");

            assertThat(rig.grant("alice", "plan", AclRole.VIEWER, "bob").text()).isEqualTo("alice:OWNER,bob:VIEWER");
            assertThat(rig.read("bob", "plan").text()).isEqualTo("hello");
            assertThat(rig.grant("bob", "plan", null, null).type()).as("viewers read the ACL").isEqualTo("acl");
            final Reply refused = rig.edit("bob", "plan", 1, "[\"x\"]");
            assertThat(refused.type()).isEqualTo("reject");
            assertThat(refused.text()).isEqualTo("FORBIDDEN: Not allowed to edit this document");
            assertThat(rig.read("alice", "plan").text()).as("the refused op changed nothing").isEqualTo("hello");

            assertThat(rig.grant("alice", "plan", AclRole.EDITOR, "bob").text()).isEqualTo("alice:OWNER,bob:EDITOR");
            assertThat(rig.edit("bob", "plan", 1, "[\"x\"]").type()).isEqualTo("ack");
            assertThat(rig.as("bob", 9, () -> r.delete(1, 9, requestIds++, "docs", "plan", 2, "src-bob", 99),
                "ack", "reject").text()).isEqualTo("FORBIDDEN: Only an owner may create or delete this document");

            assertThat(rig.grant("alice", "plan", AclRole.NONE, "alice").text()).startsWith("LAST_OWNER");
            assertThat(rig.grant("alice", "plan", AclRole.VIEWER, "carol").type()).isEqualTo("acl");
            assertThat(rig.grant("alice", "plan", AclRole.VIEWER, "dave").text()).startsWith("ACL_TOO_LARGE");
            assertThat(rig.grant("alice", "plan", AclRole.NONE, "carol").text()).isEqualTo("alice:OWNER,bob:EDITOR");
            assertThat(rig.grant("alice", "missing", null, null).text()).startsWith("DOC_DOES_NOT_EXIST");

            assertThat(rig.as("carol", 3, () -> r.presenceSubscribe(1, 3, requestIds++, "docs.plan"),
                "done", "request-reject").type()).isEqualTo("request-reject");
            assertThat(rig.as("bob", 4, () -> r.presenceSubscribe(1, 4, requestIds++, "docs.plan"),
                "done", "request-reject").type()).isEqualTo("done");
            assertThat(rig.as("", 5, () -> r.subscribe(1, 5, requestIds++, "docs", "plan", NULL_VERSION, false),
                "snapshot", "request-reject").type()).as("requests without a principal are not checked")
                .isEqualTo("snapshot");
        }
        try (Rig rig = new Rig(true, 0))
        {
            assertThat(rig.grant("bob", "plan", null, null).text()).isEqualTo("alice:OWNER,bob:EDITOR");
            assertThat(rig.read("carol", "plan").type()).isEqualTo("request-reject");
            assertThat(rig.read("bob", "plan").text()).isEqualTo("xhello");
            assertThat(rig.as("alice", 1, () -> r.delete(1, 1, requestIds++, "docs", "plan", 2, "src-alice", 2),
                "ack", "reject").type()).isEqualTo("ack");
            assertThat(rig.as("bob", 9, () -> r.create(1, 9, requestIds++, "docs", "plan", NULL_VERSION, "src-bob", 50,
                "text-unicode", "mine"), "ack", "reject").text()).as("the ACL outlives a delete")
                .startsWith("FORBIDDEN");
            assertThat(rig.grant("alice", "plan", AclRole.VIEWER, "carol").type()).isEqualTo("acl");
        }
        try (Rig rig = new Rig(true, 0))
        {
            assertThat(rig.grant("carol", "plan", null, null).text()).isEqualTo("alice:OWNER,bob:EDITOR,carol:VIEWER");
        }
    }

    @Test
    void snapshotsCarryTheAclAndRecoveryFoldsLaterGrantsOverIt()
    {
        try (Rig rig = new Rig(true, 2))
        {
            rig.as("alice", 1, () -> r.create(1, 1, requestIds++, "docs", "s", NULL_VERSION, "src-alice", 1,
                "text-unicode", ""), "ack");
            rig.grant("alice", "s", AclRole.EDITOR, "bob");
            for (int i = 0; i < 6; i++)
            {
                assertThat(rig.edit("bob", "s", i + 1, "[\"b\"]").type()).isEqualTo("ack");
            }
            rig.grant("alice", "s", AclRole.VIEWER, "bob");
            rig.grant("alice", "s", AclRole.OWNER, "carol");
        }
        try (Rig rig = new Rig(true, 2))
        {
            assertThat(rig.shard.recovery().snapshots()).isEqualTo(1);
            assertThat(rig.grant("bob", "s", null, null).text()).isEqualTo("alice:OWNER,bob:VIEWER,carol:OWNER");
            assertThat(rig.edit("bob", "s", 7, "[\"b\"]").type()).isEqualTo("reject");
        }
    }

    @Test
    void theHistoryOfADocumentIsReadByItsRolesAndRefusedToStrangersLikeASubscribe()
    {
        try (Rig rig = new Rig(true, 0))
        {
            assertThat(rig.history("mallory", "h")).extracting(Reply::type)
                .as("an unclaimed new document has an empty history anyone may read").containsExactly("done");
            rig.as("alice", 1, () -> r.create(1, 1, requestIds++, "docs", "h", NULL_VERSION, "src-alice", 1,
                "text-unicode", "draft"), "ack");
            assertThat(rig.edit("alice", "h", 1, "[5,\"!\"]").type()).isEqualTo("ack");
            rig.grant("alice", "h", AclRole.VIEWER, "victor");

            final List<Reply> refused = rig.history("mallory", "h");
            assertThat(refused).singleElement().satisfies(reply ->
            {
                assertThat(reply.type()).isEqualTo("request-reject");
                assertThat(reply.text()).isEqualTo("FORBIDDEN: Not allowed to read this document");
            });
            assertThat(rig.read("mallory", "h").text()).as("as a subscribe is")
                .isEqualTo("FORBIDDEN: Not allowed to read this document");

            final List<Reply> viewer = rig.history("victor", "h");
            assertThat(viewer).extracting(Reply::type).containsExactly("history", "history", "done");
            assertThat(viewer).extracting(Reply::version).containsExactly(0L, 1L, 2L);
            assertThat(rig.history("alice", "h")).extracting(Reply::type)
                .containsExactly("history", "history", "done");
        }
        try (Rig rig = new Rig(false, 0))
        {
            assertThat(rig.history("mallory", "h")).extracting(Reply::type).as("without enforcement")
                .containsExactly("history", "history", "done");
        }
    }

    @Test
    void withoutEnforcementEveryoneMayDoEverythingButTheCreatorStillOwns()
    {
        try (Rig rig = new Rig(false, 0))
        {
            rig.as("alice", 1, () -> r.create(1, 1, requestIds++, "docs", "open", NULL_VERSION, "src-alice", 1,
                "text-unicode", "x"), "ack");
            assertThat(rig.read("bob", "open").text()).isEqualTo("x");
            assertThat(rig.edit("bob", "open", 1, "[\"y\"]").type()).isEqualTo("ack");
            assertThat(rig.grant("alice", "open", null, null).text()).isEqualTo("alice:OWNER");
            assertThat(rig.grant("bob", "open", AclRole.OWNER, "bob").text())
                .as("ACL requests are always checked").startsWith("FORBIDDEN");
        }
    }
}
