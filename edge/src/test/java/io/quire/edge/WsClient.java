package io.quire.edge;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.WebSocket;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/** A raw WebSocket test client (JDK): sends frames as given, records every text frame and the close. */
final class WsClient implements AutoCloseable
{
    static final ObjectMapper JSON = new ObjectMapper();
    private static final HttpClient HTTP = HttpClient.newHttpClient();

    final BlockingQueue<String> messages = new LinkedBlockingQueue<>();
    final CompletableFuture<int[]> closed = new CompletableFuture<>();
    volatile String closeReason;
    private final WebSocket ws;

    WsClient(final int port) throws Exception
    {
        this(port, "", null);
    }

    /**
     * @param port   edge port.
     * @param query  query string to append ("" or "?token=...").
     * @param bearer token for an Authorization header, or null.
     */
    WsClient(final int port, final String query, final String bearer) throws Exception
    {
        final WebSocket.Builder builder = HTTP.newWebSocketBuilder().connectTimeout(Duration.ofSeconds(5));
        if (bearer != null)
        {
            builder.header("Authorization", "Bearer " + bearer);
        }
        ws = builder.buildAsync(URI.create("ws://127.0.0.1:" + port + "/ws" + query), new WebSocket.Listener()
            {
                private final StringBuilder partial = new StringBuilder();

                public CompletionStage<?> onText(final WebSocket socket, final CharSequence data, final boolean last)
                {
                    partial.append(data);
                    if (last)
                    {
                        messages.add(partial.toString());
                        partial.setLength(0);
                    }
                    socket.request(1);
                    return null;
                }

                public CompletionStage<?> onClose(final WebSocket socket, final int code, final String reason)
                {
                    closeReason = reason;
                    closed.complete(new int[] {code});
                    return null;
                }

                public void onError(final WebSocket socket, final Throwable error)
                {
                    closed.complete(new int[] {-1});
                }
            }).get(5, TimeUnit.SECONDS);
    }

    WsClient send(final String text) throws Exception
    {
        ws.sendText(text, true).get(5, TimeUnit.SECONDS);
        return this;
    }

    void sendBinary(final byte[] bytes) throws Exception
    {
        ws.sendBinary(ByteBuffer.wrap(bytes), true).get(5, TimeUnit.SECONDS);
    }

    /** @return the next message, failing after 5 s. */
    JsonNode next() throws Exception
    {
        final String text = messages.poll(5, TimeUnit.SECONDS);
        if (text == null)
        {
            throw new AssertionError("no message within 5 s");
        }
        return JSON.readTree(text);
    }

    /** @return the next message's text, or null if none arrives within the time. */
    String poll(final long ms) throws InterruptedException
    {
        return messages.poll(ms, TimeUnit.MILLISECONDS);
    }

    /** @return the close code, waiting at most 5 s. */
    int closeCode() throws Exception
    {
        return closed.get(5, TimeUnit.SECONDS)[0];
    }

    JsonNode handshake() throws Exception
    {
        send("{\"a\":\"hs\",\"id\":null,\"protocol\":1,\"protocolMinor\":2}");
        return next();
    }

    /** {@inheritDoc} */
    public void close()
    {
        ws.abort();
    }
}
