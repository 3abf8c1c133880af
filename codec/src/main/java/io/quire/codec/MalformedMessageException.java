package io.quire.codec;

import io.quire.codec.protocol.RejectReason;

/**
 * A received buffer is not a well-formed Quire message: truncated, oversized, inconsistent, or breaking a
 * {@link CodecLimits} limit. Thrown by {@link MessageValidator} before any decoder touches the bytes.
 * <p>
 * It says what was wrong ({@link #reason()}), where ({@link #field()}, {@link #offset()}), which reject a reply should
 * carry ({@link #rejectReason()}), and whether the root block could be read ({@link #isRootBlockReadable()}): only then
 * are the correlation fields trustworthy enough to answer with an OpReject / RequestReject instead of dropping the
 * message and counting it. It has no stack trace: it is a verdict on input, not a bug.
 */
public final class MalformedMessageException extends RuntimeException
{
    private static final long serialVersionUID = 1L;

    /** What was wrong with the message, in the order the validator checks (everything after TRUNCATED_BLOCK is found
     * with the header and root block intact). */
    public enum Reason
    {
        /** Shorter than the message header. */
        TRUNCATED_HEADER,
        /** The header's schema id is not the validator's schema. */
        UNKNOWN_SCHEMA,
        /** The header's schema version is below the oldest version this reader supports. */
        UNSUPPORTED_VERSION,
        /** The header's template id is not a message of the schema. */
        UNKNOWN_TEMPLATE,
        /** The header's block length is smaller than the message's fixed fields. */
        BLOCK_LENGTH_TOO_SMALL,
        /** The root block runs past the end of the message. */
        TRUNCATED_BLOCK,
        /** An enum field holds a value the schema does not define. */
        INVALID_ENUM,
        /** A numeric field is out of its range (e.g. a version below -1). */
        VALUE_OUT_OF_RANGE,
        /** A repeating group's header runs past the end of the message. */
        TRUNCATED_GROUP_HEADER,
        /** A repeating group's block length is smaller than its entries' fixed fields. */
        GROUP_BLOCK_LENGTH_TOO_SMALL,
        /** A repeating group has more entries than the limit. */
        TOO_MANY_ENTRIES,
        /** A repeating group's entries run past the end of the message. */
        TRUNCATED_GROUP,
        /** A var-length field's length prefix runs past the end of the message. */
        TRUNCATED_VAR_LENGTH,
        /** A var-length field's bytes run past the end of the message. */
        VAR_DATA_PAST_END,
        /** A var-length field (or an op's total text) is longer than its limit. */
        FIELD_TOO_LARGE,
        /** A var-length field is not strictly well-formed UTF-8. */
        INVALID_UTF8,
        /** An op component is inconsistent: zero length, text on a retain, text that does not match the length. */
        INVALID_COMPONENT,
        /** Bytes follow the last field of a message of a version this reader knows completely. */
        TRAILING_BYTES
    }

    private final Reason reason;
    private final int templateId;
    private final String field;
    private final int offset;
    private final RejectReason rejectReason;
    private final boolean rootBlockReadable;

    /**
     * @param reason            what was wrong.
     * @param templateId        template id from the header, -1 if the header could not be read.
     * @param field             name of the offending field or part ("header", "components", "docId", ...).
     * @param offset            byte offset of the problem from the start of the message.
     * @param rejectReason      the reject a reply should carry.
     * @param rootBlockReadable whether the header and the root block are intact and of a known template.
     * @param detail            extra detail for the message, or null.
     */
    public MalformedMessageException(
        final Reason reason,
        final int templateId,
        final String field,
        final int offset,
        final RejectReason rejectReason,
        final boolean rootBlockReadable,
        final String detail)
    {
        super(reason + " in " + field + " at offset " + offset + " (template " + templateId + ")" +
            (detail == null ? "" : ": " + detail), null, false, false);
        this.reason = reason;
        this.templateId = templateId;
        this.field = field;
        this.offset = offset;
        this.rejectReason = rejectReason;
        this.rootBlockReadable = rootBlockReadable;
    }

    /** @return what was wrong. */
    public Reason reason()
    {
        return reason;
    }

    /** @return template id from the header, -1 if the header could not be read. */
    public int templateId()
    {
        return templateId;
    }

    /** @return name of the offending field or part. */
    public String field()
    {
        return field;
    }

    /** @return byte offset of the problem from the start of the message. */
    public int offset()
    {
        return offset;
    }

    /**
     * @return the reject a reply should carry: {@link RejectReason#OP_TOO_LARGE} for an op over its limits,
     * {@link RejectReason#OP_BADLY_FORMED} for inconsistent components, else {@link RejectReason#MESSAGE_BADLY_FORMED}.
     */
    public RejectReason rejectReason()
    {
        return rejectReason;
    }

    /**
     * @return true if the header and the whole root block are intact and of a known template, so its fixed fields
     * (the correlation ids) can be decoded to address a reject.
     */
    public boolean isRootBlockReadable()
    {
        return rootBlockReadable;
    }
}
