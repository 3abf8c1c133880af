package io.quire.edge;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import io.quire.codec.CodecLimits;
import io.quire.codec.Utf8;
import io.quire.codec.protocol.ComponentKind;
import io.quire.codec.protocol.OpBroadcastDecoder;
import io.quire.codec.protocol.RejectReason;

import java.util.ArrayList;
import java.util.List;

/**
 * text-unicode ops between ShareDB's JSON ({@code [3, "hi", {"d": 2}, {"d": "xy"}]}) and SBE components. The edge
 * checks the shape and the limits; the engine checks the OT rules (adjacent or trailing skips, apply bounds).
 */
final class TextOpJson
{
    /** Largest skip or delete length the wire carries (uint32). */
    static final long MAX_LENGTH = 0xFFFF_FFFFL;

    /**
     * One op component.
     *
     * @param kind   RETAIN, INSERT or DELETE.
     * @param length code points.
     * @param text   INSERT text, DELETE text or "" when unknown, "" for RETAIN.
     */
    record Component(ComponentKind kind, long length, String text)
    {
    }

    private TextOpJson()
    {
    }

    /**
     * @param op     the {@code op} field of a submit.
     * @param limits component count and text size limits.
     * @return the components in order.
     * @throws ProtocolException ERR_OT_OP_BADLY_FORMED for a bad shape, ERR_OP_TOO_LARGE beyond the limits.
     */
    static List<Component> parse(final JsonNode op, final CodecLimits limits) throws ProtocolException
    {
        if (op == null || !op.isArray())
        {
            throw ProtocolException.reject(RejectReason.OP_BADLY_FORMED, "Op must be an array");
        }
        if (op.size() > limits.maxOpComponents())
        {
            throw ProtocolException.reject(RejectReason.OP_TOO_LARGE,
                "Op has " + op.size() + " components, more than " + limits.maxOpComponents());
        }
        final List<Component> components = new ArrayList<>(op.size());
        long textBytes = 0;
        for (final JsonNode c : op)
        {
            if (c.isIntegralNumber())
            {
                components.add(new Component(ComponentKind.RETAIN, positive(c), ""));
            }
            else if (c.isTextual())
            {
                final String text = c.textValue();
                if (text.isEmpty())
                {
                    throw ProtocolException.reject(RejectReason.OP_BADLY_FORMED, "Inserts cannot be empty");
                }
                textBytes += Utf8.encodedLength(text);
                components.add(new Component(ComponentKind.INSERT, text.codePointCount(0, text.length()), text));
            }
            else if (c.isObject() && c.size() == 1 && c.has("d"))
            {
                final JsonNode d = c.get("d");
                if (d.isIntegralNumber())
                {
                    components.add(new Component(ComponentKind.DELETE, positive(d), ""));
                }
                else if (d.isTextual() && !d.textValue().isEmpty())
                {
                    final String text = d.textValue();
                    textBytes += Utf8.encodedLength(text);
                    components.add(new Component(ComponentKind.DELETE, text.codePointCount(0, text.length()), text));
                }
                else
                {
                    throw ProtocolException.reject(RejectReason.OP_BADLY_FORMED,
                        "Delete must be a positive number or a non-empty string");
                }
            }
            else
            {
                throw ProtocolException.reject(RejectReason.OP_BADLY_FORMED, "Unknown op component " + c);
            }
            if (textBytes > limits.maxOpTextBytes())
            {
                throw ProtocolException.reject(RejectReason.OP_TOO_LARGE,
                    "Op text is longer than " + limits.maxOpTextBytes() + " bytes");
            }
        }
        return components;
    }

    private static long positive(final JsonNode n) throws ProtocolException
    {
        if (!n.canConvertToLong() || n.longValue() <= 0 || n.longValue() > MAX_LENGTH)
        {
            throw ProtocolException.reject(RejectReason.OP_BADLY_FORMED,
                "Skip and delete lengths must be positive integers");
        }
        return n.longValue();
    }

    /**
     * The JSON op of an engine broadcast. Reads (and so consumes) the decoder's components group.
     *
     * @param components the group, positioned at its start.
     * @return the op array.
     */
    static ArrayNode toJson(final OpBroadcastDecoder.ComponentsDecoder components)
    {
        final ArrayNode op = ShareDbJson.NODES.arrayNode(components.count());
        for (final OpBroadcastDecoder.ComponentsDecoder c : components)
        {
            final ComponentKind kind = c.kind();
            final long length = c.length();
            final String text = c.text();
            switch (kind)
            {
                case RETAIN:
                    op.add(length);
                    break;
                case INSERT:
                    op.add(text);
                    break;
                default:
                    if (text.isEmpty())
                    {
                        op.addObject().put("d", length);
                    }
                    else
                    {
                        op.addObject().put("d", text);
                    }
                    break;
            }
        }
        return op;
    }
}
