package io.quire.edge;

import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.crypto.MACSigner;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.SignedJWT;
import io.quire.codec.CodecLimits;
import io.quire.common.ConfigException;
import io.quire.common.Settings;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.Date;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * {@code scripts/quire token --user NAME}: prints a JWT an edge with authentication accepts, for testing and
 * operations: HS256 (nimbus-jose-jwt) under the edge's secret, {@code sub} the user, {@code iat} now, {@code exp} after
 * {@code --ttl}, and the {@code iss}/{@code aud} the edge requires when it is configured with them. The secret comes
 * from {@code --secret-file}, else from the edge's own settings ({@code QUIRE_EDGE_AUTH_JWT_SECRET} or
 * {@code QUIRE_EDGE_AUTH_JWT_SECRET_FILE}, {@code -Dquire.edge.auth.jwt-secret[-file]}, {@code --config} file).
 * Exit codes: 0 printed, 2 usage or configuration error.
 */
@Command(name = "quire token", mixinStandardHelpOptions = true,
    description = {
        "Print an HS256 JWT for USER that an edge with authentication accepts (sub=USER, exp after --ttl).",
        "The secret: --secret-file, else the edge's settings (QUIRE_EDGE_AUTH_JWT_SECRET, "
            + "QUIRE_EDGE_AUTH_JWT_SECRET_FILE, -Dquire.edge.auth.jwt-secret[-file], --config)."})
public final class TokenCommand implements Callable<Integer>
{
    /** Longest lifetime a token may be given. */
    static final Duration MAX_TTL = Duration.ofDays(366);

    private static final Pattern TTL = Pattern.compile("(\\d{1,9})([smhd])");

    @Spec
    private CommandSpec spec;

    @Option(names = "--user", required = true, description = "the principal (the token's sub claim)")
    private String user;

    @Option(names = "--secret-file", description = "file holding the edge's HS256 secret (trailing newlines dropped)")
    private Path secretFile;

    @Option(names = "--ttl", defaultValue = "1h",
        description = "lifetime: a number with s, m, h or d (default ${DEFAULT-VALUE}, at most 366d)")
    private String ttl;

    @Option(names = "--issuer", description = "iss claim (default: the edge's auth.issuer, if any)")
    private String issuer;

    @Option(names = "--audience", description = "aud claim (default: the edge's auth.audience, if any)")
    private String audience;

    @Option(names = "--config", description = "properties file with quire.edge.* keys, as the edge's --config")
    private Path config;

    /** {@inheritDoc} */
    public Integer call()
    {
        try
        {
            final Settings settings = Settings.load("edge", Map.of(), config);
            final byte[] secret = secret(settings);
            final String token = mint(secret, checkUser(user), parseTtl(ttl),
                issuer != null ? issuer : settings.get("auth.issuer", null),
                audience != null ? audience : settings.get("auth.audience", null), Instant.now());
            spec.commandLine().getOut().println(token);
            spec.commandLine().getOut().flush();
            return 0;
        }
        catch (final ConfigException ex)
        {
            spec.commandLine().getErr().println("quire token: " + ex.getMessage());
            spec.commandLine().getErr().flush();
            return 2;
        }
    }

    private byte[] secret(final Settings settings)
    {
        String text = null;
        String origin = null;
        if (secretFile != null)
        {
            text = read(secretFile);
            origin = "--secret-file " + secretFile;
        }
        else if (settings.get("auth.jwt-secret", null) != null)
        {
            if (settings.get("auth.jwt-secret-file", null) != null)
            {
                throw new ConfigException("set quire.edge.auth.jwt-secret or auth.jwt-secret-file, not both");
            }
            text = settings.get("auth.jwt-secret", null);
            origin = settings.environmentName("auth.jwt-secret") + " (or " + settings.propertyName("auth.jwt-secret") +
                ")";
        }
        else if (settings.get("auth.jwt-secret-file", null) != null)
        {
            final String file = settings.get("auth.jwt-secret-file", null);
            text = read(Path.of(file));
            origin = settings.propertyName("auth.jwt-secret-file") + " " + file;
        }
        if (text == null)
        {
            throw new ConfigException("no secret: pass --secret-file FILE or set " +
                settings.environmentName("auth.jwt-secret") + " (the edge's quire.edge.auth.jwt-secret)");
        }
        final byte[] bytes = text.getBytes(StandardCharsets.UTF_8);
        if (bytes.length < EdgeContext.MIN_SECRET_BYTES)
        {
            throw new ConfigException("the secret from " + origin + " has " + bytes.length + " bytes; HS256 needs at " +
                "least " + EdgeContext.MIN_SECRET_BYTES);
        }
        return bytes;
    }

    private static String read(final Path file)
    {
        try
        {
            return Files.readString(file, StandardCharsets.UTF_8).stripTrailing();
        }
        catch (final IOException ex)
        {
            throw new ConfigException("cannot read the secret file " + file + " (" + ex.getMessage() + ")");
        }
    }

    /**
     * @param user a principal.
     * @return it, if an edge would accept it as a token's subject.
     * @throws ConfigException if empty, too long or holding control characters or lone surrogates.
     */
    static String checkUser(final String user)
    {
        if (user.isEmpty() || user.getBytes(StandardCharsets.UTF_8).length > CodecLimits.DEFAULT_MAX_PRINCIPAL_BYTES)
        {
            throw new ConfigException("--user must have 1 to " + CodecLimits.DEFAULT_MAX_PRINCIPAL_BYTES +
                " UTF-8 bytes");
        }
        for (int i = 0; i < user.length(); i++)
        {
            final char c = user.charAt(i);
            if (c < 0x20 || c == 0x7F)
            {
                throw new ConfigException("--user must not contain control characters");
            }
            if (Character.isSurrogate(c))
            {
                if (!Character.isHighSurrogate(c) || i + 1 >= user.length() ||
                    !Character.isLowSurrogate(user.charAt(i + 1)))
                {
                    throw new ConfigException("--user must not contain lone surrogates");
                }
                i++;
            }
        }
        return user;
    }

    /**
     * @param text a lifetime such as {@code 90s}, {@code 30m}, {@code 1h} or {@code 7d}.
     * @return it.
     * @throws ConfigException if it is not one, or is zero or longer than {@link #MAX_TTL}.
     */
    static Duration parseTtl(final String text)
    {
        final Matcher m = TTL.matcher(text.trim());
        if (!m.matches())
        {
            throw new ConfigException("--ttl " + text + ": expected a number with s, m, h or d, e.g. 1h");
        }
        final long n = Long.parseLong(m.group(1));
        final Duration ttl;
        switch (m.group(2))
        {
            case "s":
                ttl = Duration.ofSeconds(n);
                break;
            case "m":
                ttl = Duration.ofMinutes(n);
                break;
            case "h":
                ttl = Duration.ofHours(n);
                break;
            default:
                ttl = Duration.ofDays(n);
                break;
        }
        if (ttl.isZero() || ttl.compareTo(MAX_TTL) > 0)
        {
            throw new ConfigException("--ttl " + text + ": must be more than 0 and at most 366d");
        }
        return ttl;
    }

    /**
     * Sign a token.
     *
     * @param secret   HS256 secret, at least 32 bytes.
     * @param user     the subject.
     * @param ttl      lifetime.
     * @param issuer   {@code iss}, or null.
     * @param audience {@code aud}, or null.
     * @param now      issue time.
     * @return the compact JWT.
     */
    static String mint(
        final byte[] secret, final String user, final Duration ttl, final String issuer, final String audience,
        final Instant now)
    {
        final JWTClaimsSet.Builder claims = new JWTClaimsSet.Builder()
            .subject(user)
            .issueTime(Date.from(now))
            .expirationTime(Date.from(now.plus(ttl)));
        if (issuer != null)
        {
            claims.issuer(issuer);
        }
        if (audience != null)
        {
            claims.audience(audience);
        }
        final SignedJWT jwt = new SignedJWT(new JWSHeader(JWSAlgorithm.HS256), claims.build());
        try
        {
            jwt.sign(new MACSigner(secret));
        }
        catch (final JOSEException ex)
        {
            throw new ConfigException("cannot sign with this secret: " + ex.getMessage());
        }
        return jwt.serialize();
    }

    /**
     * @param args command line.
     */
    public static void main(final String[] args)
    {
        final int code = new CommandLine(new TokenCommand()).execute(args);
        System.exit(code);
    }
}
