package io.quire.codec;

import io.quire.codec.SchemaModel.Field;
import io.quire.codec.SchemaModel.Group;
import io.quire.codec.SchemaModel.Message;
import io.quire.codec.SchemaModel.Var;
import org.quicktheories.core.Gen;
import org.quicktheories.core.RandomnessSource;
import org.quicktheories.impl.Constraint;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * QuickTheories generators of valid messages for {@link ReflectiveCodec}: every fixed field over its whole range
 * (versions and lengths within the ranges the validator allows), defined enum values, op components that are
 * consistent, and UTF-8 text (ASCII, 2- and 3-byte BMP and non-BMP code points) from empty up to exactly the
 * {@link CodecLimits} limit of each field.
 */
final class MessageGen
{
    private MessageGen()
    {
    }

    /** A generator of one message's values, within {@code limits}. */
    static Gen<Map<String, Object>> message(
        final Message message, final MessageLayout[] layouts, final CodecLimits limits)
    {
        final MessageLayout layout = layouts[message.templateId()];
        return in ->
        {
            final Map<String, Object> values = new LinkedHashMap<>();
            for (final Field field : message.fields())
            {
                values.put(field.name(), fieldValue(in, field));
            }
            for (final Group group : message.groups())
            {
                values.put(group.name(), "components".equals(group.name()) ?
                    components(in, group, limits) : aclEntries(in, group, limits));
            }
            for (int i = 0; i < message.vars().size(); i++)
            {
                final Var var = message.vars().get(i);
                final int max = layout.varFields[i].limit.max(limits);
                values.put(var.name(), text(in, 0, Math.min(max, 600)));
            }
            return values;
        };
    }

    /** A generator of (template, values) pairs over every message of a schema. */
    static Gen<Object[]> anyMessage(
        final SchemaModel.Schema schema, final MessageLayout[] layouts, final CodecLimits limits)
    {
        final List<Gen<Map<String, Object>>> gens = new ArrayList<>();
        for (final Message message : schema.messages())
        {
            gens.add(message(message, layouts, limits));
        }
        return in ->
        {
            final int index = (int)in.next(Constraint.between(0, gens.size() - 1));
            return new Object[]{schema.messages().get(index), gens.get(index).generate(in)};
        };
    }

    static Object fieldValue(final RandomnessSource in, final Field field)
    {
        if (field.isEnum())
        {
            return field.enumValues().get((int)in.next(Constraint.between(0, field.enumValues().size() - 1)));
        }
        final long min = switch (field.typeName())
        {
            case "Version", "ByteLength" -> 0;
            case "OptionalVersion", "Lsn", "OptionalTimestampNs" -> -1;
            default -> Long.MIN_VALUE;
        };
        return switch (field.primitive())
        {
            case UINT8 -> in.next(Constraint.between(0, 255));
            case UINT16 -> in.next(Constraint.between(0, 65535));
            case INT32 -> in.next(Constraint.between(Integer.MIN_VALUE, Integer.MAX_VALUE));
            case UINT32 -> in.next(Constraint.between(0, 0xFFFF_FFFFL));
            default -> edgy(in, min);
        };
    }

    /** A long at least {@code min}, often a boundary (min, -1, 0, 1, MAX). */
    private static long edgy(final RandomnessSource in, final long min)
    {
        final long pick = in.next(Constraint.between(0, 7));
        final long value = switch ((int)pick)
        {
            case 0 -> min;
            case 1 -> Long.MAX_VALUE;
            case 2 -> 0;
            case 3 -> -1;
            case 4 -> in.next(Constraint.between(0, 1000));
            default -> in.next(Constraint.between(Long.MIN_VALUE, Long.MAX_VALUE));
        };
        return Math.max(min, value);
    }

    private static List<Map<String, Object>> components(
        final RandomnessSource in, final Group group, final CodecLimits limits)
    {
        // Limit-sized groups come from small limits; with the defaults, 64 entries keep examples fast.
        final int count = (int)in.next(Constraint.between(0, Math.min(limits.maxOpComponents(), 64)));
        final int budget = Math.max(4, Math.min(256, limits.maxOpTextBytes() / Math.max(1, count)));
        final List<Map<String, Object>> entries = new ArrayList<>();
        for (int i = 0; i < count; i++)
        {
            final String kind = group.fields().get(0).enumValues().get((int)in.next(Constraint.between(0, 2)));
            final String text;
            final long length;
            if ("RETAIN".equals(kind) || ("DELETE".equals(kind) && in.next(Constraint.between(0, 1)) == 0))
            {
                text = "";
                length = in.next(Constraint.between(1, Integer.MAX_VALUE));
            }
            else
            {
                text = text(in, 1, budget);
                length = text.codePointCount(0, text.length());
            }
            final Map<String, Object> entry = new LinkedHashMap<>();
            entry.put("kind", kind);
            entry.put("length", length);
            entry.put("text", text);
            entries.add(entry);
        }
        return entries;
    }

    private static List<Map<String, Object>> aclEntries(
        final RandomnessSource in, final Group group, final CodecLimits limits)
    {
        final int count = (int)in.next(Constraint.between(0, Math.min(limits.maxAclEntries(), 16)));
        final List<Map<String, Object>> entries = new ArrayList<>();
        for (int i = 0; i < count; i++)
        {
            final Map<String, Object> entry = new LinkedHashMap<>();
            entry.put("role", fieldValue(in, group.fields().get(0)));
            entry.put("user", text(in, 0, Math.min(limits.maxPrincipalBytes(), 64)));
            entries.add(entry);
        }
        return entries;
    }

    /** Well-formed text of between {@code minBytes} and {@code maxBytes} UTF-8 bytes (exactly max now and then). */
    static String text(final RandomnessSource in, final int minBytes, final int maxBytes)
    {
        final int target = in.next(Constraint.between(0, 3)) == 0 ?
            maxBytes : (int)in.next(Constraint.between(minBytes, maxBytes));
        final StringBuilder text = new StringBuilder();
        int bytes = 0;
        while (bytes < target)
        {
            int cp = codePoint(in);
            int n = cp < 0x80 ? 1 : cp < 0x800 ? 2 : cp < 0x10000 ? 3 : 4;
            if (bytes + n > target)
            {
                cp = 'x';
                n = 1;
            }
            text.appendCodePoint(cp);
            bytes += n;
        }
        return text.toString();
    }

    static int codePoint(final RandomnessSource in)
    {
        final int cp = switch ((int)in.next(Constraint.between(0, 9)))
        {
            case 0, 1, 2, 3, 4 -> (int)in.next(Constraint.between(0, 0x7F));
            case 5, 6 -> (int)in.next(Constraint.between(0x80, 0x7FF));
            case 7 -> (int)in.next(Constraint.between(0x800, 0xFFFF));
            default -> (int)in.next(Constraint.between(0x10000, 0x10FFFF));
        };
        return Character.isSurrogate((char)cp) && cp < 0x10000 ? cp + 0x800 : cp;
    }
}
