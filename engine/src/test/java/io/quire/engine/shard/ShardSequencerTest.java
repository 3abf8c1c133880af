package io.quire.engine.shard;

import io.quire.codec.journal.JournalRecordDecoder;
import io.quire.engine.ot.Rope;
import io.quire.engine.ot.TextChecksum;
import io.quire.engine.ot.TextOp;
import io.quire.engine.ot.TextUnicode;
import io.quire.engine.ring.ThreadingMode;
import io.quire.journal.JournalReader;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;

import static io.quire.codec.CodecConstants.NULL_VERSION;
import static io.quire.codec.CodecConstants.TEXT_UNICODE_URI;
import static org.assertj.core.api.Assertions.assertThat;

class ShardSequencerTest
{
    private static final String C = "docs";
    private static final int EDGE = 7;

    @TempDir
    Path dir;

    private final Requests r = new Requests();
    private long requestIds = 1;

    private Reply snapshot(final ShardHarness shard, final String d)
    {
        return shard.request(r.subscribe(EDGE, 99, requestIds++, C, d, NULL_VERSION, false), 99, "snapshot");
    }

    private Reply create(final ShardHarness shard, final String d, final String text, final String src, final long seq)
    {
        return shard.request(r.create(EDGE, 1, requestIds++, C, d, NULL_VERSION, src, seq, "text-unicode", text), 1,
            "ack", "reject");
    }

    private Reply edit(final ShardHarness shard, final long session, final String d, final long base, final String src,
        final long seq, final String op)
    {
        return shard.request(r.edit(EDGE, session, requestIds++, C, d, base, src, seq, op), session, "ack", "reject");
    }

    @Test
    void missingDocumentsHaveVersionZeroAndTypeNull()
    {
        try (ShardHarness shard = new ShardHarness(dir))
        {
            final Reply s = snapshot(shard, "nothing");
            assertThat(s.version()).isZero();
            assertThat(s.docType()).isEmpty();
            assertThat(s.text()).isEmpty();
        }
    }

    @Test
    void createByNameStoresTheUriAndStartsAtVersionOne()
    {
        try (ShardHarness shard = new ShardHarness(dir))
        {
            final Reply ack = create(shard, "d1", "héllo 😀", "A", 1);
            assertThat(ack.type()).isEqualTo("ack");
            assertThat(ack.version()).isZero();
            final Reply s = snapshot(shard, "d1");
            assertThat(s.version()).isEqualTo(1);
            assertThat(s.docType()).isEqualTo(TEXT_UNICODE_URI);
            assertThat(s.text()).isEqualTo("héllo 😀");
        }
    }

    @Test
    void concurrentInsertsAtTheSamePlaceFollowTheLeftRule()
    {
        // shared/protocol §6.2: doc "ello world" at v2; A's [2,"AAA"] commits at v2; B's [2,"BBB"] (also based on v2)
        // keeps position 2, so A's insert is pushed right.
        try (ShardHarness shard = new ShardHarness(dir))
        {
            create(shard, "d", "hello world", "X", 1);
            assertThat(edit(shard, 3, "d", 1, "X", 2, "[{\"d\":1}]").version()).isEqualTo(1);
            assertThat(edit(shard, 1, "d", 2, "A", 1, "[2,\"AAA\"]").version()).isEqualTo(2);
            final Reply b = edit(shard, 2, "d", 2, "B", 1, "[2,\"BBB\"]");
            assertThat(b.type()).isEqualTo("ack");
            assertThat(b.version()).isEqualTo(3);
            assertThat(snapshot(shard, "d").text()).isEqualTo("elBBBAAAlo world");
        }
    }

    @Test
    void broadcastsReachSubscribedEdgesWithTheOriginAndAnAckGoesToAnUnsubscribedOrigin()
    {
        try (ShardHarness shard = new ShardHarness(dir))
        {
            create(shard, "d", "abc", "A", 1);
            shard.request(r.subscribe(8, 50, requestIds++, C, "d", NULL_VERSION, true), 50, "snapshot");
            final int mark = shard.mark();
            edit(shard, 1, "d", 1, "A", 2, "[3,\"!\"]");
            final List<Reply> out = shard.since(mark);
            assertThat(out).anySatisfy(x ->
            {
                assertThat(x.type()).isEqualTo("op");
                assertThat(x.edge()).isEqualTo(8);
                assertThat(x.session()).isZero();
                assertThat(x.origin()).isEqualTo(1);
                assertThat(x.text()).isEqualTo("[3,\"!\"]");
                assertThat(x.version()).isEqualTo(1);
            });
            assertThat(out).anySatisfy(x ->
            {
                assertThat(x.type()).isEqualTo("ack");
                assertThat(x.edge()).isEqualTo(EDGE);
            });
        }
    }

    @Test
    void aResubmittedOpIsAckedWithItsOriginalVersionAfterTheOpsTheSubmitterMissed()
    {
        try (ShardHarness shard = new ShardHarness(dir))
        {
            create(shard, "d", "0123", "X", 1);
            edit(shard, 1, "d", 1, "X", 2, "[1,\"x\"]");
            edit(shard, 1, "d", 2, "X", 3, "[1,\"y\"]");
            assertThat(edit(shard, 2, "d", 3, "B", 1, "[\"B\"]").version()).isEqualTo(3);
            assertThat(edit(shard, 3, "d", 3, "A", 5, "[4,\"A\"]").version()).isEqualTo(4);
            final String before = snapshot(shard, "d").text();

            // A reconnects: resends its op (same src/seq) with base 3 and never saw B's op.
            final int mark = shard.mark();
            final Reply ack = edit(shard, 4, "d", 3, "A", 5, "[4,\"A\"]");
            assertThat(ack.type()).isEqualTo("ack");
            assertThat(ack.version()).isEqualTo(4);
            final List<Reply> toA = shard.since(mark).stream().filter(x -> x.session() == 4).toList();
            assertThat(toA).extracting(Reply::type).containsExactly("op", "ack");
            assertThat(toA.get(0).version()).isEqualTo(3);
            assertThat(toA.get(0).source()).isEqualTo("B");

            assertThat(snapshot(shard, "d").text()).isEqualTo(before);
            assertThat(snapshot(shard, "d").version()).isEqualTo(5);
            assertThat(shard.counters.duplicates()).isEqualTo(1);
        }
    }

    @Test
    void aSubmitterGetsTheOpsItsOpWasTransformedAgainstBeforeItsAck()
    {
        try (ShardHarness shard = new ShardHarness(dir))
        {
            create(shard, "d", "abc", "X", 1);
            edit(shard, 1, "d", 1, "B", 1, "[\"B\"]");
            edit(shard, 1, "d", 2, "C", 1, "[1,\"C\"]");
            final int mark = shard.mark();
            final Reply ack = edit(shard, 4, "d", 1, "A", 1, "[3,\"A\"]");
            assertThat(ack.version()).isEqualTo(3);
            final List<Reply> toA = shard.since(mark).stream().filter(x -> x.session() == 4).toList();
            assertThat(toA).extracting(Reply::type).containsExactly("op", "op", "ack");
            assertThat(toA).extracting(Reply::version).containsExactly(1L, 2L, 3L);
            assertThat(toA.get(0).source()).isEqualTo("B");
            assertThat(snapshot(shard, "d").text()).isEqualTo("BCabcA");
        }
    }

    @Test
    void anotherPrincipalReusingASourceAndSeqIsNotADuplicate()
    {
        try (ShardHarness shard = new ShardHarness(dir))
        {
            create(shard, "d", "", "X", 1);
            r.principal = "mallory";
            assertThat(edit(shard, 1, "d", 1, "alice-src", 7, "[\"M\"]").version()).isEqualTo(1);
            r.principal = "alice";
            final Reply alice = edit(shard, 2, "d", 1, "alice-src", 7, "[\"a\"]");
            assertThat(alice.type()).isEqualTo("ack");
            assertThat(alice.version()).isEqualTo(2);
            assertThat(snapshot(shard, "d").text()).isEqualTo("aM");
            assertThat(shard.counters.duplicates()).isZero();
        }
    }

    @Test
    void aResentCreateIsAckedAndAStrangersCreateIsRefused()
    {
        try (ShardHarness shard = new ShardHarness(dir))
        {
            assertThat(create(shard, "d", "x", "A", 1).version()).isZero();
            final Reply again = create(shard, "d", "x", "A", 1);
            assertThat(again.type()).isEqualTo("ack");
            assertThat(again.version()).isZero();
            final Reply other = create(shard, "d", "y", "B", 1);
            assertThat(other.type()).isEqualTo("reject");
            assertThat(other.text()).startsWith("DOC_ALREADY_CREATED");
            assertThat(snapshot(shard, "d").text()).isEqualTo("x");
        }
    }

    @Test
    void invalidSubmissionsGetTypedRejectsAndChangeNothing()
    {
        try (ShardHarness shard = new ShardHarness(dir))
        {
            create(shard, "d", "abc", "A", 1);
            assertThat(edit(shard, 1, "d", 5, "A", 2, "[\"x\"]").text()).startsWith("VERSION_NEWER_THAN_CURRENT");
            assertThat(edit(shard, 1, "d", 1, "A", 3, "[3]").text()).startsWith("OP_BADLY_FORMED");
            assertThat(edit(shard, 1, "d", 1, "A", 4, "[1,1,\"x\"]").text()).startsWith("OP_BADLY_FORMED");
            assertThat(edit(shard, 1, "d", 1, "A", 5, "[9,\"x\"]").text()).startsWith("OP_NOT_APPLIED");
            assertThat(edit(shard, 1, "d", 1, "A", 6, "[2,{\"d\":5}]").text()).startsWith("OP_NOT_APPLIED");
            assertThat(edit(shard, 1, "nothere", 0, "A", 7, "[\"x\"]").text()).startsWith("DOC_DOES_NOT_EXIST");
            assertThat(shard.request(r.create(EDGE, 1, requestIds++, C, "e", NULL_VERSION, "A", 8, "json0", ""), 1,
                "reject").text()).startsWith("TYPE_NOT_RECOGNIZED");
            final Reply s = snapshot(shard, "d");
            assertThat(s.text()).isEqualTo("abc");
            assertThat(s.version()).isEqualTo(1);
        }
    }

    @Test
    void loneSurrogatesAreRejected()
    {
        try (ShardHarness shard = new ShardHarness(dir))
        {
            create(shard, "d", "abc", "A", 1);
            // U+D83D encoded on its own (CESU-style), as a broken or hostile edge might send it.
            final byte[] lone = {(byte)0xED, (byte)0xA0, (byte)0xBD};
            final Reply reply = shard.request(r.rawInsert(EDGE, 1, requestIds++, C, "d", 1, "A", 2, lone, 1), 1,
                "ack", "reject");
            assertThat(reply.type()).isEqualTo("reject");
            assertThat(reply.text()).startsWith("OP_BADLY_FORMED");
            assertThat(snapshot(shard, "d").text()).isEqualTo("abc");
        }
    }

    @Test
    void documentsCannotGrowPastTheLimit()
    {
        final SequencerConfig small = new SequencerConfig(0, 10, 1000, 1000, 4096);
        try (ShardHarness shard = new ShardHarness(dir, small, ThreadingMode.SHARED, new MemoryPersistence(),
            1L << 30, 100, 100))
        {
            create(shard, "d", "12345", "A", 1);
            assertThat(edit(shard, 1, "d", 1, "A", 2, "[\"123456\"]").text()).startsWith("DOC_TOO_LARGE");
            assertThat(edit(shard, 1, "d", 1, "A", 3, "[\"12345\"]").type()).isEqualTo("ack");
        }
    }

    @Test
    void deletesKeepVersionsCountingAndConcurrentEditsAfterADeleteFail()
    {
        try (ShardHarness shard = new ShardHarness(dir))
        {
            create(shard, "d", "abc", "A", 1);
            edit(shard, 1, "d", 1, "A", 2, "[\"x\"]");
            final Reply del = shard.request(r.delete(EDGE, 1, requestIds++, C, "d", 2, "A", 3), 1, "ack");
            assertThat(del.version()).isEqualTo(2);
            final Reply s = snapshot(shard, "d");
            assertThat(s.version()).isEqualTo(3);
            assertThat(s.docType()).isEmpty();
            assertThat(edit(shard, 2, "d", 2, "B", 1, "[\"y\"]").text()).startsWith("DOC_WAS_DELETED");
            final Reply again = shard.request(r.create(EDGE, 1, requestIds++, C, "d", NULL_VERSION, "A", 4,
                TEXT_UNICODE_URI, "new"), 1, "ack");
            assertThat(again.version()).isEqualTo(3);
            assertThat(snapshot(shard, "d").text()).isEqualTo("new");
            assertThat(snapshot(shard, "d").version()).isEqualTo(4);
        }
    }

    @Test
    void subscribingFromAVersionSendsTheOpsSinceThenInOrderThenDone()
    {
        try (ShardHarness shard = new ShardHarness(dir))
        {
            create(shard, "d", "", "A", 1);
            for (int i = 0; i < 5; i++)
            {
                edit(shard, 1, "d", i + 1, "A", i + 2, "[" + (i == 0 ? "" : i + ",") + "\"" + i + "\"]");
            }
            final int mark = shard.mark();
            final Reply done = shard.request(r.subscribe(EDGE, 60, requestIds++, C, "d", 2, true), 60, "done");
            assertThat(done.version()).isEqualTo(6);
            final List<Reply> toSession = shard.since(mark).stream().filter(x -> x.session() == 60).toList();
            assertThat(toSession).extracting(Reply::version).containsExactly(2L, 3L, 4L, 5L, 6L);
            assertThat(toSession.get(4).type()).isEqualTo("done");

            // Now subscribed: the next op is broadcast to this edge.
            final int mark2 = shard.mark();
            edit(shard, 1, "d", 6, "A", 9, "[\"z\"]");
            assertThat(shard.since(mark2)).anySatisfy(x -> assertThat(x.type()).isEqualTo("op"));
        }
    }

    @Test
    void aSnapshotAtAPastVersionIsRebuilt()
    {
        try (ShardHarness shard = new ShardHarness(dir))
        {
            create(shard, "d", "a", "A", 1);
            edit(shard, 1, "d", 1, "A", 2, "[1,\"b\"]");
            edit(shard, 1, "d", 2, "A", 3, "[2,\"c\"]");
            final Reply past = shard.request(r.fetchAt(EDGE, 70, requestIds++, C, "d", 2, -1), 70, "snapshot");
            assertThat(past.version()).isEqualTo(2);
            assertThat(past.text()).isEqualTo("ab");
            final Reply never = shard.request(r.fetchAt(EDGE, 70, requestIds++, C, "d", 0, -1), 70, "snapshot");
            assertThat(never.docType()).isEmpty();
        }
    }

    private List<Reply> history(final ShardHarness shard, final String d, final long from, final long max)
    {
        final int mark = shard.mark();
        final Reply done = shard.request(r.history(EDGE, 90, requestIds++, C, d, from, max), 90, "done",
            "request-reject");
        final List<Reply> out = new ArrayList<>(shard.since(mark).stream()
            .filter(x -> x.session() == 90 && x.type().equals("history")).toList());
        out.add(done);
        return out;
    }

    @Test
    void historyListsEachVersionWithItsAuthorTimeAndSizeThenTheDocumentsVersion()
    {
        try (ShardHarness shard = new ShardHarness(dir))
        {
            final long before = System.currentTimeMillis() * 1_000_000L;
            r.principal = "alice";
            create(shard, "h", "héllo", "A", 1);
            r.principal = "bob";
            edit(shard, 2, "h", 1, "B", 1, "[1,{\"d\":4},\"😀😀\"]");
            r.principal = "";
            edit(shard, 1, "h", 2, "A", 2, "[3,\"!\"]");
            final long after = System.currentTimeMillis() * 1_000_000L + 1_000_000L;

            final List<Reply> all = history(shard, "h", NULL_VERSION, 50);
            assertThat(all).extracting(Reply::type).containsExactly("history", "history", "history", "done");
            assertThat(all).extracting(Reply::version).containsExactly(0L, 1L, 2L, 3L);
            assertThat(all).extracting(Reply::text).containsExactly(
                "CREATE+5-0@alice", "EDIT+2-4@bob", "EDIT+1-0@", "HISTORY");
            assertThat(all.subList(0, 3)).extracting(Reply::source).containsExactly("A", "B", "A");
            assertThat(all.subList(0, 3)).allSatisfy(x -> assertThat(x.seq()).isBetween(before, after));
            assertThat(all.get(0).seq()).isLessThanOrEqualTo(all.get(1).seq());

            // A page: from a version, bounded by maxEntries; the newest ones when from is -1.
            assertThat(history(shard, "h", 1, 1)).extracting(Reply::version).containsExactly(1L, 3L);
            assertThat(history(shard, "h", NULL_VERSION, 2)).extracting(Reply::version).containsExactly(1L, 2L, 3L);
            assertThat(history(shard, "h", 7, 10)).extracting(Reply::type).containsExactly("done");
            assertThat(history(shard, "nothing", NULL_VERSION, 10)).singleElement()
                .satisfies(x -> assertThat(x.version()).isZero());
        }
    }

    @Test
    void historyOlderThanMemoryIsReadFromTheJournal()
    {
        try (ShardHarness shard = new ShardHarness(dir, SequencerConfig.TEST, ThreadingMode.SHARED,
            new MemoryPersistence(), 1L << 30, 100, 4))
        {
            create(shard, "d", "", "A", 1);
            for (int i = 0; i < 30; i++)
            {
                r.principal = "user" + (i % 3);
                assertThat(edit(shard, 1, "d", i + 1, "A", i + 2, "[\"x\"]").type()).isEqualTo("ack");
            }
            final List<Reply> page = history(shard, "d", 2, 10);
            assertThat(page).extracting(Reply::version)
                .containsExactly(2L, 3L, 4L, 5L, 6L, 7L, 8L, 9L, 10L, 11L, 31L);
            for (int i = 0; i < 10; i++)
            {
                assertThat(page.get(i).text()).isEqualTo("EDIT+1-0@user" + ((i + 1) % 3));
            }
        }
    }

    @Test
    void aHistoryPageIsBoundedWhateverItAsksFor()
    {
        try (ShardHarness shard = new ShardHarness(dir))
        {
            create(shard, "big", "", "A", 1);
            final int ops = ShardSequencer.MAX_HISTORY_ENTRIES + 5;
            for (int i = 0; i < ops; i++)
            {
                shard.send(r.edit(EDGE, 1, requestIds++, C, "big", i + 1, "A", i + 2, "[\"x\"]"));
            }
            shard.await(x -> x.type().equals("ack") && x.version() == ops);
            final List<Reply> page = history(shard, "big", 0, Integer.MAX_VALUE);
            assertThat(page).hasSize(ShardSequencer.MAX_HISTORY_ENTRIES + 1);
            assertThat(page.get(page.size() - 1).version()).isEqualTo(ops + 1);
        }
    }

    @Test
    void presenceIsTransformedToTheLatestVersionAndEchoedToItsSender()
    {
        try (ShardHarness shard = new ShardHarness(dir))
        {
            create(shard, "d", "hello world", "A", 1);
            shard.request(r.presenceSubscribe(8, 80, requestIds++, "docs.d"), 80, "done");
            edit(shard, 1, "d", 1, "A", 2, "[\"XYZ\"]");
            final int mark = shard.mark();
            shard.send(r.presence(EDGE, 5, requestIds++, C, "d", "B", "p1", 1, 0, 6, 5, false));
            shard.await(x -> x.type().equals("presence") && x.session() == 5);
            final List<Reply> out = shard.since(mark);
            assertThat(out).anySatisfy(x ->
            {
                assertThat(x.type()).isEqualTo("presence");
                assertThat(x.edge()).isEqualTo(8);
                assertThat(x.text()).isEqualTo("9:5");
                assertThat(x.version()).isEqualTo(2);
            });
            assertThat(out).anySatisfy(x ->
            {
                assertThat(x.session()).isEqualTo(5);
                assertThat(x.text()).isEqualTo("9:5");
            });
        }
    }

    @Test
    void ownInsertAtTheCursorMovesItAfterTheText()
    {
        final TextOp op = TextOp.parseJson("[2,\"ab\"]");
        assertThat(ShardSequencer.transformPosition(2, op, false)).isEqualTo(2);
        assertThat(ShardSequencer.transformPosition(2, op, true)).isEqualTo(4);
        assertThat(ShardSequencer.transformPosition(3, op, false)).isEqualTo(5);
        assertThat(ShardSequencer.transformPosition(5, TextOp.parseJson("[1,{\"d\":3}]"), false)).isEqualTo(2);
        assertThat(ShardSequencer.transformPosition(2, TextOp.parseJson("[1,{\"d\":3}]"), false)).isEqualTo(1);
    }

    @Test
    void oldVersionsBeyondMemoryAreReadFromTheJournal()
    {
        try (ShardHarness shard = new ShardHarness(dir, SequencerConfig.TEST, ThreadingMode.SHARED,
            new MemoryPersistence(), 1L << 30, 100, 4))
        {
            create(shard, "d", "", "A", 1);
            final Rope reference = new Rope();
            final TextUnicode ot = new TextUnicode();
            final List<String> ops = new ArrayList<>();
            for (int i = 0; i < 40; i++)
            {
                final int pos = Math.min(i % 7, reference.length());
                final String op = "[" + (pos == 0 ? "" : pos + ",") + "\"" + (char)('a' + i % 26) + "\"]";
                ot.apply(TextOp.parseJson(op), reference);
                ops.add(op);
                assertThat(edit(shard, 1, "d", i + 1, "A", i + 2, op).type()).isEqualTo("ack");
            }
            // Full catch-up from 0: the create and all 40 edits, most of them from the journal.
            final int mark = shard.mark();
            shard.request(r.subscribe(EDGE, 61, requestIds++, C, "d", 0, false), 61, "done");
            final List<Reply> catchUp = shard.since(mark).stream()
                .filter(x -> x.session() == 61 && x.type().equals("op")).toList();
            assertThat(catchUp).hasSize(41);
            for (int i = 0; i < 40; i++)
            {
                assertThat(catchUp.get(i + 1).text()).isEqualTo(ops.get(i));
            }
            // An op based on version 3 is transformed through 38 ops, most read back from the journal.
            final Reply late = edit(shard, 2, "d", 3, "B", 1, "[\"!\"]");
            assertThat(late.version()).isEqualTo(41);
            final TextOp lateOp = TextOp.parseJson("[\"!\"]");
            final TextOp t = new TextOp();
            final TextOp tmp = new TextOp();
            t.copyFrom(lateOp);
            for (int i = 2; i < 40; i++)
            {
                ot.transform(t, TextOp.parseJson(ops.get(i)), TextUnicode.Side.LEFT, tmp);
                t.copyFrom(tmp);
            }
            ot.apply(t, reference);
            assertThat(snapshot(shard, "d").text()).isEqualTo(reference.toString());
        }
    }

    @Test
    void documentsAreUnloadedToSnapshotsAndReloadedUnderTheCountBound()
    {
        final MemoryPersistence persistence = new MemoryPersistence();
        try (ShardHarness shard = new ShardHarness(dir, SequencerConfig.TEST, ThreadingMode.SHARED, persistence,
            1L << 30, 2, 100))
        {
            final String[] names = {"a", "b", "c", "d"};
            for (final String n : names)
            {
                create(shard, n, n, "A", n.charAt(0));
            }
            for (int round = 1; round <= 5; round++)
            {
                for (final String n : names)
                {
                    assertThat(edit(shard, 1, n, round, "A", 1000 + round * 10 + n.charAt(0), "[\"" + round + "\"]")
                        .type()).isEqualTo("ack");
                }
            }
            for (final String n : names)
            {
                assertThat(snapshot(shard, n).text()).isEqualTo("54321" + n);
            }
            assertThat(shard.docs.loadedCount()).isLessThanOrEqualTo(3);
            assertThat(persistence.saves).isGreaterThan(4);
            assertThat(persistence.loadsFromSnapshot).isGreaterThan(4);
        }
    }

    @Test
    void unloadsSnapshotInTheBackgroundWaitWhileTheWriterIsFullAndWriteInlineOnlyFarOverTheBound()
    {
        final MemoryPersistence persistence = new MemoryPersistence();
        // One document in memory; an eighth over that bound is one more.
        try (ShardHarness shard = new ShardHarness(dir, SequencerConfig.TEST, ThreadingMode.SHARED, persistence,
            1L << 30, 1, 100))
        {
            create(shard, "a", "a", "A", 1);
            create(shard, "b", "b", "A", 2);
            assertThat(edit(shard, 1, "a", 1, "A", 3, "[\"x\"]").type()).isEqualTo("ack");
            // Each request for the other document unloaded the one in memory, through the writer.
            assertThat(shard.docs.unloads()).isEqualTo(2);
            assertThat(persistence.backgroundSaves).isEqualTo(2);

            persistence.backgroundFree = false;
            assertThat(edit(shard, 1, "b", 1, "A", 4, "[\"y\"]").type()).isEqualTo("ack");
            // a's snapshot is due and the writer is full: a stays, two documents in memory.
            assertThat(shard.docs.loadedCount()).isEqualTo(2);
            assertThat(shard.counters.docUnloadsDeferred()).isEqualTo(1);
            assertThat(create(shard, "c", "c", "A", 5).type()).isEqualTo("ack");
            // Three is further over than an eighth: a is written here; then b waits, back within the tolerance.
            assertThat(shard.counters.docUnloadSnapshotsInline()).isEqualTo(1);
            assertThat(shard.counters.docUnloadsDeferred()).isEqualTo(2);
            assertThat(shard.docs.loadedCount()).isEqualTo(2);

            persistence.backgroundFree = true;
            assertThat(snapshot(shard, "c").text()).isEqualTo("c");
            assertThat(shard.docs.loadedCount()).isEqualTo(1);
            assertThat(shard.docs.unloads()).isEqualTo(4);
            assertThat(persistence.backgroundSaves).isEqualTo(3);
            assertThat(persistence.saves).isEqualTo(4);
            assertThat(snapshot(shard, "a").text()).isEqualTo("xa");
            assertThat(snapshot(shard, "b").text()).isEqualTo("yb");
        }
    }

    @ParameterizedTest
    @EnumSource(ThreadingMode.class)
    void theJournalHoldsEveryCommittedOpWithItsChecksumInLsnOrder(final ThreadingMode mode)
    {
        final List<String> texts = new ArrayList<>();
        try (ShardHarness shard = new ShardHarness(dir, SequencerConfig.TEST, mode, new MemoryPersistence(),
            1L << 30, 100, 100))
        {
            final Random random = new Random(3);
            create(shard, "d", "start", "A", 1);
            texts.add("start");
            final Rope reference = new Rope("start");
            final TextUnicode ot = new TextUnicode();
            for (int i = 0; i < 200; i++)
            {
                final int pos = random.nextInt(reference.length() + 1);
                final String op = random.nextBoolean() || reference.length() == 0 ?
                    (pos == 0 ? "[\"é😀\"]" : "[" + pos + ",\"é😀\"]") :
                    (pos >= reference.length() ? "[{\"d\":1}]" : (pos == 0 ? "[{\"d\":1}]" : "[" + pos + ",{\"d\":1}]"));
                if (edit(shard, 1, "d", i + 1, "A", i + 2, op).type().equals("ack"))
                {
                    ot.apply(TextOp.parseJson(op), reference);
                }
                else
                {
                    edit(shard, 1, "d", i + 1, "A", i + 1000, "[]");
                }
                texts.add(reference.toString());
            }
        }
        final JournalRecords records = new JournalRecords();
        final List<Long> checksums = new ArrayList<>();
        final List<Long> lsns = new ArrayList<>();
        final List<Long> versions = new ArrayList<>();
        try (JournalReader reader = JournalReader.open(dir))
        {
            while (reader.poll((lsn, buffer, offset, length, index, position) ->
            {
                final JournalRecordDecoder d = records.wrap(buffer, offset);
                lsns.add(lsn);
                versions.add(d.version());
                checksums.add(d.checksum());
            }, 100) > 0)
            {
                // drain
            }
        }
        assertThat(lsns).hasSize(201);
        for (int i = 0; i < lsns.size(); i++)
        {
            assertThat(lsns.get(i)).isEqualTo(i + 1L);
            assertThat(versions.get(i)).isEqualTo(i);
            assertThat(checksums.get(i)).as("checksum after version %d", i).isEqualTo(TextChecksum.of(texts.get(i)));
        }
    }
}
