package io.quire.edge;

import io.quire.codec.RejectReasons;
import io.quire.codec.protocol.RejectReason;

/**
 * A request the edge refuses: answered with the request echoed plus {@code error:{code,message}}, or, when
 * {@link #closeCode()} is set, by closing the connection (a frame that is not a JSON object cannot be echoed).
 */
final class ProtocolException extends Exception
{
    private static final long serialVersionUID = 1L;

    private final String code;
    private final int closeCode;

    private ProtocolException(final String code, final String message, final int closeCode)
    {
        super(message, null, false, false);
        this.code = code;
        this.closeCode = closeCode;
    }

    /**
     * @param reason  the reason; its ShareDB code is what the client sees.
     * @param message detail.
     * @return an error to echo.
     */
    static ProtocolException reject(final RejectReason reason, final String message)
    {
        return new ProtocolException(RejectReasons.shareDbCode(reason), message, 0);
    }

    /**
     * @param message detail.
     * @return ERR_MESSAGE_BADLY_FORMED.
     */
    static ProtocolException badlyFormed(final String message)
    {
        return reject(RejectReason.MESSAGE_BADLY_FORMED, message);
    }

    /**
     * @param closeCode WebSocket close code.
     * @param message   close reason (at most 123 bytes are sent).
     * @return an error that closes the connection.
     */
    static ProtocolException close(final int closeCode, final String message)
    {
        return new ProtocolException(null, message, closeCode);
    }

    /** @return the ShareDB error code, or null for a close. */
    String code()
    {
        return code;
    }

    /** @return the close code, 0 when the error is replied. */
    int closeCode()
    {
        return closeCode;
    }
}
