package io.quire.edge;

import io.undertow.websockets.core.WebSocketCallback;
import io.undertow.websockets.core.WebSocketChannel;
import io.undertow.websockets.core.WebSockets;
import org.xnio.IoUtils;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.TimeUnit;

/**
 * A session's socket: Undertow's non-blocking sends, callable from any thread (Undertow queues frames in call order).
 */
final class UndertowTransport implements Transport
{
    private static final long FORCE_CLOSE_MS = 2000;
    private static final int MAX_REASON_BYTES = 123;

    private final WebSocketChannel channel;

    UndertowTransport(final WebSocketChannel channel)
    {
        this.channel = channel;
    }

    /** {@inheritDoc} */
    public void sendText(final String text, final Runnable onDone)
    {
        WebSockets.sendText(text, channel, new WebSocketCallback<Void>()
        {
            public void complete(final WebSocketChannel ch, final Void context)
            {
                onDone.run();
            }

            public void onError(final WebSocketChannel ch, final Void context, final Throwable throwable)
            {
                onDone.run();
                IoUtils.safeClose(ch);
            }
        });
    }

    /** {@inheritDoc} */
    public void ping()
    {
        WebSockets.sendPing(ByteBuffer.allocate(0), channel, null);
    }

    /** {@inheritDoc} */
    public void close(final int code, final String reason)
    {
        String text = reason == null ? "" : reason;
        while (text.getBytes(StandardCharsets.UTF_8).length > MAX_REASON_BYTES)
        {
            text = text.substring(0, text.length() - 1);
        }
        WebSockets.sendClose(code, text, channel, new WebSocketCallback<Void>()
        {
            public void complete(final WebSocketChannel ch, final Void context)
            {
                // The client answers with its close frame; the force-close below covers one that never does.
            }

            public void onError(final WebSocketChannel ch, final Void context, final Throwable throwable)
            {
                IoUtils.safeClose(ch);
            }
        });
        channel.getIoThread().executeAfter(() -> IoUtils.safeClose(channel), FORCE_CLOSE_MS, TimeUnit.MILLISECONDS);
    }
}
