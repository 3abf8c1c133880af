package io.quire.edge;

import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.crypto.MACVerifier;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.SignedJWT;
import com.nimbusds.jwt.proc.BadJWTException;
import com.nimbusds.jwt.proc.DefaultJWTClaimsVerifier;
import io.undertow.server.HttpServerExchange;
import io.undertow.util.Headers;

import java.nio.charset.StandardCharsets;
import java.text.ParseException;
import java.util.Deque;
import java.util.Set;

/**
 * Authenticates with a JWT signed HMAC-SHA256 (HS256) under a shared secret, verified by nimbus-jose-jwt. The token
 * comes in an {@code Authorization: Bearer <token>} header or, because browsers cannot set headers on a WebSocket,
 * in a {@code token} query parameter. It must carry {@code sub} (the principal) and {@code exp}; {@code nbf}, and the
 * issuer and audience when configured, are checked too, all with the configured clock skew. Anything else (missing,
 * malformed, another algorithm, bad signature, expired) is refused. Thread-safe.
 */
public final class JwtAuthenticator implements SessionAuthenticator
{
    /** Query parameter that may carry the token. */
    public static final String TOKEN_PARAMETER = "token";

    private static final String BEARER = "Bearer ";

    private final MACVerifier verifier;
    private final DefaultJWTClaimsVerifier<?> claims;
    private final int maxPrincipalBytes;

    /**
     * @param secret            the HS256 secret, at least 32 bytes.
     * @param issuer            required {@code iss}, or null for any.
     * @param audience          required {@code aud} (one of), or null for any.
     * @param clockSkewSeconds  tolerance on {@code exp} and {@code nbf}.
     * @param maxPrincipalBytes longest {@code sub} accepted, UTF-8 bytes.
     * @throws IllegalArgumentException if the secret is shorter than 256 bits.
     */
    public JwtAuthenticator(
        final byte[] secret, final String issuer, final String audience, final int clockSkewSeconds,
        final int maxPrincipalBytes)
    {
        try
        {
            this.verifier = new MACVerifier(secret);
        }
        catch (final JOSEException ex)
        {
            throw new IllegalArgumentException("the JWT secret must be at least 32 bytes (256 bits) for HS256", ex);
        }
        final DefaultJWTClaimsVerifier<?> v = new DefaultJWTClaimsVerifier<>(
            audience,
            issuer == null ? null : new JWTClaimsSet.Builder().issuer(issuer).build(),
            Set.of("sub", "exp"));
        v.setMaxClockSkew(clockSkewSeconds);
        this.claims = v;
        this.maxPrincipalBytes = maxPrincipalBytes;
    }

    /** {@inheritDoc} */
    public String authenticate(final HttpServerExchange exchange)
    {
        return principal(token(exchange));
    }

    /**
     * @param exchange a request.
     * @return the bearer token of its Authorization header, else its {@code token} query parameter, else null.
     */
    static String token(final HttpServerExchange exchange)
    {
        final String header = exchange.getRequestHeaders().getFirst(Headers.AUTHORIZATION);
        if (header != null && header.regionMatches(true, 0, BEARER, 0, BEARER.length()))
        {
            return header.substring(BEARER.length()).trim();
        }
        final Deque<String> query = exchange.getQueryParameters().get(TOKEN_PARAMETER);
        return query == null || query.isEmpty() ? null : query.getFirst();
    }

    /**
     * @param token a compact JWT, or null.
     * @return its verified subject, or null if the token is missing or not valid.
     */
    public String principal(final String token)
    {
        if (token == null || token.isEmpty() || token.length() > 8192)
        {
            return null;
        }
        try
        {
            final SignedJWT jwt = SignedJWT.parse(token);
            if (!JWSAlgorithm.HS256.equals(jwt.getHeader().getAlgorithm()) || !jwt.verify(verifier))
            {
                return null;
            }
            final JWTClaimsSet set = jwt.getJWTClaimsSet();
            claims.verify(set, null);
            final String subject = set.getSubject();
            return isValidPrincipal(subject) ? subject : null;
        }
        catch (final ParseException | JOSEException | BadJWTException ex)
        {
            return null;
        }
    }

    private boolean isValidPrincipal(final String subject)
    {
        if (subject == null || subject.isEmpty() ||
            subject.getBytes(StandardCharsets.UTF_8).length > maxPrincipalBytes)
        {
            return false;
        }
        for (int i = 0; i < subject.length(); i++)
        {
            final char c = subject.charAt(i);
            if (c < 0x20 || c == 0x7F || Character.isSurrogate(c) &&
                !(Character.isHighSurrogate(c) && i + 1 < subject.length() &&
                Character.isLowSurrogate(subject.charAt(++i))))
            {
                return false;
            }
        }
        return true;
    }
}
