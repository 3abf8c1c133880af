package io.quire.codec;

import io.quire.codec.MalformedMessageException.Reason;
import io.quire.codec.MessageLayout.EnumCheck;
import io.quire.codec.MessageLayout.GroupLayout;
import io.quire.codec.MessageLayout.MinCheck;
import io.quire.codec.MessageLayout.VarField;
import io.quire.codec.protocol.ComponentKind;
import io.quire.codec.protocol.OpKind;
import io.quire.codec.protocol.RejectReason;
import io.quire.codec.protocol.SubmitOpDecoder;
import org.agrona.DirectBuffer;

import java.nio.ByteOrder;

/**
 * The gate every received message passes before a generated decoder reads it: after {@link #validate} returns, a
 * decoder wrapped on the same range (with the header's block length and version) reads only bytes inside it.
 * <p>
 * Checks, in wire order, without allocating on success:
 * <ul>
 *   <li>header: long enough, this schema's id, a version not below {@link #MIN_SUPPORTED_VERSION}, a known template,
 *       a block length at least the message's fixed fields;</li>
 *   <li>root block: inside the range; every enum field holds a defined value; versions are not below -1 (or 0);</li>
 *   <li>groups: header inside the range, block length at least the entry's fields, entry count within
 *       {@link CodecLimits#maxOpComponents()}, {@code numInGroup x blockLength} not past the end; every op component
 *       consistent (length &gt; 0; RETAIN without text; INSERT text of exactly {@code length} code points; DELETE text
 *       empty or of exactly {@code length} code points) and the op's total text within
 *       {@link CodecLimits#maxOpTextBytes()};</li>
 *   <li>var-length fields: length prefix and bytes inside the range, length within its {@link CodecLimits} limit,
 *       strictly well-formed UTF-8;</li>
 *   <li>nothing after the last field, unless the message comes from a newer schema version (which may append fields).</li>
 * </ul>
 * Messages from a newer schema version are accepted when they keep SBE's compatibility rules: a longer block or group
 * entry is skipped using the header's block length (acting block length), enum values this reader does not know are
 * left for the decoder (it returns {@code SBE_UNKNOWN}), and trailing var fields are ignored.
 * <p>
 * A second line of defence costs nothing: decode through a view that ends exactly at the message, e.g. an
 * {@link org.agrona.concurrent.UnsafeBuffer} wrapped on {@code (buffer, offset, length)}, whose bounds checks turn any
 * read outside into an exception instead of a read of the next message.
 * <p>
 * When a future schema version adds fields, record each version's block length so older, shorter blocks still pass.
 * Instances are immutable and thread-safe.
 * <p>
 * The engine's ingress validates a {@code SubmitOp} per keystroke, so the protocol validator first tries a
 * straight-line check of exactly that message as this schema version writes it ({@link #acceptsSubmitOp}): the same
 * checks, in the same order, with the offsets and limits as constants instead of walking the layout tables. It only
 * ever accepts; anything it is not sure of (another template or version, any failed check) goes through the general
 * path, which accepts it or throws the precise reason. So a message is accepted by one exactly when it is accepted by
 * the other ({@code MessageValidatorFastPathTest}).
 */
public final class MessageValidator
{
    /** The oldest schema version this reader decodes; version 0 is never written, a zeroed header is garbage. */
    public static final int MIN_SUPPORTED_VERSION = 1;

    private static final ByteOrder ORDER = ByteOrder.LITTLE_ENDIAN;
    private static final int HEADER_LENGTH = io.quire.codec.protocol.MessageHeaderDecoder.ENCODED_LENGTH;
    private static final int RETAIN = ComponentKind.RETAIN.value();
    private static final int INSERT = ComponentKind.INSERT.value();
    private static final int SUBMIT_TEMPLATE_AND_SCHEMA =
        SubmitOpDecoder.TEMPLATE_ID | SubmitOpDecoder.SCHEMA_ID << 16;
    private static final int COMPONENT_HEADER = SubmitOpDecoder.ComponentsDecoder.sbeHeaderSize();
    private static final int COMPONENT_BLOCK = SubmitOpDecoder.ComponentsDecoder.sbeBlockLength();
    private static final int COMPONENT_KIND_OFFSET = SubmitOpDecoder.ComponentsDecoder.kindEncodingOffset();
    private static final int COMPONENT_LENGTH_OFFSET = SubmitOpDecoder.ComponentsDecoder.lengthEncodingOffset();
    /** Header, block and the components' group header: the shortest SubmitOp before its var fields. */
    private static final int SUBMIT_FIXED = HEADER_LENGTH + SubmitOpDecoder.BLOCK_LENGTH + COMPONENT_HEADER;
    private static final long OP_KIND_MASK = MessageLayout.mask(OpKind.values(), OpKind::value);
    private static final long COMPONENT_KIND_MASK = MessageLayout.mask(ComponentKind.values(), ComponentKind::value);

    private final int schemaId;
    private final int schemaVersion;
    private final MessageLayout[] layouts;
    private final CodecLimits limits;
    private final int[] maxBytes;
    private final boolean submitFastPath;
    private final int maxIdBytes;
    private final int maxSourceBytes;
    private final int maxPrincipalBytes;
    private final int maxTypeBytes;
    private final int maxCreateDataBytes;
    private final int maxOpTextBytes;
    private final int maxOpComponents;

    private MessageValidator(
        final int schemaId, final int schemaVersion, final MessageLayout[] layouts, final CodecLimits limits)
    {
        this.schemaId = schemaId;
        this.schemaVersion = schemaVersion;
        this.layouts = layouts;
        this.limits = limits;
        final MessageLayout.Limit[] kinds = MessageLayout.Limit.values();
        maxBytes = new int[kinds.length];
        for (final MessageLayout.Limit kind : kinds)
        {
            maxBytes[kind.ordinal()] = kind.max(limits);
        }
        submitFastPath = schemaId == SubmitOpDecoder.SCHEMA_ID && schemaVersion == SubmitOpDecoder.SCHEMA_VERSION;
        maxIdBytes = maxBytes[MessageLayout.Limit.ID.ordinal()];
        maxSourceBytes = maxBytes[MessageLayout.Limit.SOURCE.ordinal()];
        maxPrincipalBytes = maxBytes[MessageLayout.Limit.PRINCIPAL.ordinal()];
        maxTypeBytes = maxBytes[MessageLayout.Limit.TYPE.ordinal()];
        maxCreateDataBytes = maxBytes[MessageLayout.Limit.CREATE_DATA.ordinal()];
        maxOpTextBytes = maxBytes[MessageLayout.Limit.OP_TEXT.ordinal()];
        maxOpComponents = limits.maxOpComponents();
    }

    /**
     * A validator of edge/engine messages ({@code quire-protocol.xml}).
     *
     * @param limits the limits to enforce.
     * @return the validator.
     */
    public static MessageValidator protocol(final CodecLimits limits)
    {
        return new MessageValidator(
            io.quire.codec.protocol.MessageHeaderDecoder.SCHEMA_ID,
            io.quire.codec.protocol.MessageHeaderDecoder.SCHEMA_VERSION,
            ProtocolLayouts.LAYOUTS,
            limits);
    }

    /**
     * A validator of journal records and snapshot headers ({@code quire-journal.xml}).
     *
     * @param limits the limits to enforce.
     * @return the validator.
     */
    public static MessageValidator journal(final CodecLimits limits)
    {
        return new MessageValidator(
            io.quire.codec.journal.MessageHeaderDecoder.SCHEMA_ID,
            io.quire.codec.journal.MessageHeaderDecoder.SCHEMA_VERSION,
            JournalLayouts.LAYOUTS,
            limits);
    }

    /** @return the schema id this validator accepts. */
    public int schemaId()
    {
        return schemaId;
    }

    /** @return the schema version this reader was generated from. */
    public int schemaVersion()
    {
        return schemaVersion;
    }

    /** @return the limits it enforces. */
    public CodecLimits limits()
    {
        return limits;
    }

    /**
     * Check that {@code [offset, offset + length)} holds exactly one well-formed message of this schema.
     *
     * @param buffer buffer holding the message.
     * @param offset first byte of the message header.
     * @param length length of the message, header included (an Aeron fragment's length).
     * @return the message's template id.
     * @throws MalformedMessageException if it is not well-formed or breaks a limit.
     * @throws IllegalArgumentException  if the range itself lies outside the buffer (a caller bug).
     */
    public int validate(final DirectBuffer buffer, final int offset, final int length)
    {
        if (submitFastPath && acceptsSubmitOp(buffer, offset, length))
        {
            return SubmitOpDecoder.TEMPLATE_ID;
        }
        return validateGeneral(buffer, offset, length);
    }

    /**
     * {@link #validate} without the SubmitOp fast path: the layout tables alone. The same answers, slower; for the
     * tests and benchmarks that compare the two.
     *
     * @param buffer buffer holding the message.
     * @param offset first byte of the message header.
     * @param length length of the message.
     * @return the message's template id.
     * @throws MalformedMessageException if it is not well-formed or breaks a limit.
     * @throws IllegalArgumentException  if the range itself lies outside the buffer (a caller bug).
     */
    public int validateGeneral(final DirectBuffer buffer, final int offset, final int length)
    {
        if (offset < 0 || length < 0 || offset > buffer.capacity() - length)
        {
            throw new IllegalArgumentException(
                "range [" + offset + ", +" + length + ") outside buffer of " + buffer.capacity());
        }
        if (length < HEADER_LENGTH)
        {
            throw malformed(Reason.TRUNCATED_HEADER, -1, "header", 0, length);
        }
        final int blockLength = u16(buffer, offset);
        final int templateId = u16(buffer, offset + 2);
        final int messageSchemaId = u16(buffer, offset + 4);
        final int version = u16(buffer, offset + 6);
        if (messageSchemaId != schemaId)
        {
            throw malformed(Reason.UNKNOWN_SCHEMA, templateId, "schemaId", 4, messageSchemaId);
        }
        if (version < MIN_SUPPORTED_VERSION)
        {
            throw malformed(Reason.UNSUPPORTED_VERSION, templateId, "version", 6, version);
        }
        final MessageLayout layout = templateId < layouts.length ? layouts[templateId] : null;
        if (layout == null)
        {
            throw malformed(Reason.UNKNOWN_TEMPLATE, templateId, "templateId", 2, templateId);
        }
        if (blockLength < layout.blockLength)
        {
            throw malformed(Reason.BLOCK_LENGTH_TOO_SMALL, templateId, "blockLength", 0, blockLength);
        }
        final int end = offset + length;
        final int blockOffset = offset + HEADER_LENGTH;
        if (blockLength > end - blockOffset)
        {
            throw malformed(Reason.TRUNCATED_BLOCK, templateId, "block", HEADER_LENGTH, blockLength);
        }

        final boolean knownVersion = version <= schemaVersion;
        if (knownVersion)
        {
            checkEnums(buffer, blockOffset, layout.enums, templateId, offset);
        }
        checkMins(buffer, blockOffset, layout.mins, templateId, offset);

        int position = blockOffset + blockLength;
        for (final GroupLayout group : layout.groups)
        {
            if (version < group.sinceVersion)
            {
                continue;
            }
            position = group.opComponents ?
                checkComponents(buffer, offset, position, end, group, templateId, knownVersion) :
                checkGroup(buffer, offset, position, end, group, templateId, knownVersion);
        }
        for (final VarField field : layout.varFields)
        {
            position = checkVar(buffer, offset, position, end, field, templateId);
        }
        if (position != end && knownVersion)
        {
            throw malformed(Reason.TRAILING_BYTES, templateId, "message", position - offset, end - position);
        }
        return templateId;
    }

    /**
     * A SubmitOp of this schema version, checked as {@link #validateGeneral} checks it but in straight-line code: the
     * header, the root block's enum and minimum, every op component, the op's total text, the six var fields (bounds,
     * limits, UTF-8) and nothing after them.
     *
     * @param buffer buffer holding the message.
     * @param offset first byte of the message header.
     * @param length length of the message.
     * @return true if it is such a message and passes every check; false if unsure (the general path decides).
     */
    boolean acceptsSubmitOp(final DirectBuffer buffer, final int offset, final int length)
    {
        if (offset < 0 || length < SUBMIT_FIXED || offset > buffer.capacity() - length ||
            buffer.getInt(offset + 2, ORDER) != SUBMIT_TEMPLATE_AND_SCHEMA ||
            u16(buffer, offset) != SubmitOpDecoder.BLOCK_LENGTH ||
            u16(buffer, offset + 6) != SubmitOpDecoder.SCHEMA_VERSION)
        {
            return false;
        }
        final int block = offset + HEADER_LENGTH;
        final int kind = buffer.getByte(block + SubmitOpDecoder.opKindEncodingOffset()) & 0xFF;
        if (kind > 63 || (OP_KIND_MASK & (1L << kind)) == 0 ||
            buffer.getLong(block + SubmitOpDecoder.baseVersionEncodingOffset(), ORDER) < -1)
        {
            return false;
        }
        final int end = offset + length;
        int position = block + SubmitOpDecoder.BLOCK_LENGTH;
        final int entries = u16(buffer, position + 2);
        if (u16(buffer, position) != COMPONENT_BLOCK || entries > maxOpComponents)
        {
            return false;
        }
        position += COMPONENT_HEADER;
        long textBytes = 0;
        for (int i = 0; i < entries; i++)
        {
            if (end - position < COMPONENT_BLOCK + 4)
            {
                return false;
            }
            final int componentKind = buffer.getByte(position + COMPONENT_KIND_OFFSET) & 0xFF;
            final long codePoints = buffer.getInt(position + COMPONENT_LENGTH_OFFSET, ORDER) & 0xFFFF_FFFFL;
            position += COMPONENT_BLOCK;
            final long textLength = buffer.getInt(position, ORDER) & 0xFFFF_FFFFL;
            position += 4;
            if (textLength > end - position || textLength > maxOpTextBytes || codePoints == 0 ||
                codePoints > Integer.MAX_VALUE || componentKind > 63 || (COMPONENT_KIND_MASK & (1L << componentKind)) == 0)
            {
                return false;
            }
            if (componentKind == RETAIN)
            {
                if (textLength != 0)
                {
                    return false;
                }
            }
            else if (componentKind == INSERT || textLength != 0)
            {
                final long scan = Utf8.scan(buffer, position, (int)textLength);
                if (scan < 0 || (int)scan != codePoints)
                {
                    return false;
                }
            }
            position += (int)textLength;
            textBytes += textLength;
        }
        if (textBytes > maxOpTextBytes)
        {
            return false;
        }
        position = acceptedString(buffer, position, end, maxIdBytes);
        position = acceptedString(buffer, position, end, maxIdBytes);
        position = acceptedString(buffer, position, end, maxSourceBytes);
        position = acceptedString(buffer, position, end, maxPrincipalBytes);
        position = acceptedString(buffer, position, end, maxTypeBytes);
        if (position < 0 || end - position < 4)
        {
            return false;
        }
        final long dataLength = buffer.getInt(position, ORDER) & 0xFFFF_FFFFL;
        position += 4;
        return dataLength == end - position && dataLength <= maxCreateDataBytes &&
            Utf8.scan(buffer, position, (int)dataLength) >= 0;
    }

    /** @return the position after a well-formed varStringEncoding field, or -1 (also when {@code position} is). */
    private static int acceptedString(final DirectBuffer buffer, final int position, final int end, final int max)
    {
        if (position < 0 || end - position < 2)
        {
            return -1;
        }
        final int length = u16(buffer, position);
        final int data = position + 2;
        return length <= end - data && length <= max && Utf8.scan(buffer, data, length) >= 0 ? data + length : -1;
    }

    private void checkEnums(
        final DirectBuffer buffer,
        final int blockOffset,
        final EnumCheck[] enums,
        final int templateId,
        final int messageOffset)
    {
        for (final EnumCheck check : enums)
        {
            final int value = buffer.getByte(blockOffset + check.offset) & 0xFF;
            if (value > 63 || (check.validMask & (1L << value)) == 0)
            {
                throw malformed(
                    Reason.INVALID_ENUM, templateId, check.name, blockOffset + check.offset - messageOffset, value);
            }
        }
    }

    private void checkMins(
        final DirectBuffer buffer,
        final int blockOffset,
        final MinCheck[] mins,
        final int templateId,
        final int messageOffset)
    {
        for (final MinCheck check : mins)
        {
            final long value = buffer.getLong(blockOffset + check.offset, ORDER);
            if (value < check.min)
            {
                throw malformed(
                    Reason.VALUE_OUT_OF_RANGE, templateId, check.name, blockOffset + check.offset - messageOffset, value);
            }
        }
    }

    private int checkComponents(
        final DirectBuffer buffer,
        final int messageOffset,
        final int groupOffset,
        final int end,
        final GroupLayout group,
        final int templateId,
        final boolean knownVersion)
    {
        if (group.headerLength > end - groupOffset)
        {
            throw malformed(Reason.TRUNCATED_GROUP_HEADER, templateId, group.name, groupOffset - messageOffset, 0);
        }
        final int entryLength = u16(buffer, groupOffset);
        final int entries = u16(buffer, groupOffset + 2);
        int position = groupOffset + group.headerLength;
        if (entryLength < group.blockLength)
        {
            throw malformed(
                Reason.GROUP_BLOCK_LENGTH_TOO_SMALL, templateId, group.name, groupOffset - messageOffset, entryLength);
        }
        if (entries > limits.maxOpComponents())
        {
            throw new MalformedMessageException(
                Reason.TOO_MANY_ENTRIES, templateId, group.name, groupOffset + 2 - messageOffset,
                RejectReason.OP_TOO_LARGE, true, entries + " > " + limits.maxOpComponents());
        }
        if ((long)entries * entryLength > end - position)
        {
            throw malformed(Reason.TRUNCATED_GROUP, templateId, group.name, groupOffset - messageOffset, entries);
        }

        long textBytes = 0;
        for (int i = 0; i < entries; i++)
        {
            if (entryLength > end - position)
            {
                throw malformed(Reason.TRUNCATED_GROUP, templateId, group.name, position - messageOffset, i);
            }
            final int entryOffset = position;
            final int kind = buffer.getByte(entryOffset + group.kindOffset) & 0xFF;
            final long codePoints = buffer.getInt(entryOffset + group.lengthOffset, ORDER) & 0xFFFF_FFFFL;
            position += entryLength;

            final int textOffset = position + group.text.headerLength;
            // The text's one UTF-8 scan both checks it and counts its code points.
            final long scan = checkVarScan(buffer, messageOffset, position, end, group.text, templateId);
            final int textLength = varLength(buffer, position, group.text);
            position = textOffset + textLength;
            textBytes += textLength;

            if (kind > 63 || (group.kindMask & (1L << kind)) == 0)
            {
                if (knownVersion)
                {
                    throw malformed(
                        Reason.INVALID_ENUM, templateId, "components.kind", entryOffset - messageOffset, kind);
                }
                continue;
            }
            if (codePoints == 0 || codePoints > Integer.MAX_VALUE)
            {
                throw invalidComponent(templateId, entryOffset - messageOffset, "length " + codePoints);
            }
            if (kind == RETAIN)
            {
                if (textLength != 0)
                {
                    throw invalidComponent(templateId, entryOffset - messageOffset, "text on a retain");
                }
            }
            else if ((kind == INSERT || textLength != 0) && (int)scan != codePoints)
            {
                throw invalidComponent(templateId, entryOffset - messageOffset, "text is not length code points");
            }
        }
        if (textBytes > limits.maxOpTextBytes())
        {
            throw new MalformedMessageException(
                Reason.FIELD_TOO_LARGE, templateId, group.name + ".text", groupOffset - messageOffset,
                RejectReason.OP_TOO_LARGE, true, textBytes + " bytes > " + limits.maxOpTextBytes());
        }
        return position;
    }

    private int checkGroup(
        final DirectBuffer buffer,
        final int messageOffset,
        final int groupOffset,
        final int end,
        final GroupLayout group,
        final int templateId,
        final boolean knownVersion)
    {
        if (group.headerLength > end - groupOffset)
        {
            throw malformed(Reason.TRUNCATED_GROUP_HEADER, templateId, group.name, groupOffset - messageOffset, 0);
        }
        final int entryLength = u16(buffer, groupOffset);
        final int entries = u16(buffer, groupOffset + 2);
        int position = groupOffset + group.headerLength;
        if (entryLength < group.blockLength)
        {
            throw malformed(
                Reason.GROUP_BLOCK_LENGTH_TOO_SMALL, templateId, group.name, groupOffset - messageOffset, entryLength);
        }
        if (entries > limits.maxAclEntries())
        {
            throw new MalformedMessageException(
                Reason.TOO_MANY_ENTRIES, templateId, group.name, groupOffset + 2 - messageOffset,
                RejectReason.MESSAGE_BADLY_FORMED, true, entries + " > " + limits.maxAclEntries());
        }
        if ((long)entries * entryLength > end - position)
        {
            throw malformed(Reason.TRUNCATED_GROUP, templateId, group.name, groupOffset - messageOffset, entries);
        }
        for (int i = 0; i < entries; i++)
        {
            if (entryLength > end - position)
            {
                throw malformed(Reason.TRUNCATED_GROUP, templateId, group.name, position - messageOffset, i);
            }
            if (knownVersion)
            {
                checkEnums(buffer, position, group.enums, templateId, messageOffset);
            }
            position += entryLength;
            for (final VarField field : group.vars)
            {
                position = checkVar(buffer, messageOffset, position, end, field, templateId);
            }
        }
        return position;
    }

    private int checkVar(
        final DirectBuffer buffer,
        final int messageOffset,
        final int fieldOffset,
        final int end,
        final VarField field,
        final int templateId)
    {
        checkVarScan(buffer, messageOffset, fieldOffset, end, field, templateId);
        return fieldOffset + field.headerLength + varLength(buffer, fieldOffset, field);
    }

    /** @return the length in a var field's header (only once {@link #checkVarScan} has passed it). */
    private static int varLength(final DirectBuffer buffer, final int fieldOffset, final VarField field)
    {
        return field.headerLength == 2 ? u16(buffer, fieldOffset) : buffer.getInt(fieldOffset, ORDER);
    }

    /**
     * Check a var field: header and data inside the range, length within its limit, strictly well-formed UTF-8.
     *
     * @return the data's {@link Utf8#scan} (its code points in the low 32 bits).
     */
    private long checkVarScan(
        final DirectBuffer buffer,
        final int messageOffset,
        final int fieldOffset,
        final int end,
        final VarField field,
        final int templateId)
    {
        if (field.headerLength > end - fieldOffset)
        {
            throw malformed(Reason.TRUNCATED_VAR_LENGTH, templateId, field.name, fieldOffset - messageOffset, 0);
        }
        final long length = field.headerLength == 2 ?
            u16(buffer, fieldOffset) : buffer.getInt(fieldOffset, ORDER) & 0xFFFF_FFFFL;
        final int dataOffset = fieldOffset + field.headerLength;
        if (length > end - dataOffset)
        {
            throw malformed(Reason.VAR_DATA_PAST_END, templateId, field.name, fieldOffset - messageOffset, length);
        }
        final int max = maxBytes[field.limit.ordinal()];
        if (length > max)
        {
            throw new MalformedMessageException(
                Reason.FIELD_TOO_LARGE, templateId, field.name, fieldOffset - messageOffset,
                field.limit.tooLarge, true, length + " bytes > " + max);
        }
        final long scan = Utf8.scan(buffer, dataOffset, (int)length);
        if (scan < 0)
        {
            throw new MalformedMessageException(
                Reason.INVALID_UTF8, templateId, field.name, dataOffset + Utf8.errorIndex(scan) - messageOffset,
                RejectReason.MESSAGE_BADLY_FORMED, true, Utf8.errorReason(scan).name());
        }
        return scan;
    }

    private static MalformedMessageException invalidComponent(
        final int templateId, final int offset, final String detail)
    {
        return new MalformedMessageException(
            Reason.INVALID_COMPONENT, templateId, "components", offset, RejectReason.OP_BADLY_FORMED, true, detail);
    }

    private static MalformedMessageException malformed(
        final Reason reason, final int templateId, final String field, final int offset, final long value)
    {
        // Reasons are declared in check order: everything after TRUNCATED_BLOCK is found with the root block intact.
        final boolean rootBlockReadable = reason.ordinal() > Reason.TRUNCATED_BLOCK.ordinal();
        return new MalformedMessageException(
            reason, templateId, field, offset, RejectReason.MESSAGE_BADLY_FORMED, rootBlockReadable,
            "value " + value);
    }

    private static int u16(final DirectBuffer buffer, final int index)
    {
        return buffer.getShort(index, ORDER) & 0xFFFF;
    }
}
