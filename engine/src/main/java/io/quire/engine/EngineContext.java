package io.quire.engine;

import io.aeron.CommonContext;
import io.quire.codec.CodecLimits;
import io.quire.codec.ShardRouter;
import io.quire.common.AeronDirs;
import io.quire.common.ConfigException;
import io.quire.common.Settings;
import io.quire.engine.ring.ThreadingMode;
import io.quire.engine.ring.WaitStrategies;
import io.quire.engine.shard.SequencerConfig;
import io.quire.journal.JournalContext;
import io.quire.journal.snapshot.SnapshotContext;

import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Every option of an engine node, with documented defaults. Component {@code engine}: properties
 * {@code quire.engine.<option>}, environment {@code QUIRE_ENGINE_<OPTION>}, file key {@code quire.engine.<option>},
 * or a command-line flag; the journal's options are component {@code journal} and the snapshots' {@code snapshot}.
 *
 * <table>
 *   <caption>Options</caption>
 *   <tr><th>option</th><th>default</th><th>meaning</th></tr>
 *   <tr><td>node-id</td><td>1</td><td>this node's id (edges and logs name it)</td></tr>
 *   <tr><td>data</td><td>./data</td><td>data directory: {@code shard-N/journal}, {@code shard-N/snapshots}</td></tr>
 *   <tr><td>shards</td><td>2</td><td>total shard count of the cluster (same on every node and edge)</td></tr>
 *   <tr><td>shard-range</td><td>all</td><td>shards this node owns, {@code begin-end} (end exclusive)</td></tr>
 *   <tr><td>threading</td><td>single</td><td>{@code single}: one thread runs the ingress and every shard's stages;
 *       {@code shared}: one thread per shard besides the ingress's; {@code dedicated}: three per shard (and the
 *       spinning defaults below)</td></tr>
 *   <tr><td>wait-strategy</td><td>backoff (dedicated: busy-spin)</td><td>ring threads: backoff, blocking, sleeping,
 *       yielding, busy-spin</td></tr>
 *   <tr><td>idle-strategy</td><td>backoff (dedicated: busy-spin)</td><td>ingress agent (in single mode the engine's
 *       one thread): backoff, backoff:SPINS:YIELDS:MIN_PARK:MAX_PARK, sleeping, yielding, busy-spin</td></tr>
 *   <tr><td>ingress.fragment-limit</td><td>256</td><td>messages the ingress agent takes per duty cycle</td></tr>
 *   <tr><td>affinity.engine</td><td>(none)</td><td>dedicated hosts: CPUs (a Linux CPU list: {@code 1}, {@code 2-3})
 *       the write path's threads are pinned to: the {@code quire-engine} thread in single mode, the ingress and
 *       {@code quire-shard-*} threads otherwise. Linux only</td></tr>
 *   <tr><td>affinity.background</td><td>(none)</td><td>dedicated hosts: CPUs every other thread of the JVM is
 *       pinned to when the node starts (GC, JIT, media driver, snapshot writers, journal pretouch, admin, and any
 *       thread they start later), so that nothing else is scheduled on the engine's CPUs. Linux only</td></tr>
 *   <tr><td>ring.size</td><td>4096</td><td>slots per shard ring: the bound on queued commands per shard</td></tr>
 *   <tr><td>ring.max-batch</td><td>256</td><td>single and shared modes: journal commit and send at least every N
 *       slots</td></tr>
 *   <tr><td>doc.max-code-points</td><td>104857600</td><td>a document may not grow past this (≈100 MiB of ASCII)</td></tr>
 *   <tr><td>op.max-bytes</td><td>1m, less if term-length is small</td><td>UTF-8 bytes of text in one op (or
 *       create)</td></tr>
 *   <tr><td>op.max-components</td><td>4096, less if term-length is small</td><td>components in one op</td></tr>
 *   <tr><td>history.max-ops</td><td>1000</td><td>recent ops kept in memory per document</td></tr>
 *   <tr><td>catchup.max-ops</td><td>100000</td><td>most ops one catch-up or transform reads back from the journal</td></tr>
 *   <tr><td>snapshot.interval-ops</td><td>1000</td><td>snapshot a document every N ops (0: only on unload)</td></tr>
 *   <tr><td>snapshot.journal-ratio</td><td>4</td><td>a periodic snapshot also waits until the document's journal
 *       records since its last one add up to R times its length in characters (0: the op count alone): snapshots
 *       of a document cost at most 1/R of its journal in disk and write work; loading it (on the shard's thread)
 *       replays at most R times its length of records, ~1.1 µs each</td></tr>
 *   <tr><td>snapshot.on-close</td><td>true</td><td>snapshot changed documents at a clean shutdown</td></tr>
 *   <tr><td>memory.max-bytes</td><td>25% of heap</td><td>estimated bytes of documents kept in memory per shard</td></tr>
 *   <tr><td>memory.max-docs</td><td>100000</td><td>documents kept in memory per shard. Beyond either bound the
 *       least recently used documents are unloaded, their snapshots handed to the background writer; while it is
 *       full, eviction waits up to an eighth over the bounds before the shard thread writes a snapshot itself</td></tr>
 *   <tr><td>driver</td><td>embedded</td><td>{@code embedded} media driver, or {@code external}</td></tr>
 *   <tr><td>aeron.dir</td><td>/dev/shm/quire-engine-NODE-PID</td><td>media driver directory</td></tr>
 *   <tr><td>driver.threading</td><td>shared (dedicated: dedicated)</td><td>embedded driver: shared,
 *       shared-network or dedicated</td></tr>
 *   <tr><td>driver.idle-strategy</td><td>backoff (IPC ingress without remote replication: sleeping-ms; dedicated:
 *       busy-spin)</td><td>embedded driver's agents</td></tr>
 *   <tr><td>driver.term-length</td><td>term-length</td><td>embedded driver's default IPC and network publication
 *       term length (what edges in the same driver get unless their channel says otherwise)</td></tr>
 *   <tr><td>ingress.channel</td><td>aeron:udp?endpoint=127.0.0.1:40100</td><td>where edges send commands</td></tr>
 *   <tr><td>ingress.stream</td><td>1001</td><td>stream id of the ingress</td></tr>
 *   <tr><td>term-length</td><td>16m</td><td>term length of the engine's publications to edges (max message = 1/8);
 *       appended to an edge's reply channel that names none</td></tr>
 *   <tr><td>heartbeat.interval</td><td>200ms</td><td>engine heartbeats to edges</td></tr>
 *   <tr><td>edge.timeout</td><td>5s</td><td>an edge silent this long is dropped with its subscriptions</td></tr>
 *   <tr><td>egress.retry</td><td>20ms</td><td>how long a send retries on back-pressure before it is dropped</td></tr>
 *   <tr><td>timer-slack</td><td>1us</td><td>Linux timer slack of the thread running the ingress (and the shards in
 *       single mode): how late its idle parks may end (0: the system's 50 µs)</td></tr>
 *   <tr><td>acl.enforce</td><td>false</td><td>check document roles (owner, editor, viewer) on every request that
 *       carries a principal; the all-in-one server turns it on when the edge authenticates users. Requests without
 *       a principal (anonymous deployments) are never checked</td></tr>
 *   <tr><td>acl.max-entries</td><td>256</td><td>most users with a role on one document</td></tr>
 *   <tr><td>replica-of</td><td>(none)</td><td>run as a hot standby of the primary whose data directory this is (the
 *       local transport: its journals are tailed read-only, copied into this node's journals with the same LSNs and
 *       applied to warm documents); the node accepts no commands</td></tr>
 *   <tr><td>replica.lag-sample</td><td>1s</td><td>how often a replica measures its lag (records, bytes, ms)</td></tr>
 *   <tr><td>replica-of (remote)</td><td></td><td>an {@code aeron:} channel instead of a directory: the primary's
 *       replication channel; records arrive over Aeron, are journaled, then applied</td></tr>
 *   <tr><td>replica.channel</td><td>aeron:udp?endpoint=127.0.0.1:0</td><td>where a remote replica receives records
 *       (port 0: any free port, announced in its hello)</td></tr>
 *   <tr><td>replica.stream</td><td>1101</td><td>its stream id</td></tr>
 *   <tr><td>replication.channel</td><td>(none)</td><td>a primary's channel for replica hellos; empty: it streams to
 *       no remote replica</td></tr>
 *   <tr><td>replication.stream</td><td>1100</td><td>stream id of the replication channel</td></tr>
 *   <tr><td>ack-policy</td><td>local</td><td>{@code local}: acks (and every reply) leave after the primary's own
 *       journal write; {@code replicated}: only after at least one remote replica has journaled every record up to
 *       them (RPO 0 even if the primary's machine is lost; nothing is acked while no replica follows). Needs
 *       {@code replication.channel}</td></tr>
 *   <tr><td>replication.term-length</td><td>1m</td><td>term length of the streams to replicas (a journal record must
 *       fit in an eighth of it)</td></tr>
 *   <tr><td>epoch</td><td>0</td><td>leadership epoch this node is primary in, stamped on every journal record
 *       and heartbeat; 0 (automatic): one above the newest epoch the shards' journals hold. An explicit epoch not
 *       above the journaled one is refused ({@link StaleEpochException}). Each start journals an
 *       {@code EpochRecord}</td></tr>
 *   <tr><td>lease.zookeeper</td><td>(none)</td><td>ZooKeeper connect string ({@code host:port,...}): the node takes
 *       its role from a lease there ({@link io.quire.engine.lease.LeasedEngine}): primary while it holds the lease,
 *       otherwise a remote replica of whoever does, promoted automatically when the primary's session expires.
 *       Needs {@code replication.channel} (its own, served when primary) and a fixed-port {@code ingress.channel}.
 *       Empty: the role is fixed by {@code replica-of}</td></tr>
 *   <tr><td>lease.path</td><td>/quire</td><td>ZooKeeper path under which every group's lease lives</td></tr>
 *   <tr><td>lease.group</td><td>shards-BEGIN-END-of-N</td><td>the nodes that stand in for each other (same shard
 *       range); one primary per group</td></tr>
 *   <tr><td>lease.session-timeout</td><td>2s</td><td>ZooKeeper session timeout: how long a silent primary keeps the
 *       lease (failover takes about this long); the primary fences itself once its connection has been silent for
 *       two thirds of it</td></tr>
 *   <tr><td>lease.connect-timeout</td><td>10s</td><td>how long a starting node waits for ZooKeeper</td></tr>
 *   <tr><td>lease.force-eligible</td><td>false</td><td>operator override: join the election at start even though
 *       this node is not marked eligible (only nodes known to hold every acknowledged record are; see
 *       {@link io.quire.engine.lease.LeasedEngine}), e.g. to bring a group back whose eligible nodes are lost for
 *       good. It means "I accept that acknowledged ops may be lost": this node may become primary without them</td></tr>
 *   <tr><td>lease.diverged-keep</td><td>3</td><td>sets of shard directories a node keeps under
 *       {@code data/diverged/} after finding its journal diverged (newest first; each holds whole shard directories,
 *       journals included, for forensics); older sets are deleted when a new one is set aside, so a node that keeps
 *       diverging cannot fill its disk; 0 keeps them all</td></tr>
 *   <tr><td>admin.port</td><td>-1</td><td>TCP port of the node's admin HTTP endpoint on 127.0.0.1 ({@code GET
 *       /status}, {@code POST /promote}, {@code POST /step-down}; {@code scripts/quire admin}); -1: none</td></tr>
 * </table>
 */
public final class EngineContext
{
    /** Default node id. */
    public static final int NODE_ID_DEFAULT = 1;
    /** Default shard count. */
    public static final int SHARDS_DEFAULT = 2;
    /** Default ring size. */
    public static final int RING_SIZE_DEFAULT = 4096;
    /** Default max slots per shared-mode batch. */
    public static final int MAX_BATCH_DEFAULT = 256;
    /** Default document bound in code points. */
    public static final long DOC_MAX_CODE_POINTS_DEFAULT = 100L << 20;
    /** Default op text bound. */
    public static final int OP_MAX_BYTES_DEFAULT = 1 << 20;
    /** Default history kept per document. */
    public static final int HISTORY_MAX_OPS_DEFAULT = 1000;
    /** Default journal read bound per catch-up. */
    public static final int CATCHUP_MAX_OPS_DEFAULT = 100_000;
    /** Default snapshot interval. */
    public static final int SNAPSHOT_INTERVAL_DEFAULT = 1000;
    /** Default snapshot journal ratio. */
    public static final int SNAPSHOT_JOURNAL_RATIO_DEFAULT = 4;
    /** Default documents in memory per shard. */
    public static final int MAX_DOCS_DEFAULT = 100_000;
    /** Default ingress channel of a standalone engine node. */
    public static final String INGRESS_CHANNEL_DEFAULT = "aeron:udp?endpoint=127.0.0.1:40100";
    /** Default ingress stream. */
    public static final int INGRESS_STREAM_DEFAULT = 1001;
    /** Default egress term length. */
    public static final int TERM_LENGTH_DEFAULT = 16 << 20;
    /** Default messages taken from the ingress per duty cycle. */
    public static final int FRAGMENT_LIMIT_DEFAULT = 256;
    /** Default timer slack of the thread that runs the ingress (and, in single mode, the shards). */
    public static final long TIMER_SLACK_DEFAULT_NS = 1_000;
    /** Bytes of a message that are not op text or components: header, fixed fields, ids, source, type. */
    static final int MESSAGE_OVERHEAD_BYTES = 2048;
    /** Wire bytes of one op component besides its text: kind, length and the text's length prefix. */
    static final int COMPONENT_BYTES = 9;

    private int nodeId = NODE_ID_DEFAULT;
    private Path dataDir = Path.of("data");
    private int shardCount = SHARDS_DEFAULT;
    private int shardBegin = 0;
    private int shardEnd = -1;
    private ThreadingMode threading = ThreadingMode.SINGLE;
    // Null means "follow the threading mode": backoff for shared, busy-spin for dedicated.
    private String waitStrategy;
    private String idleStrategy;
    private String affinityEngine = "";
    private String affinityBackground = "";
    private CpuSet engineCpus = CpuSet.NONE;
    private CpuSet backgroundCpus = CpuSet.NONE;
    private String driverIdleStrategy;
    private io.aeron.driver.ThreadingMode driverThreading;
    private int driverTermLength = -1;
    private int fragmentLimit = FRAGMENT_LIMIT_DEFAULT;
    private int ringSize = RING_SIZE_DEFAULT;
    private int maxBatch = MAX_BATCH_DEFAULT;
    private long docMaxCodePoints = DOC_MAX_CODE_POINTS_DEFAULT;
    // -1 means "derived from the term length" (see conclude()).
    private int opMaxBytes = -1;
    private int opMaxComponents = -1;
    private int historyMaxOps = HISTORY_MAX_OPS_DEFAULT;
    private boolean aclEnforced;
    private int aclMaxEntries = CodecLimits.DEFAULT_MAX_ACL_ENTRIES;
    private int catchUpMaxOps = CATCHUP_MAX_OPS_DEFAULT;
    private int snapshotIntervalOps = SNAPSHOT_INTERVAL_DEFAULT;
    private int snapshotJournalRatio = SNAPSHOT_JOURNAL_RATIO_DEFAULT;
    private boolean snapshotOnClose = true;
    private long memoryMaxBytes = Runtime.getRuntime().maxMemory() / 4;
    private int memoryMaxDocs = MAX_DOCS_DEFAULT;
    private boolean embeddedDriver = true;
    private String aeronDir;
    private String ingressChannel = INGRESS_CHANNEL_DEFAULT;
    private int ingressStream = INGRESS_STREAM_DEFAULT;
    private int termLength = TERM_LENGTH_DEFAULT;
    private long heartbeatIntervalNs = 200_000_000L;
    private long edgeTimeoutNs = 5_000_000_000L;
    private long egressRetryNs = 20_000_000L;
    private Runnable egressWaker = () -> { };
    private long timerSlackNs = TIMER_SLACK_DEFAULT_NS;
    private long epoch = 0;
    private String replicaOf;
    private long replicaLagSampleNs = 1_000_000_000L;
    private String replicaChannel = "aeron:udp?endpoint=127.0.0.1:0";
    private int replicaStream = 1101;
    private String replicationChannel = "";
    private int replicationStream = 1100;
    private int replicationTermLength = 1 << 20;
    private boolean ackReplicated;
    private String leaseZookeeper = "";
    private String leasePath = "/quire";
    private String leaseGroup = "";
    private long leaseSessionTimeoutNs = 2_000_000_000L;
    private long leaseConnectTimeoutNs = 10_000_000_000L;
    private boolean leaseForceEligible;
    private int leaseDivergedKeep = 3;
    private int adminPort = -1;
    private Settings journalSettings = Settings.defaults("journal", Map.of());
    private Settings snapshotSettings = Settings.defaults("snapshot", Map.of());
    private JournalContext journalTemplate;
    private boolean concluded;

    /**
     * Read every option from layered settings (component {@code engine}); the journal and snapshot options are read
     * from the same sources as components {@code journal} and {@code snapshot}.
     *
     * @param s the engine settings.
     * @return this.
     */
    public EngineContext apply(final Settings s)
    {
        nodeId = s.getInt("node-id", nodeId);
        dataDir = Path.of(s.get("data", dataDir.toString()));
        shardCount = s.getInt("shards", shardCount);
        final String range = s.get("shard-range", null);
        if (range != null && !range.equalsIgnoreCase("all"))
        {
            final String[] parts = range.split("-");
            if (parts.length != 2)
            {
                throw new ConfigException("quire.engine.shard-range must be begin-end (end exclusive), got " + range);
            }
            try
            {
                shardBegin = Integer.parseInt(parts[0].trim());
                shardEnd = Integer.parseInt(parts[1].trim());
            }
            catch (final NumberFormatException ex)
            {
                throw new ConfigException("quire.engine.shard-range must be begin-end, got " + range);
            }
        }
        threading = s.getEnum("threading", ThreadingMode.class, threading);
        waitStrategy = s.get("wait-strategy", waitStrategy);
        idleStrategy = s.get("idle-strategy", idleStrategy);
        fragmentLimit = s.getInt("ingress.fragment-limit", fragmentLimit);
        affinityEngine = s.get("affinity.engine", affinityEngine);
        affinityBackground = s.get("affinity.background", affinityBackground);
        ringSize = s.getInt("ring.size", ringSize);
        maxBatch = s.getInt("ring.max-batch", maxBatch);
        docMaxCodePoints = s.getLong("doc.max-code-points", docMaxCodePoints);
        opMaxBytes = (int)Math.min(Integer.MAX_VALUE, s.getSize("op.max-bytes", opMaxBytes));
        opMaxComponents = s.getInt("op.max-components", opMaxComponents);
        historyMaxOps = s.getInt("history.max-ops", historyMaxOps);
        aclEnforced = s.getBoolean("acl.enforce", aclEnforced);
        aclMaxEntries = s.getInt("acl.max-entries", aclMaxEntries);
        catchUpMaxOps = s.getInt("catchup.max-ops", catchUpMaxOps);
        snapshotIntervalOps = s.getInt("snapshot.interval-ops", snapshotIntervalOps);
        snapshotJournalRatio = s.getInt("snapshot.journal-ratio", snapshotJournalRatio);
        snapshotOnClose = s.getBoolean("snapshot.on-close", snapshotOnClose);
        memoryMaxBytes = s.getSize("memory.max-bytes", memoryMaxBytes);
        memoryMaxDocs = s.getInt("memory.max-docs", memoryMaxDocs);
        final String driver = s.get("driver", embeddedDriver ? "embedded" : "external");
        if (!driver.equals("embedded") && !driver.equals("external"))
        {
            throw new ConfigException("quire.engine.driver must be embedded or external, got " + driver);
        }
        embeddedDriver = driver.equals("embedded");
        aeronDir = s.get("aeron.dir", aeronDir);
        driverIdleStrategy = s.get("driver.idle-strategy", driverIdleStrategy);
        driverThreading = s.getEnum("driver.threading", io.aeron.driver.ThreadingMode.class, driverThreading);
        driverTermLength = (int)Math.min(Integer.MAX_VALUE, s.getSize("driver.term-length", driverTermLength));
        ingressChannel = s.get("ingress.channel", ingressChannel);
        ingressStream = s.getInt("ingress.stream", ingressStream);
        termLength = (int)Math.min(Integer.MAX_VALUE, s.getSize("term-length", termLength));
        heartbeatIntervalNs = s.getDurationNs("heartbeat.interval", heartbeatIntervalNs);
        edgeTimeoutNs = s.getDurationNs("edge.timeout", edgeTimeoutNs);
        egressRetryNs = s.getDurationNs("egress.retry", egressRetryNs);
        timerSlackNs = s.getDurationNs("timer-slack", timerSlackNs);
        epoch = s.getLong("epoch", epoch);
        final String of = s.get("replica-of", replicaOf);
        replicaOf = of == null || of.isBlank() ? null : of.trim();
        replicaChannel = s.get("replica.channel", replicaChannel);
        replicaStream = s.getInt("replica.stream", replicaStream);
        replicationChannel = s.get("replication.channel", replicationChannel);
        replicationStream = s.getInt("replication.stream", replicationStream);
        replicationTermLength =
            (int)Math.min(Integer.MAX_VALUE, s.getSize("replication.term-length", replicationTermLength));
        final String ack = s.get("ack-policy", ackReplicated ? "replicated" : "local");
        if (!ack.equals("local") && !ack.equals("replicated"))
        {
            throw new ConfigException("quire.engine.ack-policy must be local or replicated, got " + ack);
        }
        ackReplicated = ack.equals("replicated");
        replicaLagSampleNs = s.getDurationNs("replica.lag-sample", replicaLagSampleNs);
        leaseZookeeper = s.get("lease.zookeeper", leaseZookeeper).trim();
        leasePath = s.get("lease.path", leasePath).trim();
        leaseGroup = s.get("lease.group", leaseGroup).trim();
        leaseSessionTimeoutNs = s.getDurationNs("lease.session-timeout", leaseSessionTimeoutNs);
        leaseConnectTimeoutNs = s.getDurationNs("lease.connect-timeout", leaseConnectTimeoutNs);
        leaseForceEligible = s.getBoolean("lease.force-eligible", leaseForceEligible);
        leaseDivergedKeep = s.getInt("lease.diverged-keep", leaseDivergedKeep);
        adminPort = s.getInt("admin.port", adminPort);
        journalSettings = s.forComponent("journal", Map.of());
        snapshotSettings = s.forComponent("snapshot", Map.of());
        return this;
    }

    /**
     * Validate, fill derived defaults, check that limits are consistent with each other.
     *
     * @return this.
     */
    public EngineContext conclude()
    {
        if (concluded)
        {
            return this;
        }
        if (shardCount < 1 || shardCount > ShardRouter.MAX_SHARDS)
        {
            throw new ConfigException("quire.engine.shards must be in [1, " + ShardRouter.MAX_SHARDS + "], got " +
                shardCount);
        }
        if (shardEnd < 0)
        {
            shardEnd = shardCount;
        }
        if (replicaOf != null && !isRemoteReplica() &&
            Path.of(replicaOf).toAbsolutePath().normalize().equals(dataDir.toAbsolutePath().normalize()))
        {
            throw new ConfigException("quire.engine.replica-of must name the primary's data directory, not this " +
                "node's own (" + dataDir + ")");
        }
        if (ackReplicated && replicationChannel.isBlank())
        {
            throw new ConfigException("quire.engine.ack-policy=replicated needs quire.engine.replication.channel " +
                "(remote replicas report what they journaled there)");
        }
        if (replicaLagSampleNs <= 0)
        {
            throw new ConfigException("quire.engine.replica.lag-sample must be positive");
        }
        if (epoch < 0)
        {
            throw new ConfigException("quire.engine.epoch must be >= 0 (0: automatic), got " + epoch);
        }
        if (!leaseZookeeper.isEmpty())
        {
            if (replicaOf != null)
            {
                throw new ConfigException("quire.engine.lease.zookeeper and quire.engine.replica-of exclude each " +
                    "other: under a lease the node follows whoever holds it");
            }
            if (replicationChannel.isBlank())
            {
                throw new ConfigException("quire.engine.lease.zookeeper needs quire.engine.replication.channel: " +
                    "the standby follows the primary there");
            }
            if (!leasePath.startsWith("/") || leasePath.endsWith("/") && leasePath.length() > 1)
            {
                throw new ConfigException("quire.engine.lease.path must be an absolute ZooKeeper path without a " +
                    "trailing /, got " + leasePath);
            }
            if (leaseSessionTimeoutNs < 100_000_000L || leaseConnectTimeoutNs <= 0)
            {
                throw new ConfigException("quire.engine.lease.session-timeout must be >= 100ms and " +
                    "lease.connect-timeout positive");
            }
        }
        if (leaseDivergedKeep < 0)
        {
            throw new ConfigException("quire.engine.lease.diverged-keep must be >= 0 (0: keep all), got " +
                leaseDivergedKeep);
        }
        if (adminPort < -1 || adminPort > 65535)
        {
            throw new ConfigException("quire.engine.admin.port must be -1 (none) or a TCP port, got " + adminPort);
        }
        if (aclMaxEntries < 1 || aclMaxEntries > 65534)
        {
            throw new ConfigException("quire.engine.acl.max-entries must be in [1, 65534], got " + aclMaxEntries);
        }
        if (shardBegin < 0 || shardBegin >= shardEnd || shardEnd > shardCount)
        {
            throw new ConfigException("quire.engine.shard-range " + shardBegin + "-" + shardEnd +
                " is not a non-empty range inside [0, " + shardCount + ")");
        }
        if (Integer.bitCount(ringSize) != 1 || ringSize < 64)
        {
            throw new ConfigException("quire.engine.ring.size must be a power of two >= 64, got " + ringSize);
        }
        if (timerSlackNs < 0)
        {
            throw new ConfigException("quire.engine.timer-slack must not be negative, got " + timerSlackNs + " ns");
        }
        if (maxBatch < 1)
        {
            throw new ConfigException("quire.engine.ring.max-batch must be >= 1, got " + maxBatch);
        }
        WaitStrategies.parse(waitStrategy());
        io.quire.common.IdleStrategies.parse(idleStrategy());
        io.quire.common.IdleStrategies.parse(driverIdleStrategy());
        if (fragmentLimit < 1)
        {
            throw new ConfigException("quire.engine.ingress.fragment-limit must be >= 1, got " + fragmentLimit);
        }
        engineCpus = CpuSet.parse("quire.engine.affinity.engine", affinityEngine);
        engineCpus.check("quire.engine.affinity.engine");
        backgroundCpus = CpuSet.parse("quire.engine.affinity.background", affinityBackground);
        backgroundCpus.check("quire.engine.affinity.background");
        checkTermLength("quire.engine.term-length", termLength);
        checkTermLength("quire.engine.driver.term-length", driverTermLength());
        final int maxMessage = maxMessageBytes();
        if (opMaxComponents < 0)
        {
            opMaxComponents = Math.min(CodecLimits.DEFAULT_MAX_OP_COMPONENTS, maxMessage / 64);
        }
        if (opMaxBytes < 0)
        {
            opMaxBytes = (int)Math.min(OP_MAX_BYTES_DEFAULT,
                maxMessage - MESSAGE_OVERHEAD_BYTES - (long)COMPONENT_BYTES * opMaxComponents);
        }
        // An op travels back out as a broadcast: its text, its components and the ids must fit one Aeron message.
        if (opMaxBytes < 1 || opMaxComponents < 1 ||
            opMaxBytes + (long)COMPONENT_BYTES * opMaxComponents + MESSAGE_OVERHEAD_BYTES > maxMessage)
        {
            throw new ConfigException("quire.engine.op.max-bytes " + opMaxBytes + " with op.max-components " +
                opMaxComponents + " does not fit an Aeron message of " + maxMessage + " bytes (term-length / 8): " +
                "raise term-length or lower op.max-bytes / op.max-components");
        }
        if (historyMaxOps < 1 || catchUpMaxOps < 1 || snapshotIntervalOps < 0 || snapshotJournalRatio < 0 ||
            memoryMaxDocs < 1 || memoryMaxBytes < (1 << 20) || docMaxCodePoints < 1)
        {
            throw new ConfigException("quire.engine history/catchup/snapshot/memory/doc limits must be positive " +
                "(memory.max-bytes at least 1m)");
        }
        if (aeronDir == null)
        {
            aeronDir = AeronDirs.defaultParent()
                .resolve("quire-engine-" + nodeId + "-" + ProcessHandle.current().pid()).toString();
        }
        journalTemplate = new JournalContext().apply(journalSettings);
        if (opMaxBytes * 3L + 65536 > journalTemplate.blockSize() / 4)
        {
            throw new ConfigException("quire.journal.block-size " + journalTemplate.blockSize() +
                " is too small for records of op.max-bytes " + opMaxBytes + " (a record must fit a quarter block)");
        }
        concluded = true;
        return this;
    }

    private static void checkTermLength(final String name, final int length)
    {
        if (Integer.bitCount(length) != 1 || length < (64 << 10) || length > (1 << 30))
        {
            throw new ConfigException(name + " must be a power of two in [64k, 1g], got " + length);
        }
    }

    /** @return the largest message the engine's publications carry (term length / 8). */
    public int maxMessageBytes()
    {
        return termLength / 8;
    }

    /** @return codec limits matching these options (the ingress validator uses them). */
    public CodecLimits codecLimits()
    {
        conclude();
        return CodecLimits.builder()
            .maxOpComponents(opMaxComponents)
            .maxOpTextBytes(opMaxBytes)
            .maxCreateDataBytes(opMaxBytes)
            .maxAclEntries(aclMaxEntries)
            .build();
    }

    /**
     * Settings for one owned shard.
     *
     * @param shardId a shard in [{@link #shardBegin()}, {@link #shardEnd()}).
     * @return the shard's settings.
     */
    public ShardSettings shardSettings(final int shardId)
    {
        conclude();
        final Path shardDir = dataDir.resolve("shard-" + shardId);
        final JournalContext journal = new JournalContext().apply(journalSettings).dir(shardDir.resolve("journal"));
        final SnapshotContext snapshots = new SnapshotContext().apply(snapshotSettings)
            .dir(shardDir.resolve("snapshots"))
            .fsync(journal.durability() == io.quire.journal.DurabilityPolicy.SYNC);
        final int chunk = Math.max(1024, Math.min(1 << 20, maxMessageBytes() - 4096));
        return new ShardSettings(
            new SequencerConfig(shardId, docMaxCodePoints, snapshotIntervalOps, catchUpMaxOps, chunk, aclEnforced,
                aclMaxEntries, snapshotJournalRatio),
            journal, snapshots, ringSize, threading, waitStrategy(), maxBatch, memoryMaxBytes, memoryMaxDocs,
            historyMaxOps, snapshotOnClose, engineCpus);
    }

    /** @return the options as name → value, for the startup log. */
    public Map<String, Object> describe()
    {
        conclude();
        final Map<String, Object> m = new LinkedHashMap<>();
        m.put("node-id", nodeId);
        m.put("data", dataDir.toAbsolutePath());
        m.put("shards", shardCount);
        m.put("shard-range", shardBegin + "-" + shardEnd);
        m.put("threading", threading.name().toLowerCase(java.util.Locale.ROOT));
        m.put("acl.enforce", aclEnforced);
        m.put("wait-strategy", waitStrategy());
        m.put("idle-strategy", idleStrategy());
        m.put("ring.size", ringSize);
        m.put("ring.max-batch", maxBatch);
        m.put("driver", embeddedDriver ? "embedded" : "external");
        if (embeddedDriver)
        {
            m.put("driver.threading", driverThreading().name().toLowerCase(java.util.Locale.ROOT));
            m.put("driver.idle-strategy", driverIdleStrategy());
            m.put("driver.term-length", driverTermLength());
        }
        m.put("aeron.dir", aeronDir);
        m.put("ingress", ingressChannel + " stream " + ingressStream);
        m.put("ingress.fragment-limit", fragmentLimit);
        m.put("affinity.engine", engineCpus);
        m.put("affinity.background", backgroundCpus);
        m.put("term-length", termLength);
        m.put("heartbeat.interval-ms", heartbeatIntervalNs / 1_000_000);
        m.put("edge.timeout-ms", edgeTimeoutNs / 1_000_000);
        m.put("egress.retry-us", egressRetryNs / 1_000);
        m.put("timer-slack-ns", timerSlackNs);
        m.put("journal.durability", journalTemplate.durability().name().toLowerCase(java.util.Locale.ROOT));
        m.put("op.max-bytes", opMaxBytes);
        m.put("op.max-components", opMaxComponents);
        m.put("doc.max-code-points", docMaxCodePoints);
        m.put("memory.max-bytes", memoryMaxBytes);
        m.put("memory.max-docs", memoryMaxDocs);
        m.put("snapshot.interval-ops", snapshotIntervalOps);
        m.put("snapshot.journal-ratio", snapshotJournalRatio);
        m.put("epoch", epoch);
        m.put("replica-of", replicaOf == null ? "" : replicaOf);
        m.put("replica.channel", replicaChannel);
        m.put("replica.stream", replicaStream);
        m.put("replication.channel", replicationChannel);
        m.put("replication.stream", replicationStream);
        m.put("replication.term-length", replicationTermLength);
        m.put("ack-policy", ackReplicated ? "replicated" : "local");
        m.put("replica.lag-sample", replicaLagSampleNs + "ns");
        m.put("lease.zookeeper", leaseZookeeper);
        m.put("lease.path", leasePath);
        m.put("lease.group", leaseGroup());
        m.put("lease.session-timeout", leaseSessionTimeoutNs / 1_000_000 + "ms");
        m.put("lease.connect-timeout", leaseConnectTimeoutNs / 1_000_000 + "ms");
        m.put("lease.force-eligible", leaseForceEligible);
        m.put("lease.diverged-keep", leaseDivergedKeep);
        m.put("admin.port", adminPort);
        return m;
    }

    // Accessors and fluent setters (a few used by code that embeds an engine, e.g. the all-in-one server and tests).

    /** @return node id. */
    public int nodeId()
    {
        return nodeId;
    }

    /**
     * @param nodeId node id.
     * @return this.
     */
    public EngineContext nodeId(final int nodeId)
    {
        this.nodeId = nodeId;
        return this;
    }

    /** @return data directory. */
    public Path dataDir()
    {
        return dataDir;
    }

    /**
     * @param dataDir data directory.
     * @return this.
     */
    public EngineContext dataDir(final Path dataDir)
    {
        this.dataDir = dataDir;
        return this;
    }

    /** @return true if document roles are checked on requests that carry a principal. */
    public boolean aclEnforced()
    {
        return aclEnforced;
    }

    /**
     * @param enforced check document roles on requests that carry a principal.
     * @return this.
     */
    public EngineContext aclEnforced(final boolean enforced)
    {
        this.aclEnforced = enforced;
        return this;
    }

    /** @return total shard count. */
    public int shardCount()
    {
        return shardCount;
    }

    /**
     * @param shardCount total shard count.
     * @return this.
     */
    public EngineContext shardCount(final int shardCount)
    {
        this.shardCount = shardCount;
        return this;
    }

    /** @return first owned shard. */
    public int shardBegin()
    {
        return shardBegin;
    }

    /** @return one past the last owned shard. */
    public int shardEnd()
    {
        return shardEnd;
    }

    /**
     * @param begin first owned shard.
     * @param end   one past the last.
     * @return this.
     */
    public EngineContext shardRange(final int begin, final int end)
    {
        this.shardBegin = begin;
        this.shardEnd = end;
        return this;
    }

    /** @return threading mode. */
    public ThreadingMode threading()
    {
        return threading;
    }

    /**
     * @param threading threading mode.
     * @return this.
     */
    public EngineContext threading(final ThreadingMode threading)
    {
        this.threading = threading;
        return this;
    }

    /** @return ingress idle strategy name (busy-spin in dedicated threading unless set). */
    public String idleStrategy()
    {
        return idleStrategy != null ? idleStrategy : spinWhenDedicated();
    }

    /** @return CPUs the write path's threads are pinned to (empty: not pinned). */
    public CpuSet engineCpus()
    {
        conclude();
        return engineCpus;
    }

    /** @return CPUs every other thread of the JVM is pinned to when the node starts (empty: not pinned). */
    public CpuSet backgroundCpus()
    {
        conclude();
        return backgroundCpus;
    }

    /**
     * @param cpus a CPU list for the write path's threads ({@code affinity.engine}); empty for none.
     * @return this.
     */
    public EngineContext affinityEngine(final String cpus)
    {
        this.affinityEngine = cpus;
        return this;
    }

    /**
     * @param cpus a CPU list for every other thread of the JVM ({@code affinity.background}); empty for none.
     * @return this.
     */
    public EngineContext affinityBackground(final String cpus)
    {
        this.affinityBackground = cpus;
        return this;
    }

    /** @return ring wait strategy name (busy-spin in dedicated threading unless set). */
    public String waitStrategy()
    {
        return waitStrategy != null ? waitStrategy : spinWhenDedicated();
    }

    /**
     * @return the embedded driver's idle strategy name unless set: busy-spin in dedicated threading, sleeping-ms with
     *         an IPC ingress, else backoff.
     */
    public String driverIdleStrategy()
    {
        if (driverIdleStrategy != null)
        {
            return driverIdleStrategy;
        }
        if (threading != ThreadingMode.DEDICATED && ingressChannel.startsWith(CommonContext.IPC_CHANNEL) &&
            replicationChannel.isBlank() && !isRemoteReplica())
        {
            // Over IPC the edges' messages never pass through the driver, only its conductor's bookkeeping does
            // (publisher limits, liveness), which tolerates a millisecond of sleep. Not so for a primary streaming
            // to remote replicas or a remote replica: their records (and, under ack-policy=replicated, every ack's
            // wait) go through the driver's sender and receiver.
            return "sleeping-ms";
        }
        return spinWhenDedicated();
    }

    /**
     * @param name the embedded driver's idle strategy name.
     * @return this.
     */
    public EngineContext driverIdleStrategy(final String name)
    {
        this.driverIdleStrategy = name;
        return this;
    }

    /** @return the embedded driver's threading mode (dedicated in dedicated threading unless set). */
    public io.aeron.driver.ThreadingMode driverThreading()
    {
        if (driverThreading != null)
        {
            return driverThreading;
        }
        return threading == ThreadingMode.DEDICATED ?
            io.aeron.driver.ThreadingMode.DEDICATED : io.aeron.driver.ThreadingMode.SHARED;
    }

    /**
     * @param mode the embedded driver's threading mode.
     * @return this.
     */
    public EngineContext driverThreading(final io.aeron.driver.ThreadingMode mode)
    {
        this.driverThreading = mode;
        return this;
    }

    /** @return the embedded driver's default IPC and network publication term length (term-length unless set). */
    public int driverTermLength()
    {
        return driverTermLength > 0 ? driverTermLength : termLength;
    }

    /**
     * @param length the embedded driver's default IPC and network publication term length.
     * @return this.
     */
    public EngineContext driverTermLength(final int length)
    {
        this.driverTermLength = length;
        return this;
    }

    /** @return messages the ingress agent takes per duty cycle. */
    public int fragmentLimit()
    {
        return fragmentLimit;
    }

    /**
     * @param limit messages the ingress agent takes per duty cycle.
     * @return this.
     */
    public EngineContext fragmentLimit(final int limit)
    {
        this.fragmentLimit = limit;
        return this;
    }

    private String spinWhenDedicated()
    {
        return threading == ThreadingMode.DEDICATED ? "busy-spin" : "backoff";
    }

    /**
     * @param waitStrategy ring wait strategy name.
     * @return this.
     */
    public EngineContext waitStrategy(final String waitStrategy)
    {
        this.waitStrategy = waitStrategy;
        return this;
    }

    /**
     * @param idleStrategy ingress idle strategy name.
     * @return this.
     */
    public EngineContext idleStrategy(final String idleStrategy)
    {
        this.idleStrategy = idleStrategy;
        return this;
    }

    /** @return ring size. */
    public int ringSize()
    {
        return ringSize;
    }

    /**
     * @param ringSize ring size (power of two).
     * @return this.
     */
    public EngineContext ringSize(final int ringSize)
    {
        this.ringSize = ringSize;
        return this;
    }

    /** @return true for an embedded media driver. */
    public boolean embeddedDriver()
    {
        return embeddedDriver;
    }

    /**
     * @param embedded true for an embedded media driver.
     * @return this.
     */
    public EngineContext embeddedDriver(final boolean embedded)
    {
        this.embeddedDriver = embedded;
        return this;
    }

    /** @return media driver directory. */
    public String aeronDir()
    {
        return aeronDir;
    }

    /**
     * @param aeronDir media driver directory.
     * @return this.
     */
    public EngineContext aeronDir(final String aeronDir)
    {
        this.aeronDir = aeronDir;
        return this;
    }

    /** @return ingress channel. */
    public String ingressChannel()
    {
        return ingressChannel;
    }

    /**
     * @param channel ingress channel.
     * @return this.
     */
    public EngineContext ingressChannel(final String channel)
    {
        this.ingressChannel = channel;
        return this;
    }

    /** @return ingress stream id. */
    public int ingressStream()
    {
        return ingressStream;
    }

    /**
     * @param stream ingress stream id.
     * @return this.
     */
    public EngineContext ingressStream(final int stream)
    {
        this.ingressStream = stream;
        return this;
    }

    /** @return egress term length. */
    public int termLength()
    {
        return termLength;
    }

    /**
     * @param termLength egress term length.
     * @return this.
     */
    public EngineContext termLength(final int termLength)
    {
        this.termLength = termLength;
        return this;
    }

    /** @return op text bound in bytes (-1 before {@link #conclude()} when derived from the term length). */
    public int opMaxBytes()
    {
        return opMaxBytes;
    }

    /** @return op component bound (-1 before {@link #conclude()} when derived from the term length). */
    public int opMaxComponents()
    {
        return opMaxComponents;
    }

    /**
     * @param components op component bound.
     * @return this.
     */
    public EngineContext opMaxComponents(final int components)
    {
        this.opMaxComponents = components;
        return this;
    }

    /**
     * @param opMaxBytes op text bound in bytes.
     * @return this.
     */
    public EngineContext opMaxBytes(final int opMaxBytes)
    {
        this.opMaxBytes = opMaxBytes;
        return this;
    }

    /** @return heartbeat interval in ns. */
    public long heartbeatIntervalNs()
    {
        return heartbeatIntervalNs;
    }

    /** @return edge timeout in ns. */
    public long edgeTimeoutNs()
    {
        return edgeTimeoutNs;
    }

    /**
     * @param nanos edge timeout.
     * @return this.
     */
    public EngineContext edgeTimeoutNs(final long nanos)
    {
        this.edgeTimeoutNs = nanos;
        return this;
    }

    /**
     * @return called after each message the engine hands to an edge's publication (in one JVM with the edge: wakes its
     *         reply agent, see {@link EngineNode#ingressWaker()}); a no-op unless set. Not a file or flag option.
     */
    public Runnable egressWaker()
    {
        return egressWaker;
    }

    /**
     * @param waker what wakes the edges' reply agent in this JVM (must be cheap and thread-safe).
     * @return this.
     */
    public EngineContext egressWaker(final Runnable waker)
    {
        this.egressWaker = java.util.Objects.requireNonNull(waker, "waker");
        return this;
    }

    /** @return how long egress retries on back-pressure, ns. */
    public long egressRetryNs()
    {
        return egressRetryNs;
    }

    /**
     * @param nanos how long egress retries on back-pressure.
     * @return this.
     */
    public EngineContext egressRetryNs(final long nanos)
    {
        this.egressRetryNs = nanos;
        return this;
    }

    /** @return timer slack of the thread running the ingress (and the shards in single mode), ns; 0: the system's. */
    public long timerSlackNs()
    {
        return timerSlackNs;
    }

    /**
     * @param nanos timer slack of the thread running the ingress (and the shards in single mode); 0 leaves the
     *              system's (50 µs on Linux).
     * @return this.
     */
    public EngineContext timerSlackNs(final long nanos)
    {
        this.timerSlackNs = nanos;
        return this;
    }

    /**
     * @param nanos heartbeat interval.
     * @return this.
     */
    public EngineContext heartbeatIntervalNs(final long nanos)
    {
        this.heartbeatIntervalNs = nanos;
        return this;
    }

    /** @return the journal's options as a template (directory unset); valid after {@link #conclude()}. */
    public JournalContext journalTemplate()
    {
        conclude();
        return journalTemplate;
    }

    /** @return what this node replicates (a data directory, or the primary's replication channel), or null. */
    public String replicaOf()
    {
        return replicaOf;
    }

    /** @return true if {@link #replicaOf()} is an Aeron channel (the remote transport). */
    public boolean isRemoteReplica()
    {
        return replicaOf != null && replicaOf.startsWith("aeron:");
    }

    /**
     * @param primaryDataDir the primary's data directory (null: this node is a primary).
     * @return this.
     */
    public EngineContext replicaOf(final Path primaryDataDir)
    {
        this.replicaOf = primaryDataDir == null ? null : primaryDataDir.toString();
        return this;
    }

    /**
     * @param primaryReplicationChannel the primary's replication channel (remote transport), e.g.
     *                                  {@code aeron:udp?endpoint=10.0.0.1:40200}; null: this node is a primary.
     * @return this.
     */
    public EngineContext replicaOf(final String primaryReplicationChannel)
    {
        this.replicaOf = primaryReplicationChannel;
        return this;
    }

    /** @return the channel a remote replica receives records on. */
    public String replicaChannel()
    {
        return replicaChannel;
    }

    /** @return the stream a remote replica receives records on. */
    public int replicaStream()
    {
        return replicaStream;
    }

    /** @return the channel a primary takes replica hellos on ("" : no remote replicas). */
    public String replicationChannel()
    {
        return replicationChannel;
    }

    /**
     * @param channel the channel a primary takes replica hellos on ("" : none).
     * @return this.
     */
    public EngineContext replicationChannel(final String channel)
    {
        this.replicationChannel = channel;
        return this;
    }

    /** @return true for the {@code replicated} ack policy. */
    public boolean ackReplicated()
    {
        return ackReplicated;
    }

    /**
     * @param replicated true: ack only after a replica journaled the record ({@code replicated}); false: after the
     *                   primary's own journal write ({@code local}).
     * @return this.
     */
    public EngineContext ackReplicated(final boolean replicated)
    {
        this.ackReplicated = replicated;
        return this;
    }

    /** @return the stream of the replication channel (hellos to the primary). */
    public int replicationStream()
    {
        return replicationStream;
    }

    /** @return term length of the publications that stream records to replicas (a record must fit in 1/8). */
    public int replicationTermLength()
    {
        return replicationTermLength;
    }

    /** @return how often a replica samples its lag, ns. */
    public long replicaLagSampleNs()
    {
        return replicaLagSampleNs;
    }

    /** @return the ZooKeeper connect string of the lease ("": no lease, the role is fixed). */
    public String leaseZookeeper()
    {
        return leaseZookeeper;
    }

    /**
     * @param connect ZooKeeper connect string ("": no lease).
     * @return this.
     */
    public EngineContext leaseZookeeper(final String connect)
    {
        this.leaseZookeeper = connect == null ? "" : connect.trim();
        return this;
    }

    /** @return the ZooKeeper path under which the leases live. */
    public String leasePath()
    {
        return leasePath;
    }

    /** @return the lease group: the nodes that stand in for each other (default from the shard range). */
    public String leaseGroup()
    {
        return leaseGroup.isEmpty() ? "shards-" + shardBegin + "-" + (shardEnd < 0 ? shardCount : shardEnd) + "-of-" +
            shardCount : leaseGroup;
    }

    /** @return the ZooKeeper session timeout, ns. */
    public long leaseSessionTimeoutNs()
    {
        return leaseSessionTimeoutNs;
    }

    /**
     * @param nanos the ZooKeeper session timeout.
     * @return this.
     */
    public EngineContext leaseSessionTimeoutNs(final long nanos)
    {
        this.leaseSessionTimeoutNs = nanos;
        return this;
    }

    /** @return how long a starting node waits for ZooKeeper, ns. */
    public long leaseConnectTimeoutNs()
    {
        return leaseConnectTimeoutNs;
    }

    /** @return true if this node joins the election at start even when not eligible (acked ops may be lost). */
    public boolean leaseForceEligible()
    {
        return leaseForceEligible;
    }

    /**
     * @param force join the election at start even when not eligible (the operator accepts that acknowledged ops
     *              may be lost).
     * @return this.
     */
    public EngineContext leaseForceEligible(final boolean force)
    {
        this.leaseForceEligible = force;
        return this;
    }

    /** @return sets of diverged shard directories kept under {@code data/diverged/} (0: all). */
    public int leaseDivergedKeep()
    {
        return leaseDivergedKeep;
    }

    /**
     * @param keep sets of diverged shard directories to keep under {@code data/diverged/} (0: all).
     * @return this.
     */
    public EngineContext leaseDivergedKeep(final int keep)
    {
        this.leaseDivergedKeep = keep;
        return this;
    }

    /** @return the admin HTTP port on 127.0.0.1 (-1: none). */
    public int adminPort()
    {
        return adminPort;
    }

    /**
     * @param port the admin HTTP port on 127.0.0.1 (-1: none, 0: any free port).
     * @return this.
     */
    public EngineContext adminPort(final int port)
    {
        this.adminPort = port;
        return this;
    }

    /** @return the epoch. */
    public long epoch()
    {
        return epoch;
    }

    /**
     * @param epoch the epoch.
     * @return this.
     */
    public EngineContext epoch(final long epoch)
    {
        this.epoch = epoch;
        return this;
    }

    /**
     * @param journal journal settings (component {@code journal}).
     * @return this.
     */
    public EngineContext journalSettings(final Settings journal)
    {
        this.journalSettings = journal;
        return this;
    }

    /**
     * @param snapshot snapshot settings (component {@code snapshot}).
     * @return this.
     */
    public EngineContext snapshotSettings(final Settings snapshot)
    {
        this.snapshotSettings = snapshot;
        return this;
    }

    /**
     * @param maxBytes memory bound per shard.
     * @param maxDocs  documents in memory per shard.
     * @return this.
     */
    public EngineContext memory(final long maxBytes, final int maxDocs)
    {
        this.memoryMaxBytes = maxBytes;
        this.memoryMaxDocs = maxDocs;
        return this;
    }

    /**
     * @param ops snapshot interval in ops.
     * @return this.
     */
    public EngineContext snapshotIntervalOps(final int ops)
    {
        this.snapshotIntervalOps = ops;
        return this;
    }

    /**
     * @param ratio snapshot journal ratio (0: the op count alone).
     * @return this.
     */
    public EngineContext snapshotJournalRatio(final int ratio)
    {
        this.snapshotJournalRatio = ratio;
        return this;
    }
}
