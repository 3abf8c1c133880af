package io.quire.journal;

/**
 * When an appended journal batch counts as durable, i.e. when the engine may acknowledge the ops in it.
 */
public enum DurabilityPolicy
{
    /**
     * The batch is written into the memory-mapped journal file (the OS page cache) before acks leave. Survives a
     * crash or {@code kill -9} of the engine process; does not survive a power loss or kernel crash of the host
     * before the OS writes the pages back (typically within 30 s). Cheapest: no system call per batch.
     */
    WRITE,

    /**
     * The batch is forced to the storage device ({@code msync}) before acks leave. Survives power loss of the host,
     * as far as the device honours cache flushes. Costs one sync per ring batch (group commit): tens of
     * microseconds to milliseconds depending on the device.
     */
    SYNC
}
