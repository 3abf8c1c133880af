package io.quire.engine;

import io.quire.engine.ring.EgressSink;
import io.quire.engine.ring.EgressStage;
import io.quire.engine.ring.JournalStage;
import io.quire.engine.ring.SequencerStage;
import io.quire.engine.ring.ShardRing;
import io.quire.engine.ring.WaitStrategies;
import io.quire.engine.shard.DocumentStore;
import io.quire.engine.shard.EpochRecords;
import io.quire.engine.shard.JournalRecordLookup;
import io.quire.engine.shard.ShardCounters;
import io.quire.engine.shard.ShardRecovery;
import io.quire.engine.shard.ShardSequencer;
import io.quire.engine.shard.SnapshotPersistence;
import io.quire.engine.shard.SnapshotWriter;
import io.quire.journal.JournalPretoucher;
import io.quire.journal.JournalReader;
import io.quire.journal.JournalWriter;
import io.quire.journal.snapshot.SnapshotStore;
import org.HdrHistogram.SingleWriterRecorder;
import org.agrona.DirectBuffer;
import org.agrona.concurrent.EpochNanoClock;
import org.agrona.concurrent.status.AtomicCounter;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.ArrayDeque;
import java.util.function.Function;
import java.util.function.LongSupplier;

/**
 * One shard, assembled: its journal and snapshots (periodic ones written by a background thread), recovered
 * documents, the sequencer and the ring. Open it, then {@link #start()}; the ingress offers commands; {@link #close()}
 * drains the ring and the snapshot writer, optionally snapshots changed documents, and closes the journal.
 */
public final class Shard implements AutoCloseable
{
    private static final Logger LOG = LoggerFactory.getLogger(Shard.class);
    /** Commit latency (ingress to ack sent) and journal batch commit time are recorded in ns up to this bound. */
    private static final long MAX_RECORDED_NANOS = 60_000_000_000L;

    private final ShardSettings settings;
    private final JournalWriter writer;
    private final JournalRecordLookup lookup;
    private final SnapshotStore snapshots;
    private final SnapshotPersistence persistence;
    private final SnapshotWriter snapshotWriter;
    /** Faults the journal's next pages in ahead of the shard thread; null if {@code journal.pretouch-ahead} is 0. */
    private final JournalPretoucher pretoucher;
    private final DocumentStore documents;
    private final ShardSequencer sequencer;
    private final ShardRing ring;
    private final ShardCounters counters;
    private final SingleWriterRecorder commitLatency = new SingleWriterRecorder(MAX_RECORDED_NANOS, 3);
    private final SingleWriterRecorder journalLatency = new SingleWriterRecorder(MAX_RECORDED_NANOS, 3);
    private final SingleWriterRecorder batchSlots = new SingleWriterRecorder(3);
    private final SingleWriterRecorder docLoadLatency = new SingleWriterRecorder(DocumentStore.MAX_RECORDED_NANOS, 3);
    private final AtomicCounter egressSent;
    private final AtomicCounter egressUndelivered;
    private final ShardRecovery.Result recovery;
    private final ShardRecovery replay;
    private final io.quire.engine.ring.ReplicationGate gate = new io.quire.engine.ring.ReplicationGate();
    private final EpochRecords epochs = new EpochRecords();
    // Volatile: a standby's replication thread advances it as epoch records arrive; monitoring reads it.
    private volatile long lastEpoch;
    private volatile boolean replicationFailed;
    private boolean started;

    private Shard(
        final ShardSettings settings, final EgressSink sink, final Function<String, AtomicCounter> counterFactory,
        final LongSupplier epoch, final EpochNanoClock clock)
    {
        this.settings = settings;
        final int shardId = settings.shardId();
        final Function<String, AtomicCounter> named = label -> counterFactory.apply("shard-" + shardId + " " + label);
        this.counters = new ShardCounters(named);
        // What is opened is closed again, newest first, if a later step fails (a damaged journal, a recovery that
        // does not add up): a leased node retries opening its shards in the same JVM and must not leak mapped
        // journal files or a snapshot thread per attempt.
        final ArrayDeque<AutoCloseable> opened = new ArrayDeque<>();
        try
        {
            this.writer = new JournalWriter(settings.journal());
            opened.push(writer);
            final long ahead = settings.journal().pretouchAhead();
            this.pretoucher = ahead > 0 ? new JournalPretoucher(writer, ahead, "quire-pretouch-" + shardId,
                named.apply("journal-pretouched-pages")) : null;
            if (pretoucher != null)
            {
                opened.push(pretoucher);
            }
            this.snapshots = SnapshotStore.open(settings.snapshots());
            opened.push(snapshots);
            this.lookup = new JournalRecordLookup(writer.newReader());
            opened.push(lookup);
            this.persistence = new SnapshotPersistence(shardId, snapshots, lookup, epoch, clock);
            this.documents = new DocumentStore(
                persistence, settings.maxLoadedBytes(), settings.maxLoadedDocs(), settings.historyMaxOps())
                .observe(counters, docLoadLatency);
            this.replay = ShardRecovery.open(snapshots, documents);
            try (JournalReader reader = writer.newReader())
            {
                this.recovery = replay.replay(reader);
            }
            this.lastEpoch = recovery.lastEpoch();
            if (recovery.nextLsn() != writer.nextLsn())
            {
                throw new IllegalStateException("shard " + shardId + ": recovery ended at LSN " + recovery.nextLsn() +
                    " but the journal continues at " + writer.nextLsn());
            }
            this.snapshotWriter = new SnapshotWriter(shardId, snapshots, named.apply("snapshots-written"),
                named.apply("snapshot-failures"));
            opened.push(snapshotWriter);
            persistence.writeInBackground(snapshotWriter);
            final ShardRing.ForwardingSupplier journaled = ShardRing.forwardingSupplier();
            this.sequencer = new ShardSequencer(settings.sequencer(), documents, persistence, lookup, writer.nextLsn(),
                journaled, epoch, clock, counters);
            final JournalStage journal = new JournalStage(shardId, writer, journalLatency, batchSlots);
            this.egressSent = named.apply("egress-sent");
            this.egressUndelivered = named.apply("egress-undelivered");
            final EgressStage egress = new EgressStage(sink, journal, commitLatency, egressSent, egressUndelivered,
                named.apply("egress-suppressed"), gate);
            this.ring = new ShardRing(shardId, settings.ringSize(), settings.threading(),
                WaitStrategies.parse(settings.waitStrategy()), settings.maxBatch(), new SequencerStage(sequencer),
                journal, egress, settings.engineCpus());
            journaled.target(ring.journaledSequence());
        }
        catch (final RuntimeException | Error ex)
        {
            for (final AutoCloseable resource : opened)
            {
                try
                {
                    resource.close();
                }
                catch (final Exception closeFailure)
                {
                    ex.addSuppressed(closeFailure);
                }
            }
            throw ex;
        }
        LOG.info("shard {}: recovered {} records ({} applied, {} documents, {} snapshots) in {} ms; next LSN {}",
            shardId, recovery.records(), recovery.applied(), recovery.documents(), recovery.snapshots(),
            recovery.millis(), recovery.nextLsn());
    }

    /**
     * Open a shard: recover its documents from snapshots and journal (the ring is not started yet).
     *
     * @param settings       the shard's settings.
     * @param sink           where stage 3 sends outbound messages.
     * @param counterFactory makes counters from labels.
     * @param epoch          the current epoch.
     * @param clock          wall clock for record timestamps.
     * @return the recovered shard.
     */
    public static Shard open(
        final ShardSettings settings, final EgressSink sink, final Function<String, AtomicCounter> counterFactory,
        final LongSupplier epoch, final EpochNanoClock clock)
    {
        return new Shard(settings, sink, counterFactory, epoch, clock);
    }

    /**
     * Before {@link #start()}: this node becomes the shard's primary in {@code epoch}. Appends and commits an
     * {@code EpochRecord} (the fencing point: every later record carries {@code epoch}), so the journal says who
     * wrote what even when two nodes once believed they were primary.
     *
     * @param epoch       the new epoch; must be above every epoch the journal holds.
     * @param nodeId      this node.
     * @param timestampNs wall clock.
     * @throws StaleEpochException if {@code epoch} is not above the journal's last epoch.
     */
    public void beginEpoch(final long epoch, final int nodeId, final long timestampNs)
    {
        if (started)
        {
            throw new IllegalStateException("shard " + settings.shardId() + ": epoch change while running");
        }
        final long last = lastEpoch;
        if (epoch <= last)
        {
            throw new StaleEpochException(settings.shardId(), epoch, last);
        }
        final org.agrona.ExpandableArrayBuffer buffer = new org.agrona.ExpandableArrayBuffer(64);
        final int length = new EpochRecords().encode(buffer, epoch, last, timestampNs, nodeId);
        handOver();
        writer.append(writer.nextLsn(), buffer, 0, length);
        writer.commitBatch();
        writer.handOver();
        sequencer.journaledOutsideRing(writer.nextLsn());
        lastEpoch = epoch;
        LOG.info("shard {}: node {} is primary in epoch {} (previous {}), from LSN {}", settings.shardId(), nodeId,
            epoch, last, writer.nextLsn());
    }

    /**
     * Before {@link #start()}, on the replication thread only: journal one record received from the primary (with
     * the primary's LSN) and apply it to the documents with recovery's checks (consecutive versions, the text's
     * checksum after every op). Call {@link #replicatedBatch()} at the end of each of the primary's batches.
     *
     * @param lsn    the record's LSN; must be this journal's next.
     * @param buffer the record.
     * @param offset its start.
     * @param length its length.
     * @throws IllegalStateException if the record does not follow (LSN, version) or does not apply to the text the
     *                               primary had (checksum).
     */
    public void replicate(final long lsn, final DirectBuffer buffer, final int offset, final int length)
    {
        if (started)
        {
            throw new IllegalStateException("shard " + settings.shardId() + " is primary: it does not replicate");
        }
        if (replicationFailed)
        {
            throw new IllegalStateException("shard " + settings.shardId() + ": replication failed earlier");
        }
        final long epoch = epochs.epochOf(buffer, offset);
        if (epoch >= 0 && epoch < lastEpoch)
        {
            // A deposed primary's record: refused before it can reach this journal.
            replicationFailed = true;
            writer.abortBatch();
            throw new StaleEpochException(settings.shardId(), epoch, lastEpoch);
        }
        writer.append(lsn, buffer, offset, length);
        try
        {
            replay.onRecord(lsn, buffer, offset, length, -1, 0);
        }
        catch (final RuntimeException ex)
        {
            // The documents may now be ahead of the journal: keep the journal at its last good batch, write no
            // snapshot from these documents, and follow no further.
            replicationFailed = true;
            writer.abortBatch();
            throw ex;
        }
        lastEpoch = replay.lastEpoch();
    }

    /** Replication thread: the primary's batch ended; commit the copy and bound memory. */
    public void replicatedBatch()
    {
        writer.commitBatch();
        replay.enforceBounds();
    }

    /**
     * Before {@link #start()}: the thread that used the shard's journal so far (opening, replicating) will not touch
     * it again; the next thread that does (the replication thread, or the ring after a promotion) owns it.
     */
    public void handOver()
    {
        writer.handOver();
        lookup.handOver();
    }

    /** @return the LSN the next journal record gets. */
    public long nextLsn()
    {
        return writer.nextLsn();
    }

    /** @return a new reader over this shard's journal (caller closes it, on one thread, before the shard). */
    public JournalReader newJournalReader()
    {
        return writer.newReader();
    }

    /** @return the replicated ack policy's barrier (replication thread advances it). */
    public io.quire.engine.ring.ReplicationGate replicationGate()
    {
        return gate;
    }

    /** @return the newest epoch in the shard's journal (recovered, or begun by {@link #beginEpoch}). */
    public long lastEpoch()
    {
        return lastEpoch;
    }

    /**
     * Start the ring's threads (in single threading mode the engine's thread {@link #poll()}s instead). Only a
     * primary's shard is started: a replica's journal is written by its replication thread until a promotion. The
     * thread that opened the shard gives up the journal first: recovery may have read records back through the
     * shard's lookup (documents loaded again to replay the journal from their snapshots), and the ring's thread owns
     * it from now on.
     */
    public void start()
    {
        handOver();
        ring.start();
        started = true;
    }

    /**
     * Single threading mode, on the engine's thread: run the stages over what the ring holds (one batch at most).
     *
     * @return commands handled.
     */
    public int poll()
    {
        return ring.poll();
    }

    /**
     * Single threading mode, on the engine's thread when a duty cycle found nothing to do: fault in the page of the
     * journal file the next batch starts on, so a commit at moderate load does not stop for it.
     *
     * @return true if a page was touched.
     */
    public boolean idle()
    {
        return started && ring.idle();
    }

    /**
     * Ingress thread only: hand a message to the ring.
     *
     * @param buffer        source.
     * @param offset        message start.
     * @param length        message length.
     * @param templateId    template id.
     * @param receivedNanos when received.
     * @return false if the ring is full.
     */
    public boolean offer(
        final DirectBuffer buffer, final int offset, final int length, final int templateId, final long receivedNanos)
    {
        return ring.offer(buffer, offset, length, templateId, receivedNanos);
    }

    /**
     * Ingress thread only: hand a message to the ring, published with the next {@link #publishBatch()} (at the latest
     * after {@code maxBatch} deferred messages).
     *
     * @param buffer        source.
     * @param offset        message start.
     * @param length        message length.
     * @param templateId    template id.
     * @param receivedNanos when received.
     * @param maxBatch      publish at once when this many messages wait.
     * @return false if the ring is full.
     */
    public boolean offerDeferred(
        final DirectBuffer buffer, final int offset, final int length, final int templateId, final long receivedNanos,
        final int maxBatch)
    {
        return ring.offerDeferred(buffer, offset, length, templateId, receivedNanos, maxBatch);
    }

    /** Ingress thread only: publish the messages {@link #offerDeferred} queued. */
    public void publishBatch()
    {
        ring.publishBatch();
    }

    /**
     * Ingress thread only: a control command.
     *
     * @param control   command.
     * @param edgeId    edge.
     * @param edgeEpoch its incarnation.
     * @return false if the ring is full.
     */
    public boolean offerControl(final byte control, final int edgeId, final long edgeEpoch)
    {
        return ring.offerControl(control, edgeId, edgeEpoch);
    }

    /** @return shard number. */
    public int shardId()
    {
        return settings.shardId();
    }

    /** @return what recovery found at open. */
    public ShardRecovery.Result recovery()
    {
        return recovery;
    }

    /** @return the shard's counters. */
    public ShardCounters counters()
    {
        return counters;
    }

    /** @return commit latency recorder (ns from ingress receive to ack handed to the transport). */
    public SingleWriterRecorder commitLatency()
    {
        return commitLatency;
    }

    /** @return journal batch commit time recorder (ns). */
    public SingleWriterRecorder journalLatency()
    {
        return journalLatency;
    }

    /** @return ring slots per batch commit recorder. */
    public SingleWriterRecorder batchSlots()
    {
        return batchSlots;
    }

    /**
     * @return time of each document load from a snapshot and the journal, ns: how long the shard thread stopped for
     *         it (single writer: the sequencer thread).
     */
    public SingleWriterRecorder docLoadLatency()
    {
        return docLoadLatency;
    }

    /** @return free ring slots. */
    public long ringRemaining()
    {
        return ring.remainingCapacity();
    }

    /** @return ring size. */
    public int ringSize()
    {
        return ring.bufferSize();
    }

    /** @return bytes appended to the journal since open. */
    public long journalBytes()
    {
        return writer.bytesWritten();
    }

    /** @return periodic (background) snapshot files written since open. */
    public long snapshotFiles()
    {
        return snapshotWriter.filesWritten();
    }

    /** @return bytes of periodic (background) snapshot files written since open. */
    public long snapshotBytes()
    {
        return snapshotWriter.bytesWritten();
    }

    /** @return true unless the journal failed (then the shard acknowledges nothing until restart). */
    public boolean healthy()
    {
        return ring.journal().failedAt() == Long.MAX_VALUE && !replicationFailed;
    }

    /** @return the documents (only to be touched when the ring is stopped, or by the ring's stage-1 thread). */
    public DocumentStore documents()
    {
        return documents;
    }

    @Override
    public void close()
    {
        if (started)
        {
            gate.release();
            if (settings.threading() == io.quire.engine.ring.ThreadingMode.SINGLE)
            {
                // The engine's thread has stopped (no batch is open between its polls): what it left in the ring
                // is finished on this thread, which must own the journal's appender and the lookup's tailer.
                handOver();
            }
            ring.close();
            started = false;
        }
        snapshotWriter.close();
        if (settings.snapshotOnClose() && healthy())
        {
            final int[] written = {0};
            documents.forEach(doc ->
            {
                if (doc.loaded() && doc.snapshotVersion() != doc.version())
                {
                    persistence.save(doc);
                    written[0]++;
                }
            });
            LOG.info("shard {}: wrote {} snapshots at shutdown", settings.shardId(), written[0]);
        }
        if (pretoucher != null)
        {
            pretoucher.close();
        }
        lookup.close();
        writer.close();
        snapshots.close();
    }
}
