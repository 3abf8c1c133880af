package io.quire.engine;

import io.aeron.Aeron;
import io.quire.engine.client.DocRef;
import io.quire.engine.client.EngineClient;
import io.quire.engine.shard.EpochRecords;
import io.quire.journal.JournalReader;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * Epochs across restarts of a real engine node (embedded driver, Chronicle journals in a temp dir): each start as
 * primary journals an {@code EpochRecord} one above the newest journaled epoch, every later record carries it,
 * heartbeats announce it, recovery restores it, and an explicit epoch that is not newer is refused.
 */
class EngineEpochTest
{
    @TempDir
    Path dir;

    private EngineNode node;
    private Aeron aeron;
    private EngineClient client;

    @AfterEach
    void close()
    {
        if (client != null)
        {
            client.close();
        }
        if (aeron != null)
        {
            aeron.close();
        }
        if (node != null)
        {
            node.close();
        }
    }

    /** What a client saw: acks and the epochs heartbeats carried. */
    static final class Seen implements EngineClient.Listener
    {
        final List<Long> acks = new ArrayList<>();
        long heartbeatEpoch = -1;
        int heartbeats;

        @Override
        public void onAck(final long sessionId, final long requestId, final long docHash, final long version,
            final long seq)
        {
            acks.add(requestId);
        }

        @Override
        public void onEngineHeartbeat(
            final int nodeId, final long epoch, final int shardCount, final int shardBegin, final int shardEnd)
        {
            heartbeatEpoch = epoch;
            heartbeats++;
        }
    }

    /** Every record of a shard's journal as (lsn, epoch, isEpochRecord). */
    private List<long[]> records(final int shard)
    {
        final List<long[]> out = new ArrayList<>();
        final EpochRecords epochs = new EpochRecords();
        try (JournalReader reader = JournalReader.open(dir.resolve("data").resolve("shard-" + shard).resolve("journal")))
        {
            while (reader.poll((lsn, buffer, offset, length, index, position) -> out.add(new long[] {
                lsn, epochs.epochOf(buffer, offset), epochs.isEpochRecord(buffer, offset) ? 1 : 0}), 64) > 0)
            {
                continue;
            }
        }
        return out;
    }

    private void launch(final EngineContext ctx)
    {
        node = EngineNode.launch(ctx);
    }

    private void stop()
    {
        node.close();
        node = null;
    }

    @Test
    void eachStartAsPrimaryBeginsANewerEpochThatEveryRecordCarries()
    {
        launch(EngineNodeTest.testContext(dir));
        assertThat(node.epoch()).isEqualTo(1);
        assertThat(node.shard(0).lastEpoch()).isEqualTo(1);
        stop();

        launch(EngineNodeTest.testContext(dir));
        assertThat(node.epoch()).as("one above the journaled epoch").isEqualTo(2);
        assertThat(node.shard(0).recovery().lastEpoch()).as("recovery restored it").isEqualTo(1);

        aeron = Aeron.connect(new Aeron.Context().aeronDirectoryName(node.aeronDirectoryName()));
        final Seen seen = new Seen();
        client = EngineClient.connect(aeron, node.ingressChannel(), node.ingressStream(), 11, "aeron:ipc", 2001, seen);
        EngineNodeTest.await("heartbeat", () -> seen.heartbeatEpoch == 2, client);
        final byte[] src = "A".getBytes(StandardCharsets.UTF_8);
        final List<Long> sent = new ArrayList<>();
        for (int i = 0; i < 8; i++)
        {
            sent.add(client.submitCreate(1, new DocRef("docs", "e" + i), -1, src, i + 1, "text " + i));
        }
        EngineNodeTest.await("acks", () -> seen.acks.containsAll(sent), client);
        client.close();
        client = null;
        aeron.close();
        aeron = null;
        stop();

        long ops = 0;
        for (int shard = 0; shard < 2; shard++)
        {
            final List<long[]> records = records(shard);
            assertThat(records.get(0)).as("shard %d starts with the first EpochRecord", shard)
                .containsExactly(1, 1, 1);
            assertThat(records.get(1)).as("then the second start's").containsExactly(2, 2, 1);
            for (final long[] r : records.subList(2, records.size()))
            {
                assertThat(r[1]).as("lsn %d carries the epoch it was written in", r[0]).isEqualTo(2);
                assertThat(r[2]).isZero();
                ops++;
            }
        }
        assertThat(ops).isEqualTo(8);

        launch(EngineNodeTest.testContext(dir));
        assertThat(node.epoch()).isEqualTo(3);
        assertThat(node.shard(1).recovery().lastEpoch()).isEqualTo(2);
    }

    @Test
    void anEpochThatIsNotNewerIsRefused()
    {
        launch(EngineNodeTest.testContext(dir).epoch(7));
        assertThat(node.epoch()).isEqualTo(7);
        stop();

        assertThatThrownBy(() -> launch(EngineNodeTest.testContext(dir).epoch(7)))
            .isInstanceOfSatisfying(StaleEpochException.class, ex ->
            {
                assertThat(ex.epoch()).isEqualTo(7);
                assertThat(ex.journaledEpoch()).isEqualTo(7);
            });
        assertThat(node).isNull();

        launch(EngineNodeTest.testContext(dir));
        assertThat(node.epoch()).isEqualTo(8);
        assertThat(records(0)).extracting(r -> r[1]).containsExactly(7L, 8L);
    }
}
