package io.quire.edge;

import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.util.concurrent.ThreadLocalRandom;

/**
 * ShareDB {@code src} ids, which with {@code seq} identify an op for de-duplication. Without authentication they are
 * random and a client's proposed id is adopted (ShareDB's behaviour). With authentication they are bound to the
 * principal: 16 random hex digits followed by the first 16 hex digits of HMAC-SHA256(key, principal, random), under a
 * key derived from the JWT secret (so every edge of a deployment recognises every other's ids and a client keeps its
 * id when it reconnects elsewhere). A proposed id is adopted only if it was minted for the same principal, so one
 * user cannot take another's src and replay its (src, seq). Thread-safe.
 */
final class SourceIds
{
    private static final String HMAC = "HmacSHA256";
    private static final int RANDOM_HEX = 16;
    private static final int MAC_HEX = 16;

    private final SecretKeySpec key;
    private final ThreadLocal<Mac> macs;

    /**
     * @param secret the JWT secret, or null when authentication is off (ids are then unbound).
     */
    SourceIds(final byte[] secret)
    {
        if (secret == null)
        {
            key = null;
            macs = null;
            return;
        }
        try
        {
            final Mac derive = Mac.getInstance(HMAC);
            derive.init(new SecretKeySpec(secret, HMAC));
            key = new SecretKeySpec(derive.doFinal("quire src ids v1".getBytes(StandardCharsets.US_ASCII)), HMAC);
        }
        catch (final GeneralSecurityException ex)
        {
            throw new IllegalStateException("HmacSHA256 is not available", ex);
        }
        macs = ThreadLocal.withInitial(() ->
        {
            try
            {
                final Mac mac = Mac.getInstance(HMAC);
                mac.init(key);
                return mac;
            }
            catch (final GeneralSecurityException ex)
            {
                throw new IllegalStateException("HmacSHA256 is not available", ex);
            }
        });
    }

    /** @return true if ids are bound to principals. */
    boolean bound()
    {
        return key != null;
    }

    /**
     * @param principal who the connection is.
     * @return a new 32-hex-digit src.
     */
    String mint(final String principal)
    {
        final ThreadLocalRandom random = ThreadLocalRandom.current();
        if (key == null)
        {
            return String.format("%016x%016x", random.nextLong(), random.nextLong());
        }
        final String nonce = String.format("%016x", random.nextLong());
        return nonce + mac(principal, nonce);
    }

    /**
     * @param src       a proposed src.
     * @param principal the connection's principal.
     * @return true if the connection may use it: any well-formed id when unbound, else one minted for the principal.
     */
    boolean belongsTo(final String src, final String principal)
    {
        if (key == null)
        {
            return true;
        }
        if (src.length() != RANDOM_HEX + MAC_HEX || !isLowerHex(src))
        {
            return false;
        }
        final byte[] expected = mac(principal, src.substring(0, RANDOM_HEX)).getBytes(StandardCharsets.US_ASCII);
        return MessageDigest.isEqual(expected, src.substring(RANDOM_HEX).getBytes(StandardCharsets.US_ASCII));
    }

    private String mac(final String principal, final String nonce)
    {
        final Mac mac = macs.get();
        mac.update(principal.getBytes(StandardCharsets.UTF_8));
        mac.update((byte)0);
        final byte[] digest = mac.doFinal(nonce.getBytes(StandardCharsets.US_ASCII));
        final StringBuilder hex = new StringBuilder(MAC_HEX);
        for (int i = 0; i < MAC_HEX / 2; i++)
        {
            hex.append(Character.forDigit((digest[i] >> 4) & 0xF, 16)).append(Character.forDigit(digest[i] & 0xF, 16));
        }
        return hex.toString();
    }

    private static boolean isLowerHex(final String s)
    {
        for (int i = 0; i < s.length(); i++)
        {
            final char c = s.charAt(i);
            if (!(c >= '0' && c <= '9' || c >= 'a' && c <= 'f'))
            {
                return false;
            }
        }
        return true;
    }
}
