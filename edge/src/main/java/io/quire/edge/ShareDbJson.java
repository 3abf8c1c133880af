package io.quire.edge;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.StreamReadConstraints;
import com.fasterxml.jackson.core.StreamWriteConstraints;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.ObjectReader;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.quire.codec.Utf8;
import io.quire.codec.Utf8Exception;

import java.util.Iterator;
import java.util.Map;

/**
 * ShareDB's JSON on the wire: parsing a client frame under size and depth limits (Jackson
 * {@link StreamReadConstraints}, strict duplicate detection) plus the checks Jackson cannot do (lone surrogates,
 * which ShareDB's unicount counts differently from Java), field readers that raise ShareDB-shaped errors, and
 * serialization of replies. Thread-safe.
 */
final class ShareDbJson
{
    /** The largest integer a JavaScript number holds exactly (2^53 - 1). */
    static final long MAX_SAFE_INTEGER = (1L << 53) - 1;
    /** Node factory for replies. */
    static final JsonNodeFactory NODES = JsonNodeFactory.instance;

    private static final ObjectMapper WRITER = new ObjectMapper(JsonFactory.builder()
        .streamWriteConstraints(StreamWriteConstraints.builder().maxNestingDepth(10_000).build())
        .build());

    /** Bound to JsonNode once: ObjectMapper.readTree resolves the type through its TypeFactory on every call. */
    private final ObjectReader reader;
    private final int idMaxBytes;

    /**
     * @param maxDepth       most nesting of arrays and objects.
     * @param maxStringChars longest string or field name (a frame is at most this long anyway).
     * @param idMaxBytes     longest collection, doc id, presence id or channel part, in UTF-8 bytes.
     */
    ShareDbJson(final int maxDepth, final int maxStringChars, final int idMaxBytes)
    {
        final JsonFactory factory = JsonFactory.builder()
            .streamReadConstraints(StreamReadConstraints.builder()
                .maxNestingDepth(maxDepth)
                .maxStringLength(Math.max(1024, maxStringChars))
                .maxNameLength(Math.max(1024, idMaxBytes * 2))
                .maxNumberLength(32)
                .maxDocumentLength(Math.max(1024, maxStringChars) + 1024L)
                .build())
            .enable(com.fasterxml.jackson.core.StreamReadFeature.STRICT_DUPLICATE_DETECTION)
            .build();
        factory.disable(JsonParser.Feature.ALLOW_COMMENTS);
        this.reader = new ObjectMapper(factory)
            .enable(com.fasterxml.jackson.databind.DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
            .readerFor(JsonNode.class);
        this.idMaxBytes = idMaxBytes;
    }

    /**
     * Parse one client frame.
     *
     * @param text the frame.
     * @return the message object.
     * @throws ProtocolException a close (1007) if the frame is not a JSON object within the limits.
     */
    ObjectNode parse(final String text) throws ProtocolException
    {
        final JsonNode node;
        try
        {
            node = reader.readTree(text);
        }
        catch (final JsonProcessingException ex)
        {
            throw ProtocolException.close(1007, "invalid JSON: " + ex.getOriginalMessage());
        }
        catch (final RuntimeException ex)
        {
            throw ProtocolException.close(1007, "invalid JSON");
        }
        if (node == null || !node.isObject())
        {
            throw ProtocolException.close(1007, "a message must be a JSON object");
        }
        return (ObjectNode)node;
    }

    /**
     * @param message a parsed message.
     * @throws ProtocolException ERR_MESSAGE_BADLY_FORMED if any string or key in it holds a lone surrogate.
     */
    static void checkSurrogates(final ObjectNode message) throws ProtocolException
    {
        if (hasLoneSurrogate(message))
        {
            throw ProtocolException.badlyFormed("Message contains a lone UTF-16 surrogate");
        }
    }

    private static boolean hasLoneSurrogate(final JsonNode node)
    {
        if (node.isTextual())
        {
            return !wellFormed(node.textValue());
        }
        if (node.isObject())
        {
            final Iterator<Map.Entry<String, JsonNode>> fields = node.fields();
            while (fields.hasNext())
            {
                final Map.Entry<String, JsonNode> field = fields.next();
                if (!wellFormed(field.getKey()) || hasLoneSurrogate(field.getValue()))
                {
                    return true;
                }
            }
            return false;
        }
        if (node.isArray())
        {
            for (final JsonNode element : node)
            {
                if (hasLoneSurrogate(element))
                {
                    return true;
                }
            }
        }
        return false;
    }

    /**
     * @param text any text.
     * @return true if it has no unpaired surrogate.
     */
    static boolean wellFormed(final String text)
    {
        for (int i = 0, n = text.length(); i < n; i++)
        {
            final char c = text.charAt(i);
            if (Character.isHighSurrogate(c))
            {
                if (i + 1 < n && Character.isLowSurrogate(text.charAt(i + 1)))
                {
                    i++;
                    continue;
                }
                return false;
            }
            if (Character.isLowSurrogate(c))
            {
                return false;
            }
        }
        return true;
    }

    /**
     * A collection, document id or presence id: a non-empty string of at most {@code id.max-bytes} UTF-8 bytes with
     * no control characters or noncharacters.
     *
     * @param message the request.
     * @param field   field name.
     * @param what    what it is, for the error message ("collection", "id", ...).
     * @return the value.
     * @throws ProtocolException ERR_MESSAGE_BADLY_FORMED if missing or invalid.
     */
    String id(final ObjectNode message, final String field, final String what) throws ProtocolException
    {
        final JsonNode node = message.get(field);
        if (node == null || !node.isTextual())
        {
            throw ProtocolException.badlyFormed("Invalid " + what);
        }
        return checkId(node.textValue(), what);
    }

    /**
     * @param value a candidate id.
     * @param what  what it is.
     * @return the value.
     * @throws ProtocolException ERR_MESSAGE_BADLY_FORMED if invalid.
     */
    String checkId(final String value, final String what) throws ProtocolException
    {
        if (value.isEmpty())
        {
            throw ProtocolException.badlyFormed("Invalid " + what + ": empty");
        }
        final int bytes;
        try
        {
            bytes = Utf8.encodedLength(value);
        }
        catch (final Utf8Exception ex)
        {
            throw ProtocolException.badlyFormed("Invalid " + what + ": lone surrogate");
        }
        if (bytes > idMaxBytes)
        {
            throw ProtocolException.badlyFormed("Invalid " + what + ": longer than " + idMaxBytes + " bytes");
        }
        for (int i = 0; i < value.length(); i++)
        {
            final char c = value.charAt(i);
            if (c < 0x20 || (c >= 0x7F && c <= 0x9F) || c == 0xFFFE || c == 0xFFFF)
            {
                throw ProtocolException.badlyFormed("Invalid " + what + ": control character or noncharacter");
            }
        }
        return value;
    }

    /**
     * A ShareDB version: absent or null ({@code -1}), or a non-negative integer.
     *
     * @param message the request.
     * @param field   field name.
     * @return the version, -1 for null.
     * @throws ProtocolException ERR_MESSAGE_BADLY_FORMED ("Invalid version").
     */
    static long optionalVersion(final ObjectNode message, final String field) throws ProtocolException
    {
        final JsonNode node = message.get(field);
        if (node == null || node.isNull())
        {
            return -1;
        }
        return nonNegative(node, "Invalid version");
    }

    /**
     * @param node   a JSON value.
     * @param errors the error message if it is not a non-negative safe integer.
     * @return the value.
     * @throws ProtocolException ERR_MESSAGE_BADLY_FORMED.
     */
    static long nonNegative(final JsonNode node, final String errors) throws ProtocolException
    {
        if (node == null || !node.isIntegralNumber() || !node.canConvertToLong())
        {
            throw ProtocolException.badlyFormed(errors);
        }
        final long value = node.longValue();
        if (value < 0 || value > MAX_SAFE_INTEGER)
        {
            throw ProtocolException.badlyFormed(errors);
        }
        return value;
    }

    /**
     * @param message the request.
     * @param field   field name.
     * @return the text value, or null if absent or JSON null.
     * @throws ProtocolException if present but not a string.
     */
    static String optionalString(final ObjectNode message, final String field) throws ProtocolException
    {
        final JsonNode node = message.get(field);
        if (node == null || node.isNull())
        {
            return null;
        }
        if (!node.isTextual())
        {
            throw ProtocolException.badlyFormed("Invalid " + field);
        }
        return node.textValue();
    }

    /**
     * The request echoed back with {@code error:{code,message}}: ShareDB's error reply.
     *
     * @param request the request (modified).
     * @param code    ShareDB error code.
     * @param text    error message.
     * @return the reply text.
     */
    static String errorReply(final ObjectNode request, final String code, final String text)
    {
        final ObjectNode error = request.putObject("error");
        error.put("code", code);
        error.put("message", text);
        return write(request);
    }

    /**
     * @param node a reply.
     * @return its JSON text.
     */
    static String write(final JsonNode node)
    {
        try
        {
            return WRITER.writeValueAsString(node);
        }
        catch (final JsonProcessingException ex)
        {
            throw new IllegalStateException("cannot serialize a reply", ex);
        }
    }

    /**
     * Parse JSON that this edge or an engine produced (presence values relayed by engines).
     *
     * @param text JSON text.
     * @return the node, or null if it does not parse.
     */
    static JsonNode parseTrusted(final String text)
    {
        try
        {
            return WRITER.readTree(text);
        }
        catch (final JsonProcessingException ex)
        {
            return null;
        }
    }

    /** @return a new empty object node. */
    static ObjectNode object()
    {
        return NODES.objectNode();
    }
}
