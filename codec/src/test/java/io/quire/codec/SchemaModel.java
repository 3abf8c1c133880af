package io.quire.codec;

import org.xml.sax.InputSource;
import uk.co.real_logic.sbe.PrimitiveType;
import uk.co.real_logic.sbe.ir.Ir;
import uk.co.real_logic.sbe.ir.Signal;
import uk.co.real_logic.sbe.ir.Token;
import uk.co.real_logic.sbe.xml.IrGenerator;
import uk.co.real_logic.sbe.xml.MessageSchema;
import uk.co.real_logic.sbe.xml.ParserOptions;
import uk.co.real_logic.sbe.xml.XmlSchemaParser;

import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.List;

/**
 * The schemas as SBE's own parser sees them (IR), reduced to what the tests need: messages, fixed fields with their
 * types and offsets, groups and var fields in schema order. Tests use it to check the validator's hand-built layouts
 * and to drive schema-generic property tests, so a message added to a schema is covered without new test code.
 */
final class SchemaModel
{
    /** A fixed field. {@code enumValues} is empty for a primitive; {@code sinceVersion} 0 for an original field. */
    record Field(
        String name, String typeName, PrimitiveType primitive, List<String> enumValues, List<Long> enumRaw, int offset,
        int sinceVersion)
    {
        boolean isEnum()
        {
            return !enumValues.isEmpty();
        }
    }

    /** A var-length field and the size of its length prefix. */
    record Var(String name, int headerLength)
    {
    }

    /** A repeating group. */
    record Group(String name, int blockLength, int headerLength, List<Field> fields, List<Var> vars)
    {
    }

    /** A message. */
    record Message(
        String name, int templateId, int blockLength, List<Field> fields, List<Group> groups, List<Var> vars)
    {
    }

    /** One schema. */
    record Schema(String packageName, int id, int version, List<Message> messages)
    {
        Message message(final int templateId)
        {
            return messages.stream().filter(m -> m.templateId() == templateId).findFirst().orElseThrow();
        }

        Message message(final String name)
        {
            return messages.stream().filter(m -> m.name().equals(name)).findFirst().orElseThrow();
        }
    }

    static final Schema PROTOCOL = load("quire-protocol.xml");
    static final Schema JOURNAL = load("quire-journal.xml");

    private SchemaModel()
    {
    }

    static Path schemaDir()
    {
        final String dir = System.getProperty("quire.codec.schema.dir");
        return dir != null ? Paths.get(dir) : Paths.get("src/main/resources/quire/codec");
    }

    static Schema load(final String fileName)
    {
        try
        {
            final ParserOptions options = new ParserOptions.Builder()
                .xIncludeAware(true)
                .stopOnError(true)
                .build();
            final InputSource source = new InputSource(schemaDir().resolve(fileName).toUri().toString());
            final MessageSchema schema = XmlSchemaParser.parse(source, options);
            final Ir ir = new IrGenerator().generate(schema);
            final List<Message> messages = new ArrayList<>();
            for (final List<Token> tokens : ir.messages())
            {
                final Token begin = tokens.get(0);
                final List<Field> fields = new ArrayList<>();
                final List<Group> groups = new ArrayList<>();
                final List<Var> vars = new ArrayList<>();
                block(tokens, 1, tokens.size() - 1, fields, groups, vars);
                messages.add(new Message(begin.name(), begin.id(), begin.encodedLength(), fields, groups, vars));
            }
            return new Schema(ir.packageName(), ir.id(), ir.version(), messages);
        }
        catch (final Exception ex)
        {
            throw new IllegalStateException("cannot load " + fileName, ex);
        }
    }

    private static void block(
        final List<Token> tokens,
        final int from,
        final int to,
        final List<Field> fields,
        final List<Group> groups,
        final List<Var> vars)
    {
        int i = from;
        while (i < to)
        {
            final Token token = tokens.get(i);
            if (token.signal() == Signal.BEGIN_FIELD)
            {
                fields.add(field(tokens, i));
                i += token.componentTokenCount();
            }
            else if (token.signal() == Signal.BEGIN_GROUP)
            {
                final int end = i + token.componentTokenCount();
                final Token dimension = tokens.get(i + 1);
                final List<Field> groupFields = new ArrayList<>();
                final List<Group> nested = new ArrayList<>();
                final List<Var> groupVars = new ArrayList<>();
                block(tokens, i + 1 + dimension.componentTokenCount(), end - 1, groupFields, nested, groupVars);
                if (!nested.isEmpty())
                {
                    throw new IllegalStateException("nested groups are not supported by the tests");
                }
                groups.add(new Group(
                    token.name(), token.encodedLength(), dimension.encodedLength(), groupFields, groupVars));
                i = end;
            }
            else if (token.signal() == Signal.BEGIN_VAR_DATA)
            {
                vars.add(new Var(token.name(), tokens.get(i + 2).encodedLength()));
                i += token.componentTokenCount();
            }
            else
            {
                i++;
            }
        }
    }

    private static Field field(final List<Token> tokens, final int index)
    {
        final Token field = tokens.get(index);
        final Token type = tokens.get(index + 1);
        final List<String> enumValues = new ArrayList<>();
        final List<Long> enumRaw = new ArrayList<>();
        if (type.signal() == Signal.BEGIN_ENUM)
        {
            for (int j = index + 2; tokens.get(j).signal() == Signal.VALID_VALUE; j++)
            {
                enumValues.add(tokens.get(j).name());
                enumRaw.add(tokens.get(j).encoding().constValue().longValue());
            }
        }
        return new Field(
            field.name(), type.applicableTypeName(), type.encoding().primitiveType(), enumValues, enumRaw, field.offset(),
            field.version());
    }
}
