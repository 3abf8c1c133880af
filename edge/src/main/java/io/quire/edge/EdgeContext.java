package io.quire.edge;

import io.prometheus.metrics.model.registry.PrometheusRegistry;
import io.quire.codec.CodecLimits;
import io.quire.common.ConfigException;
import io.quire.common.IdleStrategies;
import io.quire.common.Settings;
import io.undertow.server.HttpHandler;

import java.security.SecureRandom;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Every option of an edge node, with documented defaults. Component {@code edge}: properties
 * {@code quire.edge.<option>}, environment {@code QUIRE_EDGE_<OPTION>}, file key {@code quire.edge.<option>}, or a
 * command-line flag; precedence flag &gt; system property &gt; environment &gt; file &gt; default.
 *
 * <table>
 *   <caption>Options</caption>
 *   <tr><th>option</th><th>default</th><th>meaning</th></tr>
 *   <tr><td>edge-id</td><td>1</td><td>this edge's node id (engines route replies by it; unique per deployment)</td></tr>
 *   <tr><td>host</td><td>127.0.0.1</td><td>HTTP/WebSocket listen address</td></tr>
 *   <tr><td>port</td><td>8080</td><td>listen port; 0 picks a free one ({@link EdgeNode#port()})</td></tr>
 *   <tr><td>io-threads</td><td>min(2, cores)</td><td>Undertow IO threads (they parse, validate and offer; never block)</td></tr>
 *   <tr><td>worker-threads</td><td>2</td><td>Undertow worker pool (unused by the WebSocket path)</td></tr>
 *   <tr><td>shards</td><td>2</td><td>total shard count; must equal the engines'</td></tr>
 *   <tr><td>engines</td><td>0-2=aeron:udp?endpoint=127.0.0.1:40100@1001</td><td>shard map, see {@link ShardMap}</td></tr>
 *   <tr><td>driver</td><td>embedded</td><td>{@code scripts/quire edge}: {@code embedded} starts a media driver in the
 *       edge's JVM (shared threading, backoff idle); {@code external} uses one already running at {@code aeron.dir}.
 *       Embedders with their own Aeron client (the all-in-one server, tests) ignore it</td></tr>
 *   <tr><td>driver.term-length</td><td>16m</td><td>embedded driver: term length of the edge's publications to engines
 *       (max message = 1/8; three terms per publication are mapped, sparse)</td></tr>
 *   <tr><td>aeron.dir</td><td>embedded: /dev/shm/quire-edge-ID-PID; external: Aeron's default</td><td>media driver
 *       directory</td></tr>
 *   <tr><td>reply.channel</td><td>aeron:udp?endpoint=127.0.0.1:40200</td><td>where engines send replies to this edge
 *       (port 0: any free port, advertised resolved)</td></tr>
 *   <tr><td>reply.stream</td><td>2001</td><td>stream id of the reply subscription</td></tr>
 *   <tr><td>idle-strategy</td><td>backoff (all-in-one server: backoff:10:0:1ms:1ms)</td><td>reply agent:
 *       {@value IdleStrategies#NAMES}</td></tr>
 *   <tr><td>heartbeat.interval</td><td>500ms</td><td>EdgeHeartbeat period (EdgeHello until an engine answers)</td></tr>
 *   <tr><td>engine.timeout</td><td>3s</td><td>an engine silent this long is down: /healthz 503, its shard range fails
 *       over (see engine.failover-hold)</td></tr>
 *   <tr><td>engine.failover-hold</td><td>10s</td><td>when a shard range's primary goes down (or a newer epoch's primary
 *       appears), its sessions stay open and their new requests for it are held (at most max-pending per
 *       connection) until a primary of the range answers: the same engine restarted or a promoted standby; then what
 *       was in flight is re-sent (ops land once: the engine dedupes src/seq), subscribed documents are re-subscribed
 *       from the last version each client got, presence channels re-subscribed, and the held requests released in
 *       order. Without a primary after this long the sessions are closed with 1012 and clients reconnect. 0: close
 *       at once, no ride-through</td></tr>
 *   <tr><td>max-connections</td><td>10000</td><td>open WebSockets; more are refused with HTTP 503</td></tr>
 *   <tr><td>ws.max-message-bytes</td><td>2m</td><td>largest text message (all frames of it); larger closes with 1009</td></tr>
 *   <tr><td>json.max-depth</td><td>32</td><td>JSON nesting depth</td></tr>
 *   <tr><td>idle-timeout</td><td>90s</td><td>a connection from which nothing (not even a pong) arrives this long is closed</td></tr>
 *   <tr><td>ping.interval</td><td>30s</td><td>WebSocket ping period (browsers and ws answer with pongs)</td></tr>
 *   <tr><td>max-subscriptions</td><td>1000</td><td>documents plus presence channels one connection may subscribe</td></tr>
 *   <tr><td>max-pending</td><td>1000</td><td>requests one connection may have in flight to engines</td></tr>
 *   <tr><td>id.max-bytes</td><td>256</td><td>UTF-8 bytes of a collection, document id or presence id; no control
 *       characters, noncharacters or lone surrogates</td></tr>
 *   <tr><td>op.max-bytes</td><td>1m</td><td>UTF-8 bytes of text in one op or create (as the engine's)</td></tr>
 *   <tr><td>op.max-components</td><td>4096</td><td>components in one op (as the engine's)</td></tr>
 *   <tr><td>op.rate</td><td>100</td><td>ops per second per connection, sustained (token bucket)</td></tr>
 *   <tr><td>op.burst</td><td>200</td><td>ops a connection may send at once</td></tr>
 *   <tr><td>message.rate</td><td>1000</td><td>messages of any kind per second per connection, sustained</td></tr>
 *   <tr><td>message.burst</td><td>2000</td><td>messages of any kind at once</td></tr>
 *   <tr><td>outbound.max-bytes</td><td>16m</td><td>bytes queued to one slow client before it is closed (1008)</td></tr>
 *   <tr><td>drain.timeout</td><td>3s</td><td>at shutdown, how long in-flight requests may take to finish</td></tr>
 *   <tr><td>user.op.rate</td><td>200</td><td>ops per second per authenticated user, summed over all of the user's
 *       connections to this edge, sustained (in addition to op.rate per connection)</td></tr>
 *   <tr><td>user.op.burst</td><td>400</td><td>ops a user may send at once over all its connections</td></tr>
 *   <tr><td>auth.jwt-secret</td><td>none</td><td>turns authentication on: every WebSocket upgrade (and the ACL API)
 *       must carry a JWT signed HS256 with this secret (at least 32 bytes), in {@code Authorization: Bearer} or a
 *       {@code token} query parameter; its {@code sub} is the principal. Without it (or a secret file), everyone is
 *       anonymous</td></tr>
 *   <tr><td>auth.jwt-secret-file</td><td>none</td><td>read the secret from this file instead (trailing newlines
 *       dropped), so it stays out of process listings and environment dumps</td></tr>
 *   <tr><td>auth.issuer</td><td>any</td><td>required {@code iss} claim</td></tr>
 *   <tr><td>auth.audience</td><td>any</td><td>required {@code aud} claim</td></tr>
 *   <tr><td>auth.clock-skew</td><td>30s</td><td>tolerance on {@code exp} and {@code nbf}</td></tr>
 *   <tr><td>acl.timeout</td><td>5s</td><td>how long the HTTP ACL API waits for the engine (then 503)</td></tr>
 *   <tr><td>insecure</td><td>false</td><td>without authentication the edge binds only a loopback address
 *       (127.0.0.1, ::1, localhost) and refuses any other host; true allows it (anyone who can reach the port can read
 *       and write every document)</td></tr>
 * </table>
 * Hooks that are not options: a shared {@link io.aeron.Aeron} client, a {@link PrometheusRegistry} (the all-in-one
 * server registers the engine's metrics in it), a {@link SessionAuthenticator}, an {@link AccessPolicy} and a
 * handler for every other HTTP path (a web editor at {@code /}).
 */
public final class EdgeContext
{
    /** Default edge id. */
    public static final int EDGE_ID_DEFAULT = 1;
    /** Default listen port. */
    public static final int PORT_DEFAULT = 8080;
    /** Default shard count (as the engine's). */
    public static final int SHARDS_DEFAULT = 2;
    /** Default shard map: one engine on its default ingress. */
    public static final String ENGINES_DEFAULT = "0-2=aeron:udp?endpoint=127.0.0.1:40100@1001";
    /** Default reply channel of a standalone edge. */
    public static final String REPLY_CHANNEL_DEFAULT = "aeron:udp?endpoint=127.0.0.1:40200";
    /** Default term length of the embedded driver's publications (Aeron's UDP default). */
    public static final int DRIVER_TERM_LENGTH_DEFAULT = 16 << 20;
    /** Default reply stream. */
    public static final int REPLY_STREAM_DEFAULT = 2001;
    /** Default max connections. */
    public static final int MAX_CONNECTIONS_DEFAULT = 10_000;
    /** Default max WebSocket message. */
    public static final int MAX_MESSAGE_BYTES_DEFAULT = 2 << 20;
    /** Default JSON depth. */
    public static final int JSON_MAX_DEPTH_DEFAULT = 32;
    /** Default subscriptions per connection. */
    public static final int MAX_SUBSCRIPTIONS_DEFAULT = 1000;
    /** Default in-flight requests per connection. */
    public static final int MAX_PENDING_DEFAULT = 1000;
    /** Default op rate per connection. */
    public static final int OP_RATE_DEFAULT = 100;
    /** Default op burst per connection. */
    public static final int OP_BURST_DEFAULT = 200;
    /** Default message rate per connection. */
    public static final int MESSAGE_RATE_DEFAULT = 1000;
    /** Default message burst per connection. */
    public static final int MESSAGE_BURST_DEFAULT = 2000;
    /** Default op rate per authenticated user. */
    public static final int USER_OP_RATE_DEFAULT = 200;
    /** Default op burst per authenticated user. */
    public static final int USER_OP_BURST_DEFAULT = 400;
    /** Shortest JWT secret HS256 accepts. */
    public static final int MIN_SECRET_BYTES = 32;
    /** Default outbound bytes per connection. */
    public static final long OUTBOUND_MAX_BYTES_DEFAULT = 16L << 20;

    private int edgeId = EDGE_ID_DEFAULT;
    private String host = "127.0.0.1";
    private int port = PORT_DEFAULT;
    private int ioThreads = Math.max(1, Math.min(2, Runtime.getRuntime().availableProcessors()));
    private int workerThreads = 2;
    private int shardCount = SHARDS_DEFAULT;
    private String engines = ENGINES_DEFAULT;
    private String aeronDir;
    private boolean embeddedDriver = true;
    private int driverTermLength = DRIVER_TERM_LENGTH_DEFAULT;
    private String replyChannel = REPLY_CHANNEL_DEFAULT;
    private int replyStream = REPLY_STREAM_DEFAULT;
    private String idleStrategy = "backoff";
    private long heartbeatIntervalNs = 500_000_000L;
    private long engineTimeoutNs = 3_000_000_000L;
    private long failoverHoldNs = 10_000_000_000L;
    private int maxConnections = MAX_CONNECTIONS_DEFAULT;
    private int maxMessageBytes = MAX_MESSAGE_BYTES_DEFAULT;
    private int jsonMaxDepth = JSON_MAX_DEPTH_DEFAULT;
    private long idleTimeoutNs = 90_000_000_000L;
    private long pingIntervalNs = 30_000_000_000L;
    private int maxSubscriptions = MAX_SUBSCRIPTIONS_DEFAULT;
    private int maxPending = MAX_PENDING_DEFAULT;
    private int idMaxBytes = CodecLimits.DEFAULT_MAX_ID_BYTES;
    private int opMaxBytes = CodecLimits.DEFAULT_MAX_OP_TEXT_BYTES;
    private int opMaxComponents = CodecLimits.DEFAULT_MAX_OP_COMPONENTS;
    private int opRate = OP_RATE_DEFAULT;
    private int opBurst = OP_BURST_DEFAULT;
    private int messageRate = MESSAGE_RATE_DEFAULT;
    private int messageBurst = MESSAGE_BURST_DEFAULT;
    private long outboundMaxBytes = OUTBOUND_MAX_BYTES_DEFAULT;
    private long drainTimeoutNs = 3_000_000_000L;
    private long edgeEpoch = new SecureRandom().nextLong() & Long.MAX_VALUE;
    private int userOpRate = USER_OP_RATE_DEFAULT;
    private int userOpBurst = USER_OP_BURST_DEFAULT;
    private String jwtSecret;
    private String jwtSecretFile;
    private String jwtIssuer;
    private String jwtAudience;
    private long clockSkewNs = 30_000_000_000L;
    private long aclTimeoutNs = 5_000_000_000L;
    private boolean insecure;
    private boolean customAuthenticator;
    private byte[] secret;
    private SourceIds sourceIds;

    private io.aeron.Aeron aeron;
    private PrometheusRegistry registry;
    private SessionAuthenticator authenticator = SessionAuthenticator.ANONYMOUS;
    private AccessPolicy accessPolicy = AccessPolicy.ALLOW_ALL;
    private HttpHandler otherPaths;
    private Runnable engineWaker = () -> { };
    private ShardMap shardMap;
    private CodecLimits codecLimits;
    private boolean concluded;

    /**
     * Read every option from layered settings (component {@code edge}).
     *
     * @param s the settings.
     * @return this.
     */
    public EdgeContext apply(final Settings s)
    {
        edgeId = s.getInt("edge-id", edgeId);
        host = s.get("host", host);
        port = s.getInt("port", port);
        ioThreads = s.getInt("io-threads", ioThreads);
        workerThreads = s.getInt("worker-threads", workerThreads);
        shardCount = s.getInt("shards", shardCount);
        engines = s.get("engines", engines);
        aeronDir = s.get("aeron.dir", aeronDir);
        final String driver = s.get("driver", embeddedDriver ? "embedded" : "external");
        if (!driver.equals("embedded") && !driver.equals("external"))
        {
            throw new ConfigException("quire.edge.driver must be embedded or external, got " + driver);
        }
        embeddedDriver = driver.equals("embedded");
        driverTermLength = (int)Math.min(Integer.MAX_VALUE, s.getSize("driver.term-length", driverTermLength));
        replyChannel = s.get("reply.channel", replyChannel);
        replyStream = s.getInt("reply.stream", replyStream);
        idleStrategy = s.get("idle-strategy", idleStrategy);
        heartbeatIntervalNs = s.getDurationNs("heartbeat.interval", heartbeatIntervalNs);
        engineTimeoutNs = s.getDurationNs("engine.timeout", engineTimeoutNs);
        failoverHoldNs = s.getDurationNs("engine.failover-hold", failoverHoldNs);
        maxConnections = s.getInt("max-connections", maxConnections);
        maxMessageBytes = (int)Math.min(Integer.MAX_VALUE, s.getSize("ws.max-message-bytes", maxMessageBytes));
        jsonMaxDepth = s.getInt("json.max-depth", jsonMaxDepth);
        idleTimeoutNs = s.getDurationNs("idle-timeout", idleTimeoutNs);
        pingIntervalNs = s.getDurationNs("ping.interval", pingIntervalNs);
        maxSubscriptions = s.getInt("max-subscriptions", maxSubscriptions);
        maxPending = s.getInt("max-pending", maxPending);
        idMaxBytes = s.getInt("id.max-bytes", idMaxBytes);
        opMaxBytes = (int)Math.min(Integer.MAX_VALUE, s.getSize("op.max-bytes", opMaxBytes));
        opMaxComponents = s.getInt("op.max-components", opMaxComponents);
        opRate = s.getInt("op.rate", opRate);
        opBurst = s.getInt("op.burst", opBurst);
        messageRate = s.getInt("message.rate", messageRate);
        messageBurst = s.getInt("message.burst", messageBurst);
        outboundMaxBytes = s.getSize("outbound.max-bytes", outboundMaxBytes);
        drainTimeoutNs = s.getDurationNs("drain.timeout", drainTimeoutNs);
        userOpRate = s.getInt("user.op.rate", userOpRate);
        userOpBurst = s.getInt("user.op.burst", userOpBurst);
        jwtSecret = s.get("auth.jwt-secret", jwtSecret);
        jwtSecretFile = s.get("auth.jwt-secret-file", jwtSecretFile);
        jwtIssuer = s.get("auth.issuer", jwtIssuer);
        jwtAudience = s.get("auth.audience", jwtAudience);
        clockSkewNs = s.getDurationNs("auth.clock-skew", clockSkewNs);
        aclTimeoutNs = s.getDurationNs("acl.timeout", aclTimeoutNs);
        insecure = s.getBoolean("insecure", insecure);
        return this;
    }

    /**
     * Validate and derive. Idempotent.
     *
     * @return this.
     */
    public EdgeContext conclude()
    {
        if (concluded)
        {
            return this;
        }
        if (edgeId < 1)
        {
            throw new ConfigException("quire.edge.edge-id must be >= 1 (0 means none on the wire), got " + edgeId);
        }
        if (Integer.bitCount(driverTermLength) != 1 || driverTermLength < (64 << 10) || driverTermLength > (1 << 30))
        {
            throw new ConfigException("quire.edge.driver.term-length must be a power of two in [64k, 1g], got " +
                driverTermLength);
        }
        if (port < 0 || port > 65535)
        {
            throw new ConfigException("quire.edge.port must be in [0, 65535], got " + port);
        }
        if (ioThreads < 1 || workerThreads < 1)
        {
            throw new ConfigException("quire.edge.io-threads and worker-threads must be >= 1");
        }
        shardMap = ShardMap.parse(shardCount, engines);
        IdleStrategies.parse(idleStrategy);
        positive("max-connections", maxConnections);
        positive("json.max-depth", jsonMaxDepth);
        positive("max-subscriptions", maxSubscriptions);
        positive("max-pending", maxPending);
        positive("op.rate", opRate);
        positive("op.burst", opBurst);
        positive("message.rate", messageRate);
        positive("message.burst", messageBurst);
        if (maxMessageBytes < 1024)
        {
            throw new ConfigException("quire.edge.ws.max-message-bytes must be at least 1k, got " + maxMessageBytes);
        }
        if (outboundMaxBytes < 64 * 1024)
        {
            throw new ConfigException("quire.edge.outbound.max-bytes must be at least 64k, got " + outboundMaxBytes);
        }
        if (heartbeatIntervalNs <= 0 || engineTimeoutNs <= heartbeatIntervalNs || idleTimeoutNs <= 0 ||
            pingIntervalNs <= 0 || drainTimeoutNs < 0 || failoverHoldNs < 0)
        {
            throw new ConfigException("quire.edge durations must be positive (engine.failover-hold may be 0) and " +
                "engine.timeout > heartbeat.interval");
        }
        try
        {
            codecLimits = CodecLimits.builder()
                .maxIdBytes(idMaxBytes)
                .maxChannelBytes(2 * idMaxBytes + 1)
                .maxOpTextBytes(opMaxBytes)
                .maxCreateDataBytes(opMaxBytes)
                .maxOpComponents(opMaxComponents)
                .build();
        }
        catch (final IllegalArgumentException ex)
        {
            throw new ConfigException("quire.edge id/op limits: " + ex.getMessage());
        }
        positive("user.op.rate", userOpRate);
        positive("user.op.burst", userOpBurst);
        concludeAuth();
        if (registry == null)
        {
            registry = new PrometheusRegistry();
        }
        concluded = true;
        return this;
    }

    private void concludeAuth()
    {
        if (jwtSecret != null && jwtSecretFile != null)
        {
            throw new ConfigException("set quire.edge.auth.jwt-secret or auth.jwt-secret-file, not both");
        }
        if (jwtSecretFile != null)
        {
            try
            {
                jwtSecret = java.nio.file.Files.readString(java.nio.file.Path.of(jwtSecretFile),
                    java.nio.charset.StandardCharsets.UTF_8).stripTrailing();
            }
            catch (final java.io.IOException ex)
            {
                throw new ConfigException("quire.edge.auth.jwt-secret-file " + jwtSecretFile + ": cannot read it (" +
                    ex.getMessage() + ")");
            }
        }
        if (jwtSecret != null)
        {
            secret = jwtSecret.getBytes(java.nio.charset.StandardCharsets.UTF_8);
            if (secret.length < MIN_SECRET_BYTES)
            {
                throw new ConfigException("quire.edge.auth.jwt-secret must be at least " + MIN_SECRET_BYTES +
                    " bytes (HS256 needs a 256-bit key), got " + secret.length);
            }
            if (clockSkewNs < 0)
            {
                throw new ConfigException("quire.edge.auth.clock-skew must not be negative");
            }
            if (!customAuthenticator)
            {
                authenticator = new JwtAuthenticator(secret, jwtIssuer, jwtAudience,
                    (int)Math.min(Integer.MAX_VALUE, clockSkewNs / 1_000_000_000L), CodecLimits.DEFAULT_MAX_PRINCIPAL_BYTES);
            }
            sourceIds = new SourceIds(secret);
        }
        else if (customAuthenticator)
        {
            final byte[] random = new byte[MIN_SECRET_BYTES];
            new SecureRandom().nextBytes(random);
            sourceIds = new SourceIds(random);
        }
        else
        {
            sourceIds = new SourceIds(null);
        }
        if (!authEnabled() && !insecure && !isLoopback(host))
        {
            throw new ConfigException("refusing to listen on " + host + " without authentication: anyone who can " +
                "reach it could read and write every document. Configure quire.edge.auth.jwt-secret (or " +
                "auth.jwt-secret-file), listen on 127.0.0.1, or start with --insecure (edge.insecure=true) to " +
                "accept the risk");
        }
    }

    /**
     * @param host a listen address.
     * @return true if it is a loopback address (127.0.0.0/8, ::1, localhost).
     */
    static boolean isLoopback(final String host)
    {
        final String h = host.startsWith("[") && host.endsWith("]") ? host.substring(1, host.length() - 1) : host;
        return "localhost".equalsIgnoreCase(h) || "::1".equals(h) || "0:0:0:0:0:0:0:1".equals(h) ||
            h.matches("127\\.\\d{1,3}\\.\\d{1,3}\\.\\d{1,3}");
    }

    private static void positive(final String option, final long value)
    {
        if (value < 1)
        {
            throw new ConfigException("quire.edge." + option + " must be >= 1, got " + value);
        }
    }

    /** @return the options as name → value, for the startup log. */
    public Map<String, Object> describe()
    {
        conclude();
        final Map<String, Object> m = new LinkedHashMap<>();
        m.put("edge-id", edgeId);
        m.put("listen", host + ":" + port);
        m.put("io-threads", ioThreads);
        m.put("shards", shardCount);
        m.put("engines", shardMap);
        m.put("reply", replyChannel + " stream " + replyStream);
        m.put("driver", aeron != null ? "shared" : embeddedDriver ? "embedded term " + driverTermLength : "external");
        m.put("engine.failover-hold", failoverHoldNs / 1_000_000 + "ms");
        m.put("max-connections", maxConnections);
        m.put("ws.max-message-bytes", maxMessageBytes);
        m.put("max-subscriptions", maxSubscriptions);
        m.put("op.rate", opRate + "/s burst " + opBurst);
        m.put("outbound.max-bytes", outboundMaxBytes);
        m.put("user.op.rate", userOpRate + "/s burst " + userOpBurst);
        m.put("auth", authEnabled() ? (customAuthenticator ? "custom" : "jwt hs256" +
            (jwtIssuer != null ? " iss=" + jwtIssuer : "") + (jwtAudience != null ? " aud=" + jwtAudience : "")) :
            "off (anonymous)");
        return m;
    }

    // Accessors and fluent setters for embedding (the all-in-one server, tests).

    /** @return edge node id. */
    public int edgeId()
    {
        return edgeId;
    }

    /**
     * @param edgeId edge node id.
     * @return this.
     */
    public EdgeContext edgeId(final int edgeId)
    {
        this.edgeId = edgeId;
        return this;
    }

    /** @return this incarnation's random epoch. */
    public long edgeEpoch()
    {
        return edgeEpoch;
    }

    /** @return listen host. */
    public String host()
    {
        return host;
    }

    /**
     * @param host listen host.
     * @return this.
     */
    public EdgeContext host(final String host)
    {
        this.host = host;
        return this;
    }

    /** @return listen port (0: any). */
    public int port()
    {
        return port;
    }

    /**
     * @param port listen port (0: any).
     * @return this.
     */
    public EdgeContext port(final int port)
    {
        this.port = port;
        return this;
    }

    /** @return IO threads. */
    public int ioThreads()
    {
        return ioThreads;
    }

    /** @return worker threads. */
    public int workerThreads()
    {
        return workerThreads;
    }

    /** @return shard count. */
    public int shardCount()
    {
        return shardCount;
    }

    /**
     * @param shardCount shard count.
     * @param engines    shard map spec ({@link ShardMap}).
     * @return this.
     */
    public EdgeContext engines(final int shardCount, final String engines)
    {
        this.shardCount = shardCount;
        this.engines = engines;
        return this;
    }

    /** @return the shard map (after {@link #conclude()}). */
    public ShardMap shardMap()
    {
        return shardMap;
    }

    /** @return true if {@code scripts/quire edge} starts a media driver in its own JVM. */
    public boolean embeddedDriver()
    {
        return embeddedDriver;
    }

    /** @return the embedded driver's publication term length. */
    public int driverTermLength()
    {
        return driverTermLength;
    }

    /** @return media driver directory, or null for Aeron's default. */
    public String aeronDir()
    {
        return aeronDir;
    }

    /**
     * @param aeronDir media driver directory.
     * @return this.
     */
    public EdgeContext aeronDir(final String aeronDir)
    {
        this.aeronDir = aeronDir;
        return this;
    }

    /** @return reply channel. */
    public String replyChannel()
    {
        return replyChannel;
    }

    /** @return reply stream id. */
    public int replyStream()
    {
        return replyStream;
    }

    /**
     * @param channel reply channel.
     * @param stream  reply stream id.
     * @return this.
     */
    public EdgeContext reply(final String channel, final int stream)
    {
        this.replyChannel = channel;
        this.replyStream = stream;
        return this;
    }

    /** @return reply agent idle strategy name. */
    public String idleStrategy()
    {
        return idleStrategy;
    }

    /**
     * @param name reply agent idle strategy ({@link IdleStrategies#NAMES}).
     * @return this.
     */
    public EdgeContext idleStrategy(final String name)
    {
        IdleStrategies.parse(name);
        this.idleStrategy = name;
        return this;
    }

    /** @return heartbeat interval, ns. */
    public long heartbeatIntervalNs()
    {
        return heartbeatIntervalNs;
    }

    /** @return engine timeout, ns. */
    public long engineTimeoutNs()
    {
        return engineTimeoutNs;
    }

    /** @return how long a failing-over shard range's requests are held, ns (0: sessions are closed at once). */
    public long failoverHoldNs()
    {
        return failoverHoldNs;
    }

    /**
     * @param nanos {@code engine.failover-hold}: how long requests wait for a new primary (0: close at once).
     * @return this.
     */
    public EdgeContext failoverHoldNs(final long nanos)
    {
        this.failoverHoldNs = nanos;
        return this;
    }

    /**
     * @param nanos {@code engine.timeout}: an engine silent this long is down.
     * @return this.
     */
    public EdgeContext engineTimeoutNs(final long nanos)
    {
        this.engineTimeoutNs = nanos;
        return this;
    }

    /** @return max open connections. */
    public int maxConnections()
    {
        return maxConnections;
    }

    /**
     * @param max max open connections.
     * @return this.
     */
    public EdgeContext maxConnections(final int max)
    {
        this.maxConnections = max;
        return this;
    }

    /** @return max WebSocket text message bytes. */
    public int maxMessageBytes()
    {
        return maxMessageBytes;
    }

    /** @return max JSON nesting depth. */
    public int jsonMaxDepth()
    {
        return jsonMaxDepth;
    }

    /** @return idle timeout, ns. */
    public long idleTimeoutNs()
    {
        return idleTimeoutNs;
    }

    /** @return ping interval, ns. */
    public long pingIntervalNs()
    {
        return pingIntervalNs;
    }

    /** @return max subscriptions per connection. */
    public int maxSubscriptions()
    {
        return maxSubscriptions;
    }

    /** @return max in-flight requests per connection. */
    public int maxPending()
    {
        return maxPending;
    }

    /** @return ops per second per connection. */
    public int opRate()
    {
        return opRate;
    }

    /** @return op burst per connection. */
    public int opBurst()
    {
        return opBurst;
    }

    /** @return messages per second per connection. */
    public int messageRate()
    {
        return messageRate;
    }

    /** @return message burst per connection. */
    public int messageBurst()
    {
        return messageBurst;
    }

    /** @return outbound bytes per connection before it is closed as a slow consumer. */
    public long outboundMaxBytes()
    {
        return outboundMaxBytes;
    }

    /** @return drain timeout at shutdown, ns. */
    public long drainTimeoutNs()
    {
        return drainTimeoutNs;
    }

    /** @return codec limits (after {@link #conclude()}). */
    public CodecLimits codecLimits()
    {
        return codecLimits;
    }

    /** @return the shared Aeron client, or null to connect one. */
    public io.aeron.Aeron aeron()
    {
        return aeron;
    }

    /**
     * @param aeron a shared Aeron client (the edge does not close it).
     * @return this.
     */
    public EdgeContext aeron(final io.aeron.Aeron aeron)
    {
        this.aeron = aeron;
        return this;
    }

    /** @return the metrics registry served at {@code /metrics}. */
    public PrometheusRegistry registry()
    {
        return registry;
    }

    /**
     * @param registry metrics registry to add the edge's metrics to (and to serve).
     * @return this.
     */
    public EdgeContext registry(final PrometheusRegistry registry)
    {
        this.registry = registry;
        return this;
    }

    /** @return true if connections are authenticated (a JWT secret or a custom authenticator is configured). */
    public boolean authEnabled()
    {
        return secret != null || customAuthenticator;
    }

    /** @return whether a non-loopback host is allowed without authentication. */
    public boolean insecure()
    {
        return insecure;
    }

    /**
     * @param insecure allow listening on a non-loopback host without authentication.
     * @return this.
     */
    public EdgeContext insecure(final boolean insecure)
    {
        this.insecure = insecure;
        return this;
    }

    /**
     * @param secret HS256 secret (at least 32 bytes): turns JWT authentication on.
     * @return this.
     */
    public EdgeContext jwtSecret(final String secret)
    {
        this.jwtSecret = secret;
        return this;
    }

    /** @return ops per second per authenticated user. */
    public int userOpRate()
    {
        return userOpRate;
    }

    /** @return op burst per authenticated user. */
    public int userOpBurst()
    {
        return userOpBurst;
    }

    /** @return how long the ACL API waits for an engine, ns. */
    public long aclTimeoutNs()
    {
        return aclTimeoutNs;
    }

    /** @return src ids (bound to principals when authenticating; after {@link #conclude()}). */
    SourceIds sourceIds()
    {
        return sourceIds;
    }

    /** @return who a new connection is. */
    public SessionAuthenticator authenticator()
    {
        return authenticator;
    }

    /**
     * @param authenticator who a new connection is.
     * @return this.
     */
    public EdgeContext authenticator(final SessionAuthenticator authenticator)
    {
        this.authenticator = authenticator;
        this.customAuthenticator = authenticator != SessionAuthenticator.ANONYMOUS;
        return this;
    }

    /** @return what a principal may do. */
    public AccessPolicy accessPolicy()
    {
        return accessPolicy;
    }

    /**
     * @param policy what a principal may do.
     * @return this.
     */
    public EdgeContext accessPolicy(final AccessPolicy policy)
    {
        this.accessPolicy = policy;
        return this;
    }

    /**
     * @return run after each message handed to an engine's publication: in one JVM with the engine (the all-in-one
     *         server) it wakes the engine's ingress agent ({@code EngineNode.ingressWaker()}); a no-op unless set.
     *         Not a file or flag option.
     */
    public Runnable engineWaker()
    {
        return engineWaker;
    }

    /**
     * @param waker what wakes the engine's ingress agent in this JVM (cheap, thread-safe: IO threads call it).
     * @return this.
     */
    public EdgeContext engineWaker(final Runnable waker)
    {
        this.engineWaker = java.util.Objects.requireNonNull(waker, "waker");
        return this;
    }

    /** @return handler of paths other than /ws, /healthz and /metrics, or null (404). */
    public HttpHandler otherPaths()
    {
        return otherPaths;
    }

    /**
     * @param handler handler of every other path (e.g. a web editor at /).
     * @return this.
     */
    public EdgeContext otherPaths(final HttpHandler handler)
    {
        this.otherPaths = handler;
        return this;
    }

    /**
     * Shortcut for tests: override protection limits.
     *
     * @param subscriptions max subscriptions per connection.
     * @param pending       max in-flight requests per connection.
     * @param opRate        ops per second.
     * @param opBurst       op burst.
     * @return this.
     */
    public EdgeContext limits(final int subscriptions, final int pending, final int opRate, final int opBurst)
    {
        this.maxSubscriptions = subscriptions;
        this.maxPending = pending;
        this.opRate = opRate;
        this.opBurst = opBurst;
        return this;
    }
}
