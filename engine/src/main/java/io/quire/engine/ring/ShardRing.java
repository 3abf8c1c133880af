package io.quire.engine.ring;

import com.lmax.disruptor.BusySpinWaitStrategy;
import com.lmax.disruptor.EventPoller;
import com.lmax.disruptor.ExceptionHandler;
import com.lmax.disruptor.InsufficientCapacityException;
import com.lmax.disruptor.RingBuffer;
import com.lmax.disruptor.WaitStrategy;
import com.lmax.disruptor.dsl.Disruptor;
import com.lmax.disruptor.dsl.ProducerType;
import io.quire.engine.CpuSet;
import org.agrona.DirectBuffer;
import org.agrona.ExpandableArrayBuffer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.LongSupplier;

/**
 * One shard's LMAX Disruptor ring: a single producer (the engine's ingress agent) and the stages
 * sequence → journal → egress, run by the thread that calls {@link #poll()} ({@link ThreadingMode#SINGLE}: the
 * engine's one thread, through an {@link EventPoller}), on one thread of the ring's own
 * ({@link ThreadingMode#SHARED}) or on three ({@link ThreadingMode#DEDICATED}). Either way egress never runs ahead of
 * the journal for a slot.
 * <p>
 * The ring size is the shard's bound on queued commands: when it is full {@link #offer} returns false at once and
 * the ingress rejects the command as overloaded; nothing blocks.
 */
public final class ShardRing implements AutoCloseable
{
    /** Ring stage threads are named this, then {@code SHARD-N}. */
    public static final String THREAD_NAME_PREFIX = "quire-shard-";

    private static final Logger LOG = LoggerFactory.getLogger(ShardRing.class);

    private final int shardId;
    private final Disruptor<CommandEvent> disruptor;
    private final RingBuffer<CommandEvent> ring;
    private final EventPoller<CommandEvent> poller;
    private final SharedPipelineHandler pipeline;
    private final JournalStage journal;
    private final LongSupplier journaledSequence;
    private boolean started;
    private long batchFirst = -1;
    private long batchLast = -1;

    /**
     * Build (not start) a shard ring.
     *
     * @param shardId      shard number (thread names, logs).
     * @param ringSize     slots, a power of two: the queue bound.
     * @param mode         threading mode.
     * @param waitStrategy how stage threads wait for work.
     * @param maxBatch     shared mode: commit and send at least every this many slots.
     * @param sequencer    stage 1.
     * @param journal      stage 2.
     * @param egress       stage 3.
     * @param cpus         CPUs the ring's threads pin themselves to as they start (shared and dedicated modes).
     */
    public ShardRing(
        final int shardId,
        final int ringSize,
        final ThreadingMode mode,
        final WaitStrategy waitStrategy,
        final int maxBatch,
        final SequencerStage sequencer,
        final JournalStage journal,
        final EgressStage egress,
        final CpuSet cpus)
    {
        this.shardId = shardId;
        this.journal = journal;
        if (mode == ThreadingMode.SINGLE)
        {
            // Nobody waits on this ring (the owner polls it), so the wait strategy's only job, waking a waiting
            // consumer on publish, is a no-op here: busy-spin's signal does nothing.
            this.disruptor = null;
            final ExpandableArrayBuffer sharedJournal = CommandEvent.newSharedJournalBuffer();
            this.ring = RingBuffer.createSingleProducer(
                () -> new CommandEvent(sharedJournal), ringSize, new BusySpinWaitStrategy());
            this.poller = ring.newPoller();
            this.pipeline = new SharedPipelineHandler(ring, sequencer, journal, egress, maxBatch);
            // The producer may reuse a slot once its messages have left, not when the poller has passed it: under
            // the replicated ack policy committed slots can be held for a replica after the poller moved on.
            ring.addGatingSequences(pipeline.releasedSequence());
            journaledSequence = pipeline::journaledSequence;
            return;
        }
        this.poller = null;
        // Shared mode appends each slot's record right after stage 1 encoded it, on the same thread: one buffer.
        final ExpandableArrayBuffer sharedJournal =
            mode == ThreadingMode.SHARED ? CommandEvent.newSharedJournalBuffer() : null;
        this.disruptor = new Disruptor<>(
            sharedJournal != null ? () -> new CommandEvent(sharedJournal) : CommandEvent::new,
            ringSize, threadFactory(shardId, cpus), ProducerType.SINGLE, waitStrategy);
        this.disruptor.setDefaultExceptionHandler(new LoggingExceptionHandler(shardId));
        this.ring = disruptor.getRingBuffer();
        if (mode == ThreadingMode.SHARED)
        {
            this.pipeline = new SharedPipelineHandler(ring, sequencer, journal, egress, maxBatch);
            disruptor.handleEventsWith(pipeline);
            journaledSequence = pipeline::journaledSequence;
        }
        else
        {
            this.pipeline = null;
            disruptor.handleEventsWith(sequencer).then(journal).then(egress);
            journaledSequence = () -> disruptor.getSequenceValueFor(journal);
        }
    }

    /**
     * {@link ThreadingMode#SINGLE} only, on the owning thread: run the three stages over the published slots, at most
     * {@code maxBatch} of them (committed and sent as one batch), and free them for the producer. Under the
     * replicated ack policy, first send what an earlier poll held back and a replica has since journaled; what it
     * has not is held again (never waited for here).
     *
     * @return slots handled or sent, 0 if none were waiting.
     */
    public int poll()
    {
        final int sent = pipeline.flush();
        try
        {
            poller.poll(pipeline.pollerHandler());
        }
        catch (final Exception ex)
        {
            // Stages catch their own failures; reaching here is a bug. Log it and keep the owning thread alive.
            LOG.error("shard {}: unexpected error polling the ring", shardId, ex);
        }
        return sent + pipeline.drainPolled();
    }

    /**
     * Single mode, on the engine's thread when a duty cycle found nothing to do: fault in the journal's next page.
     *
     * @return true if a page was touched.
     */
    public boolean idle()
    {
        return poller != null && journal.prefault();
    }

    /**
     * The sequence the journal has passed, for stage 1's decisions about what it may recycle or snapshot. Valid to
     * call from stage 1's thread only in the shared and single modes (it reads a plain field there).
     *
     * @return a supplier of the journaled sequence.
     */
    public LongSupplier journaledSequence()
    {
        return journaledSequence;
    }

    /**
     * A supplier that can be handed to stage 1 before the ring exists (the sequencer is built first).
     *
     * @return a forwarding supplier; valid once the ring is built.
     */
    public static ForwardingSupplier forwardingSupplier()
    {
        return new ForwardingSupplier();
    }

    /** A {@link LongSupplier} whose target is set later. */
    public static final class ForwardingSupplier implements LongSupplier
    {
        private LongSupplier target = () -> -1;

        /**
         * @param target the real supplier.
         */
        public void target(final LongSupplier target)
        {
            this.target = target;
        }

        @Override
        public long getAsLong()
        {
            return target.getAsLong();
        }
    }

    /** Start the stage threads (in {@link ThreadingMode#SINGLE}, the owner starts polling instead). */
    public void start()
    {
        if (disruptor != null)
        {
            disruptor.start();
        }
        started = true;
    }

    /**
     * Producer only (single thread): copy an inbound message into the next slot.
     *
     * @param buffer        source.
     * @param offset        message start.
     * @param length        message length.
     * @param templateId    its template id.
     * @param receivedNanos when it was received.
     * @return false if the ring is full (the caller rejects the command as overloaded).
     */
    public boolean offer(
        final DirectBuffer buffer, final int offset, final int length, final int templateId, final long receivedNanos)
    {
        final long sequence;
        try
        {
            sequence = ring.tryNext();
        }
        catch (final InsufficientCapacityException ex)
        {
            return false;
        }
        try
        {
            ring.get(sequence).setMessage(buffer, offset, length, templateId, receivedNanos);
        }
        finally
        {
            ring.publish(sequence);
            batchFirst = -1;
            batchLast = -1;
        }
        return true;
    }

    /**
     * Producer only: copy an inbound message into the next slot, but publish it only with the next
     * {@link #publishBatch()} (or any immediate offer), at the latest after {@code maxBatch} deferred slots. Publishing
     * a batch at once saves the per-publish wake-up check of the wait strategy (an atomic exchange on a line the
     * consumer writes), which costs more than anything else the producer does per message.
     *
     * @param buffer        source.
     * @param offset        message start.
     * @param length        message length.
     * @param templateId    its template id.
     * @param receivedNanos when it was received.
     * @param maxBatch      publish now if this many slots are waiting.
     * @return false if the ring is full (what was deferred is published then).
     */
    public boolean offerDeferred(
        final DirectBuffer buffer, final int offset, final int length, final int templateId, final long receivedNanos,
        final int maxBatch)
    {
        final long sequence;
        try
        {
            sequence = ring.tryNext();
        }
        catch (final InsufficientCapacityException ex)
        {
            publishBatch();
            return false;
        }
        try
        {
            ring.get(sequence).setMessage(buffer, offset, length, templateId, receivedNanos);
        }
        finally
        {
            if (batchFirst < 0)
            {
                batchFirst = sequence;
            }
            batchLast = sequence;
            if (sequence - batchFirst + 1 >= maxBatch)
            {
                publishBatch();
            }
        }
        return true;
    }

    /** Producer only: publish the slots {@link #offerDeferred} filled (no-op if none). */
    public void publishBatch()
    {
        if (batchLast >= 0)
        {
            ring.publish(batchFirst, batchLast);
            batchFirst = -1;
            batchLast = -1;
        }
    }

    /**
     * Producer only: a control command.
     *
     * @param control   the command (CommandEvent.CONTROL_*).
     * @param edgeId    edge concerned.
     * @param edgeEpoch its incarnation.
     * @return false if the ring is full.
     */
    public boolean offerControl(final byte control, final int edgeId, final long edgeEpoch)
    {
        final long sequence;
        try
        {
            sequence = ring.tryNext();
        }
        catch (final InsufficientCapacityException ex)
        {
            return false;
        }
        try
        {
            ring.get(sequence).setControl(control, edgeId, edgeEpoch, System.nanoTime());
        }
        finally
        {
            // Publishing a later sequence publishes every deferred slot before it, in order.
            ring.publish(sequence);
            batchFirst = -1;
            batchLast = -1;
        }
        return true;
    }

    /** @return free slots: the rest of the queue bound. */
    public long remainingCapacity()
    {
        return ring.remainingCapacity();
    }

    /** @return ring size. */
    public int bufferSize()
    {
        return ring.getBufferSize();
    }

    /** @return the journal stage (for failure checks). */
    public JournalStage journal()
    {
        return journal;
    }

    /** @return shard number. */
    public int shardId()
    {
        return shardId;
    }

    /**
     * Stop after every published slot has gone through all stages (bounded wait), then stop the threads. In
     * {@link ThreadingMode#SINGLE} the caller must have stopped the polling thread first.
     */
    @Override
    public void close()
    {
        if (!started)
        {
            return;
        }
        publishBatch();
        if (disruptor == null)
        {
            // The owning thread has stopped: finish what it left on this (closing) thread.
            while (poll() > 0)
            {
                Thread.onSpinWait();
            }
            started = false;
            return;
        }
        try
        {
            disruptor.shutdown(10, TimeUnit.SECONDS);
        }
        catch (final com.lmax.disruptor.TimeoutException ex)
        {
            LOG.warn("shard {}: ring did not drain in 10 s; halting", shardId);
            disruptor.halt();
        }
        started = false;
    }

    private static ThreadFactory threadFactory(final int shardId, final CpuSet cpus)
    {
        final AtomicInteger n = new AtomicInteger();
        return runnable ->
        {
            final Runnable pinned = cpus.isEmpty() ? runnable : () ->
            {
                cpus.pinCurrentThread("affinity.engine");
                runnable.run();
            };
            final Thread thread = new Thread(pinned, THREAD_NAME_PREFIX + shardId + "-" + n.getAndIncrement());
            thread.setDaemon(true);
            return thread;
        };
    }

    private static final class LoggingExceptionHandler implements ExceptionHandler<CommandEvent>
    {
        private final int shardId;

        LoggingExceptionHandler(final int shardId)
        {
            this.shardId = shardId;
        }

        @Override
        public void handleEventException(final Throwable ex, final long sequence, final CommandEvent event)
        {
            // Stages catch their own failures; reaching here is a bug. Log and keep the thread alive.
            LOG.error("shard {}: unexpected error at sequence {}", shardId, sequence, ex);
        }

        @Override
        public void handleOnStartException(final Throwable ex)
        {
            LOG.error("shard {}: ring failed to start", shardId, ex);
        }

        @Override
        public void handleOnShutdownException(final Throwable ex)
        {
            LOG.error("shard {}: ring failed to shut down cleanly", shardId, ex);
        }
    }
}
