package io.quire.edge;

/**
 * The socket under a session: Undertow in the server, a recorder in tests. Calls may come from any thread; an
 * implementation keeps the order of {@link #sendText} calls.
 */
interface Transport
{
    /**
     * Queue a text frame.
     *
     * @param text   the frame.
     * @param onDone run once it is written or failed (for the outbound byte count).
     */
    void sendText(String text, Runnable onDone);

    /** Send a WebSocket ping. */
    void ping();

    /**
     * Close with a code and a reason, and drop the connection soon even if the close frame cannot be written.
     *
     * @param code   WebSocket close code.
     * @param reason reason.
     */
    void close(int code, String reason);
}
