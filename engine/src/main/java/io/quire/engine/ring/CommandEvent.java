package io.quire.engine.ring;

import org.agrona.ExpandableArrayBuffer;

/**
 * One slot of a shard ring. Each field group is written by exactly one stage and read by the later ones:
 * <ul>
 *   <li>the producer (the ingress agent) copies the inbound SBE message into {@link #in} or sets a control command;</li>
 *   <li>stage 1 (sequencer) leaves the record to journal in {@link #journal} (with its LSN) and every outbound
 *       message, already encoded with its destinations, in {@link #out} (see {@link OutboundWriter});</li>
 *   <li>stage 2 (journal) appends {@link #journal}; stage 3 (egress) sends {@link #out}.</li>
 * </ul>
 * Later stages never touch documents, so the three stages can run on three threads (dedicated mode) or one
 * (shared mode) with the same code; the Disruptor's sequence barriers give the happens-before edges between them.
 */
public final class CommandEvent
{
    /** No control command: {@link #in} holds an SBE message from an edge. */
    public static final byte CONTROL_NONE = 0;
    /** Control: an edge went away (or restarted); drop its subscriptions. {@link #controlEdgeId} says which. */
    public static final byte CONTROL_EDGE_GONE = 1;
    /** Control: periodic housekeeping on the shard thread (snapshots due, eviction). */
    public static final byte CONTROL_TICK = 2;

    /** Stage 1 outcome: nothing to report (control, ignored message). */
    public static final byte RESULT_NONE = 0;
    /** An op was committed: journal then ack and broadcast. */
    public static final byte RESULT_COMMITTED = 1;
    /** A resubmitted op was recognised and acknowledged again with its original version. */
    public static final byte RESULT_DUPLICATE = 2;
    /** A request was rejected with a typed reason. */
    public static final byte RESULT_REJECTED = 3;
    /** A read or subscription request was answered. */
    public static final byte RESULT_REPLIED = 4;

    // Every op passes through the next slot of a ring of 4096 by default, so the slots' buffers are what the shard
    // thread touches cold on each op: small first buffers keep the ring dense (a 1-character edit's SubmitOp is ~140
    // bytes, its ack ~100) and grow, per slot, to what the workload needs. 256 instead of 512/1024: 8-17% less CPU
    // per op in ShardPipelineBenchmark, 7 of 7 alternating rounds (perf/results, ninth session).
    private static final int INITIAL_IN = 256;
    private static final int INITIAL_JOURNAL = 512;
    private static final int INITIAL_OUT = 256;
    /** Buffers grown past this (a big paste, a snapshot) are dropped after use so idle slots stay small. */
    static final int SHRINK_ABOVE = 256 * 1024;

    byte control;
    int controlEdgeId;
    long controlEdgeEpoch;
    int templateId;
    int inLength;
    long receivedNanos;
    /** Stage 1: {@link System#nanoTime()} when the sequencer committed the op (0: not a commit), for the ack's stamps. */
    long sequencedNanos;
    ExpandableArrayBuffer in = new ExpandableArrayBuffer(INITIAL_IN);

    byte result;
    byte rejectReason;
    long lsn;
    int journalLength;
    ExpandableArrayBuffer journal;
    /** True if {@link #journal} is one buffer shared by every slot of the ring (never shrunk here). */
    private final boolean sharedJournal;
    int outLength;
    ExpandableArrayBuffer out = new ExpandableArrayBuffer(INITIAL_OUT);

    /** A slot with its own journal buffer (dedicated mode: stage 2 reads it on another thread, later). */
    public CommandEvent()
    {
        this.journal = new ExpandableArrayBuffer(INITIAL_JOURNAL);
        this.sharedJournal = false;
    }

    /**
     * A slot whose journal record is encoded into a buffer shared by every slot of its ring: only where stage 2
     * appends each slot's record right after stage 1 encoded it, on the same thread (single and shared modes), so
     * the record never outlives the next slot's stage 1. One buffer stays in cache; one per slot would be a cold
     * line or three per op.
     *
     * @param sharedJournal the ring's journal buffer.
     */
    public CommandEvent(final ExpandableArrayBuffer sharedJournal)
    {
        this.journal = sharedJournal;
        this.sharedJournal = true;
    }

    /** @return a buffer for {@link #CommandEvent(ExpandableArrayBuffer)}. */
    public static ExpandableArrayBuffer newSharedJournalBuffer()
    {
        return new ExpandableArrayBuffer(INITIAL_JOURNAL);
    }

    /**
     * Producer side: copy an inbound message into the slot.
     *
     * @param buffer        source buffer.
     * @param offset        message start (its SBE header).
     * @param length        message length.
     * @param templateId    the message's template id (already validated).
     * @param receivedNanos {@link System#nanoTime()} when the ingress received it, for commit latency.
     */
    public void setMessage(
        final org.agrona.DirectBuffer buffer, final int offset, final int length, final int templateId,
        final long receivedNanos)
    {
        control = CONTROL_NONE;
        this.templateId = templateId;
        this.inLength = length;
        this.receivedNanos = receivedNanos;
        this.sequencedNanos = 0;
        in.putBytes(0, buffer, offset, length);
    }

    /**
     * Producer side: a control command instead of a message.
     *
     * @param control       the command.
     * @param edgeId        edge concerned, if any.
     * @param edgeEpoch     that edge's incarnation, if any.
     * @param receivedNanos when it was issued.
     */
    public void setControl(final byte control, final int edgeId, final long edgeEpoch, final long receivedNanos)
    {
        this.control = control;
        this.controlEdgeId = edgeId;
        this.controlEdgeEpoch = edgeEpoch;
        this.templateId = 0;
        this.inLength = 0;
        this.receivedNanos = receivedNanos;
        this.sequencedNanos = 0;
    }

    /** Stage 1: forget the previous use of this slot. */
    public void resetOutcome()
    {
        result = RESULT_NONE;
        rejectReason = 0;
        lsn = -1;
        journalLength = 0;
        outLength = 0;
    }

    /** Stage 3: release buffers a large message grew, once their content has been sent. */
    public void shrinkIfLarge()
    {
        if (in.capacity() > SHRINK_ABOVE)
        {
            in = new ExpandableArrayBuffer(INITIAL_IN);
        }
        if (!sharedJournal && journal.capacity() > SHRINK_ABOVE)
        {
            journal = new ExpandableArrayBuffer(INITIAL_JOURNAL);
        }
        if (out.capacity() > SHRINK_ABOVE)
        {
            out = new ExpandableArrayBuffer(INITIAL_OUT);
        }
    }

    /** @return the inbound message (valid up to {@link #inLength()}). */
    public org.agrona.MutableDirectBuffer in()
    {
        return in;
    }

    /** @return length of the inbound message. */
    public int inLength()
    {
        return inLength;
    }

    /** @return the control command, {@link #CONTROL_NONE} for a message. */
    public byte control()
    {
        return control;
    }

    /** @return the edge a control command is about. */
    public int controlEdgeId()
    {
        return controlEdgeId;
    }

    /** @return the incarnation of the edge a control command is about. */
    public long controlEdgeEpoch()
    {
        return controlEdgeEpoch;
    }

    /** @return when the ingress received it ({@link System#nanoTime()}). */
    public long receivedNanos()
    {
        return receivedNanos;
    }

    /** @return {@link System#nanoTime()} when stage 1 committed the slot's op, 0 if it committed none. */
    public long sequencedNanos()
    {
        return sequencedNanos;
    }

    /**
     * Stage 1: the op was committed now.
     *
     * @param nanos {@link System#nanoTime()}.
     */
    public void sequenced(final long nanos)
    {
        sequencedNanos = nanos;
    }

    /** @return the buffer stage 1 encodes the journal record into. */
    public ExpandableArrayBuffer journalBuffer()
    {
        return journal;
    }

    /**
     * Stage 1: a record to journal.
     *
     * @param lsn    its LSN.
     * @param length its length in {@link #journalBuffer()}.
     */
    public void setJournal(final long lsn, final int length)
    {
        this.lsn = lsn;
        this.journalLength = length;
    }

    /** @return the LSN of the record to journal, -1 if none. */
    public long lsn()
    {
        return lsn;
    }

    /** @return length of the record to journal, 0 if none. */
    public int journalLength()
    {
        return journalLength;
    }

    /** @return the encoded outbound entries (see {@link Outbound}). */
    public ExpandableArrayBuffer outBuffer()
    {
        return out;
    }

    /** @return bytes of outbound entries. */
    public int outLength()
    {
        return outLength;
    }

    /**
     * Stage 1: the outcome, for counters and latency.
     *
     * @param result       one of the RESULT_ constants.
     * @param rejectReason the reject reason's value when rejected.
     */
    public void setResult(final byte result, final byte rejectReason)
    {
        this.result = result;
        this.rejectReason = rejectReason;
    }

    /** @return the reject reason's value when rejected. */
    public byte rejectReason()
    {
        return rejectReason;
    }

    /** @return the stage-1 outcome, one of the RESULT_ constants. */
    public byte result()
    {
        return result;
    }

    /** @return the inbound template id, 0 for a control command. */
    public int templateId()
    {
        return templateId;
    }
}
