package io.quire.codec;

import io.quire.codec.protocol.RejectReason;

import java.util.ArrayList;
import java.util.List;
import java.util.function.ToIntFunction;

/**
 * What {@link MessageValidator} needs to know about one message type: its fixed block, the checks on fixed fields,
 * its repeating groups and its var-length fields, in schema order. Built once per schema from the generated codecs'
 * constants ({@link ProtocolLayouts}, {@link JournalLayouts}); {@code MessageLayoutSchemaTest} checks every table
 * against the schema itself, so a message added to a schema and not here fails the build.
 */
final class MessageLayout
{
    /** Which {@link CodecLimits} value bounds a var-length field. */
    enum Limit
    {
        ID(RejectReason.MESSAGE_BADLY_FORMED),
        CHANNEL(RejectReason.MESSAGE_BADLY_FORMED),
        SOURCE(RejectReason.MESSAGE_BADLY_FORMED),
        PRINCIPAL(RejectReason.MESSAGE_BADLY_FORMED),
        TYPE(RejectReason.MESSAGE_BADLY_FORMED),
        REASON_MESSAGE(RejectReason.MESSAGE_BADLY_FORMED),
        OP_TEXT(RejectReason.OP_TOO_LARGE),
        CREATE_DATA(RejectReason.OP_TOO_LARGE),
        PRESENCE_VALUE(RejectReason.MESSAGE_BADLY_FORMED),
        SNAPSHOT_CHUNK(RejectReason.MESSAGE_BADLY_FORMED),
        CHANNEL_URI(RejectReason.MESSAGE_BADLY_FORMED);

        final RejectReason tooLarge;

        Limit(final RejectReason tooLarge)
        {
            this.tooLarge = tooLarge;
        }

        int max(final CodecLimits limits)
        {
            switch (this)
            {
                case ID: return limits.maxIdBytes();
                case CHANNEL: return limits.maxChannelBytes();
                case SOURCE: return limits.maxSourceBytes();
                case PRINCIPAL: return limits.maxPrincipalBytes();
                case TYPE: return limits.maxTypeBytes();
                case REASON_MESSAGE: return limits.maxReasonMessageBytes();
                case OP_TEXT: return limits.maxOpTextBytes();
                case CREATE_DATA: return limits.maxCreateDataBytes();
                case PRESENCE_VALUE: return limits.maxPresenceValueBytes();
                case SNAPSHOT_CHUNK: return limits.maxSnapshotChunkBytes();
                case CHANNEL_URI: return limits.maxChannelUriBytes();
                default: throw new IllegalStateException(name());
            }
        }
    }

    /** A uint8 enum field: the set of values the schema defines, as a bit mask. */
    static final class EnumCheck
    {
        final String name;
        final int offset;
        final long validMask;

        EnumCheck(final String name, final int offset, final long validMask)
        {
            this.name = name;
            this.offset = offset;
            this.validMask = validMask;
        }
    }

    /** An int64 field with a lower bound (versions are at least 0, optional ones at least -1). */
    static final class MinCheck
    {
        final String name;
        final int offset;
        final long min;

        MinCheck(final String name, final int offset, final long min)
        {
            this.name = name;
            this.offset = offset;
            this.min = min;
        }
    }

    /** A var-length field: its length prefix size (2 or 4 bytes) and its limit. */
    static final class VarField
    {
        final String name;
        final int headerLength;
        final Limit limit;

        VarField(final String name, final int headerLength, final Limit limit)
        {
            if (headerLength != 2 && headerLength != 4)
            {
                throw new IllegalArgumentException(name + ": length prefix of " + headerLength + " bytes");
            }
            this.name = name;
            this.headerLength = headerLength;
            this.limit = limit;
        }
    }

    /**
     * A repeating group: either op components (kind uint8 ComponentKind and length uint32 code points, then the text;
     * their consistency is checked entry by entry, the count is bounded by {@link CodecLimits#maxOpComponents()}) or
     * ACL entries (enum fields and var fields, the count bounded by {@link CodecLimits#maxAclEntries()}). A group
     * added by a later schema version is absent from messages written by an earlier one.
     */
    static final class GroupLayout
    {
        final String name;
        final int headerLength;
        final int blockLength;
        final int sinceVersion;
        final boolean opComponents;
        final int kindOffset;
        final int lengthOffset;
        final long kindMask;
        final EnumCheck[] enums;
        final VarField[] vars;
        final VarField text;

        GroupLayout(
            final String name,
            final int headerLength,
            final int blockLength,
            final int sinceVersion,
            final boolean opComponents,
            final int kindOffset,
            final int lengthOffset,
            final long kindMask,
            final EnumCheck[] enums,
            final VarField[] vars)
        {
            this.name = name;
            this.headerLength = headerLength;
            this.blockLength = blockLength;
            this.sinceVersion = sinceVersion;
            this.opComponents = opComponents;
            this.kindOffset = kindOffset;
            this.lengthOffset = lengthOffset;
            this.kindMask = kindMask;
            this.enums = enums;
            this.vars = vars;
            this.text = opComponents ? vars[0] : null;
        }
    }

    final int templateId;
    final String name;
    final int blockLength;
    final EnumCheck[] enums;
    final MinCheck[] mins;
    final GroupLayout[] groups;
    final VarField[] varFields;

    private MessageLayout(
        final int templateId,
        final String name,
        final int blockLength,
        final EnumCheck[] enums,
        final MinCheck[] mins,
        final GroupLayout[] groups,
        final VarField[] varFields)
    {
        this.templateId = templateId;
        this.name = name;
        this.blockLength = blockLength;
        this.enums = enums;
        this.mins = mins;
        this.groups = groups;
        this.varFields = varFields;
    }

    /**
     * The bit mask of an SBE enum's defined values, leaving out {@code NULL_VAL} and {@code SBE_UNKNOWN}.
     *
     * @param values the generated enum's values.
     * @param value  its raw value accessor.
     * @param <E>    the generated enum.
     * @return bit v set for every defined value v (all Quire enums are below 64).
     */
    static <E extends Enum<E>> long mask(final E[] values, final ToIntFunction<E> value)
    {
        long mask = 0;
        for (final E e : values)
        {
            if (!"NULL_VAL".equals(e.name()) && !"SBE_UNKNOWN".equals(e.name()))
            {
                final int v = value.applyAsInt(e);
                if (v < 0 || v > 63)
                {
                    throw new IllegalArgumentException(e + " = " + v + " does not fit the validator's mask");
                }
                mask |= 1L << v;
            }
        }
        return mask;
    }

    /** Collects the layouts of one schema, message by message, in schema order. */
    static final class Builder
    {
        private final List<MessageLayout> layouts = new ArrayList<>();
        private int templateId = -1;
        private String name;
        private int blockLength;
        private final List<EnumCheck> enums = new ArrayList<>();
        private final List<MinCheck> mins = new ArrayList<>();
        private final List<GroupLayout> groups = new ArrayList<>();
        private final List<VarField> varFields = new ArrayList<>();

        Builder message(final int templateId, final String name, final int blockLength)
        {
            flush();
            this.templateId = templateId;
            this.name = name;
            this.blockLength = blockLength;
            return this;
        }

        Builder enumField(final String name, final int offset, final long validMask)
        {
            enums.add(new EnumCheck(name, offset, validMask));
            return this;
        }

        Builder min(final String name, final int offset, final long min)
        {
            mins.add(new MinCheck(name, offset, min));
            return this;
        }

        Builder components(
            final String name,
            final int headerLength,
            final int blockLength,
            final int kindOffset,
            final int lengthOffset,
            final long kindMask,
            final int textHeaderLength)
        {
            groups.add(new GroupLayout(
                name, headerLength, blockLength, 0, true, kindOffset, lengthOffset, kindMask, new EnumCheck[0],
                new VarField[]{new VarField("text", textHeaderLength, Limit.OP_TEXT)}));
            return this;
        }

        /**
         * An ACL group: one uint8 role enum and one var field (the user) per entry.
         *
         * @param name             group name.
         * @param headerLength     group header length.
         * @param blockLength      entry block length.
         * @param sinceVersion     schema version that added the group (0: always there).
         * @param roleOffset       offset of the role in an entry.
         * @param roleMask         valid role values.
         * @param userHeaderLength length prefix of the user field.
         * @return this.
         */
        Builder aclGroup(
            final String name,
            final int headerLength,
            final int blockLength,
            final int sinceVersion,
            final int roleOffset,
            final long roleMask,
            final int userHeaderLength)
        {
            groups.add(new GroupLayout(
                name, headerLength, blockLength, sinceVersion, false, 0, 0, 0,
                new EnumCheck[]{new EnumCheck("role", roleOffset, roleMask)},
                new VarField[]{new VarField("user", userHeaderLength, Limit.PRINCIPAL)}));
            return this;
        }

        Builder var(final String name, final int headerLength, final Limit limit)
        {
            varFields.add(new VarField(name, headerLength, limit));
            return this;
        }

        /** @return the layouts indexed by template id (null where no message has that id). */
        MessageLayout[] build()
        {
            flush();
            int max = 0;
            for (final MessageLayout layout : layouts)
            {
                max = Math.max(max, layout.templateId);
            }
            final MessageLayout[] byTemplateId = new MessageLayout[max + 1];
            for (final MessageLayout layout : layouts)
            {
                if (byTemplateId[layout.templateId] != null)
                {
                    throw new IllegalStateException("template id " + layout.templateId + " used twice");
                }
                byTemplateId[layout.templateId] = layout;
            }
            return byTemplateId;
        }

        private void flush()
        {
            if (templateId >= 0)
            {
                layouts.add(new MessageLayout(
                    templateId,
                    name,
                    blockLength,
                    enums.toArray(new EnumCheck[0]),
                    mins.toArray(new MinCheck[0]),
                    groups.toArray(new GroupLayout[0]),
                    varFields.toArray(new VarField[0])));
                enums.clear();
                mins.clear();
                groups.clear();
                varFields.clear();
            }
        }
    }
}
