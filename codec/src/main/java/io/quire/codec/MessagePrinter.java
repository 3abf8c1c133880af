package io.quire.codec;

import org.agrona.DirectBuffer;
import org.agrona.concurrent.UnsafeBuffer;
import org.agrona.sbe.MessageDecoderFlyweight;

/**
 * Cold-path text rendering of one message per line, for tools, logs and test failures: validates the message, then
 * prints it with the generated decoder's {@code appendTo} ({@code [SubmitOp](...):sessionId=...|components=[...]}), or
 * says why it is malformed and shows its first bytes in hex. Not thread-safe (it reuses its decoders); allocates.
 */
public final class MessagePrinter
{
    private static final int HEX_BYTES = 64;
    private static final int HEADER_LENGTH = io.quire.codec.protocol.MessageHeaderDecoder.ENCODED_LENGTH;

    private final MessageValidator validator;
    private final MessageDecoderFlyweight[] decoders;
    private final UnsafeBuffer view = new UnsafeBuffer(0, 0);

    private MessagePrinter(final MessageValidator validator, final MessageLayout[] layouts, final String packageName)
    {
        this.validator = validator;
        decoders = new MessageDecoderFlyweight[layouts.length];
        for (final MessageLayout layout : layouts)
        {
            if (layout != null)
            {
                decoders[layout.templateId] = newDecoder(packageName + "." + layout.name + "Decoder");
            }
        }
    }

    /** @return a printer of protocol messages (default limits). */
    public static MessagePrinter protocol()
    {
        return new MessagePrinter(
            MessageValidator.protocol(CodecLimits.DEFAULT), ProtocolLayouts.LAYOUTS, "io.quire.codec.protocol");
    }

    /** @return a printer of journal records and snapshot headers (default limits). */
    public static MessagePrinter journal()
    {
        return new MessagePrinter(
            MessageValidator.journal(CodecLimits.DEFAULT), JournalLayouts.LAYOUTS, "io.quire.codec.journal");
    }

    /**
     * @param buffer buffer holding the message.
     * @param offset first byte of its header.
     * @param length its length.
     * @return the message as one line of text.
     */
    public String print(final DirectBuffer buffer, final int offset, final int length)
    {
        return appendTo(new StringBuilder(), buffer, offset, length).toString();
    }

    /**
     * @param out    where to append.
     * @param buffer buffer holding the message.
     * @param offset first byte of its header.
     * @param length its length.
     * @return {@code out}.
     */
    public StringBuilder appendTo(
        final StringBuilder out, final DirectBuffer buffer, final int offset, final int length)
    {
        final int templateId;
        try
        {
            templateId = validator.validate(buffer, offset, length);
        }
        catch (final MalformedMessageException ex)
        {
            out.append("MALFORMED ").append(ex.getMessage()).append(" bytes=");
            for (int i = 0, n = Math.min(length, HEX_BYTES); i < n; i++)
            {
                final int b = buffer.getByte(offset + i) & 0xFF;
                out.append(Character.forDigit(b >>> 4, 16)).append(Character.forDigit(b & 0xF, 16));
            }
            return out.append(length > HEX_BYTES ? "..." : "");
        }
        view.wrap(buffer, offset, length);
        final int blockLength = view.getShort(0, java.nio.ByteOrder.LITTLE_ENDIAN) & 0xFFFF;
        final int version = view.getShort(6, java.nio.ByteOrder.LITTLE_ENDIAN) & 0xFFFF;
        final MessageDecoderFlyweight decoder = decoders[templateId];
        decoder.wrap(view, HEADER_LENGTH, blockLength, version);
        return decoder.appendTo(out);
    }

    private static MessageDecoderFlyweight newDecoder(final String className)
    {
        try
        {
            return (MessageDecoderFlyweight)Class.forName(className).getDeclaredConstructor().newInstance();
        }
        catch (final ReflectiveOperationException ex)
        {
            throw new IllegalStateException("no generated decoder " + className, ex);
        }
    }
}
