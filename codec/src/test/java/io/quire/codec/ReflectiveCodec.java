package io.quire.codec;

import io.quire.codec.SchemaModel.Field;
import io.quire.codec.SchemaModel.Group;
import io.quire.codec.SchemaModel.Message;
import io.quire.codec.SchemaModel.Schema;
import io.quire.codec.SchemaModel.Var;
import org.agrona.DirectBuffer;
import org.agrona.MutableDirectBuffer;

import java.lang.reflect.Method;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Encodes and decodes any message of a schema through its generated codecs, driven by the {@link SchemaModel}, with
 * values as plain maps: fixed fields as {@code Long} (enums as their name), groups as lists of maps, var fields as
 * {@code String}. Field accessors are found by the generator's naming rules, so this also checks that every field
 * has the accessors the schema promises. Test-only: reflective and allocating.
 */
final class ReflectiveCodec
{
    static final int HEADER_LENGTH = 8;

    private final Schema schema;

    ReflectiveCodec(final Schema schema)
    {
        this.schema = schema;
    }

    Schema schema()
    {
        return schema;
    }

    /**
     * Encode a message with its header.
     *
     * @param lengthFields if not null, receives {offset from {@code offset}, width in bytes} of every group block
     *                     length, group entry count and var-length prefix written.
     * @return the encoded length, header included.
     */
    int encode(
        final Message message,
        final Map<String, Object> values,
        final MutableDirectBuffer buffer,
        final int offset,
        final List<int[]> lengthFields)
    {
        try
        {
            final Object header = type("MessageHeaderEncoder").getDeclaredConstructor().newInstance();
            final Class<?> encoderType = type(message.name() + "Encoder");
            final Object encoder = encoderType.getDeclaredConstructor().newInstance();
            encoderType.getMethod("wrapAndApplyHeader", MutableDirectBuffer.class, int.class, header.getClass())
                .invoke(encoder, buffer, offset, header);
            final Method limit = encoderType.getMethod("limit");
            setFields(encoder, message.fields(), values);
            for (final Group group : message.groups())
            {
                @SuppressWarnings("unchecked")
                final List<Map<String, Object>> entries = (List<Map<String, Object>>)values.get(group.name());
                final int groupHeader = (int)limit.invoke(encoder) - offset;
                record(lengthFields, groupHeader, 2);
                record(lengthFields, groupHeader + 2, 2);
                final Object groupEncoder = encoderType.getMethod(group.name() + "Count", int.class)
                    .invoke(encoder, entries.size());
                for (final Map<String, Object> entry : entries)
                {
                    groupEncoder.getClass().getMethod("next").invoke(groupEncoder);
                    setFields(groupEncoder, group.fields(), entry);
                    for (final Var var : group.vars())
                    {
                        record(lengthFields, (int)limit.invoke(encoder) - offset, var.headerLength());
                        putVar(groupEncoder, var, (String)entry.get(var.name()));
                    }
                }
            }
            for (final Var var : message.vars())
            {
                record(lengthFields, (int)limit.invoke(encoder) - offset, var.headerLength());
                putVar(encoder, var, (String)values.get(var.name()));
            }
            return HEADER_LENGTH + (int)encoderType.getMethod("encodedLength").invoke(encoder);
        }
        catch (final ReflectiveOperationException ex)
        {
            throw new IllegalStateException(message.name(), ex);
        }
    }

    /**
     * Decode whatever message the header names, honouring its block length and version, reading every field in
     * schema order.
     */
    Map<String, Object> decode(final DirectBuffer buffer, final int offset)
    {
        final int templateId = buffer.getShort(offset + 2, java.nio.ByteOrder.LITTLE_ENDIAN) & 0xFFFF;
        final Message message = schema.message(templateId);
        try
        {
            final Object header = type("MessageHeaderDecoder").getDeclaredConstructor().newInstance();
            final Class<?> decoderType = type(message.name() + "Decoder");
            final Object decoder = decoderType.getDeclaredConstructor().newInstance();
            decoderType.getMethod("wrapAndApplyHeader", DirectBuffer.class, int.class, header.getClass())
                .invoke(decoder, buffer, offset, header);
            final Map<String, Object> values = new LinkedHashMap<>();
            getFields(decoder, message.fields(), values);
            for (final Group group : message.groups())
            {
                final Object groupDecoder = decoderType.getMethod(group.name()).invoke(decoder);
                final int count = (int)groupDecoder.getClass().getMethod("count").invoke(groupDecoder);
                final List<Map<String, Object>> entries = new ArrayList<>();
                for (int i = 0; i < count; i++)
                {
                    groupDecoder.getClass().getMethod("next").invoke(groupDecoder);
                    final Map<String, Object> entry = new LinkedHashMap<>();
                    getFields(groupDecoder, group.fields(), entry);
                    for (final Var var : group.vars())
                    {
                        entry.put(var.name(), groupDecoder.getClass().getMethod(var.name()).invoke(groupDecoder));
                    }
                    entries.add(entry);
                }
                values.put(group.name(), entries);
            }
            for (final Var var : message.vars())
            {
                values.put(var.name(), decoderType.getMethod(var.name()).invoke(decoder));
            }
            return values;
        }
        catch (final java.lang.reflect.InvocationTargetException ex)
        {
            if (ex.getCause() instanceof RuntimeException)
            {
                throw (RuntimeException)ex.getCause();
            }
            throw new IllegalStateException(message.name(), ex);
        }
        catch (final ReflectiveOperationException ex)
        {
            throw new IllegalStateException(message.name(), ex);
        }
    }

    private Class<?> type(final String simpleName) throws ClassNotFoundException
    {
        return Class.forName(schema.packageName() + "." + simpleName);
    }

    private static void record(final List<int[]> fields, final int offset, final int width)
    {
        if (fields != null)
        {
            fields.add(new int[]{offset, width});
        }
    }

    private void setFields(final Object encoder, final List<Field> fields, final Map<String, Object> values)
        throws ReflectiveOperationException
    {
        for (final Field field : fields)
        {
            final Object value = values.get(field.name());
            if (field.isEnum())
            {
                final Class<?> enumType = type(field.typeName());
                @SuppressWarnings({"unchecked", "rawtypes"})
                final Object constant = Enum.valueOf((Class)enumType, (String)value);
                encoder.getClass().getMethod(field.name(), enumType).invoke(encoder, constant);
            }
            else
            {
                final long v = (Long)value;
                switch (field.primitive())
                {
                    case INT8 -> encoder.getClass().getMethod(field.name(), byte.class).invoke(encoder, (byte)v);
                    case UINT8, INT16 ->
                        encoder.getClass().getMethod(field.name(), short.class).invoke(encoder, (short)v);
                    case UINT16, INT32 -> encoder.getClass().getMethod(field.name(), int.class).invoke(encoder, (int)v);
                    default -> encoder.getClass().getMethod(field.name(), long.class).invoke(encoder, v);
                }
            }
        }
    }

    private static void getFields(final Object decoder, final List<Field> fields, final Map<String, Object> values)
        throws ReflectiveOperationException
    {
        for (final Field field : fields)
        {
            final Object value = decoder.getClass().getMethod(field.name()).invoke(decoder);
            values.put(field.name(), value instanceof Enum ? ((Enum<?>)value).name() : ((Number)value).longValue());
        }
    }

    private static void putVar(final Object encoder, final Var var, final String value)
        throws ReflectiveOperationException
    {
        final byte[] bytes = value.getBytes(StandardCharsets.UTF_8);
        final String setter = "put" + Character.toUpperCase(var.name().charAt(0)) + var.name().substring(1);
        encoder.getClass().getMethod(setter, byte[].class, int.class, int.class)
            .invoke(encoder, bytes, 0, bytes.length);
    }
}
