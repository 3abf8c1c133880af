package io.quire.codec;

/**
 * Text that is not strictly well-formed UTF-8 (on decode) or well-formed UTF-16 (on encode), or a destination too
 * small for the result. Thrown by {@link Utf8}; carries a typed {@link Reason} and the offending position. It has no
 * stack trace: it is a verdict on input, not a bug, and callers on hot paths turn it into a reject.
 */
public final class Utf8Exception extends RuntimeException
{
    private static final long serialVersionUID = 1L;

    /** What was wrong. */
    public enum Reason
    {
        /** A multi-byte sequence is cut off by the end of the range. */
        TRUNCATED,
        /** A byte that cannot start a sequence: a continuation byte (0x80-0xBF) or 0xF8-0xFF. */
        INVALID_LEAD_BYTE,
        /** A byte inside a sequence is not a continuation byte (10xxxxxx). */
        INVALID_CONTINUATION,
        /** An overlong form: a code point encoded with more bytes than needed (0xC0, 0xC1, 0xE0 0x80-0x9F, ...). */
        OVERLONG,
        /** A UTF-16 surrogate (U+D800-U+DFFF) encoded as a code point (CESU-8 / modified UTF-8). */
        ENCODED_SURROGATE,
        /** A code point above U+10FFFF. */
        OUT_OF_RANGE,
        /** Encoding: a high surrogate without a low one after it, or a low surrogate without a high one before. */
        UNPAIRED_SURROGATE,
        /** Decoding: the destination array has no room for the decoded text. */
        DESTINATION_TOO_SMALL
    }

    private final Reason reason;
    private final int index;

    /**
     * @param reason what was wrong.
     * @param index  byte offset (decode) or char index (encode) of the problem, relative to the start of the range.
     */
    public Utf8Exception(final Reason reason, final int index)
    {
        super(reason + " at " + index, null, false, false);
        this.reason = reason;
        this.index = index;
    }

    /** @return what was wrong. */
    public Reason reason()
    {
        return reason;
    }

    /** @return byte offset (decode) or char index (encode) of the problem, relative to the start of the range. */
    public int index()
    {
        return index;
    }
}
