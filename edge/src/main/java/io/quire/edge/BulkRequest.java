package io.quire.edge;

import com.fasterxml.jackson.databind.node.ObjectNode;

import java.util.ArrayList;
import java.util.List;

/**
 * A ShareDB bulk fetch or subscribe ({@code bf}/{@code bs}), split into one engine request per document and answered
 * with exactly one reply: a {@code data} map of snapshots (or per-document errors) for the id-array form; the catch-up
 * ops (already sent) and then the echoed {@code b} for the {@code {id: version}} form. Documents whose part is done
 * are held (their broadcasts queued) until the reply is out, so a client never sees an op before the snapshot it
 * applies to. Guarded by its session's lock.
 */
final class BulkRequest
{
    final ObjectNode request;
    final String action;
    final String collection;
    final boolean versioned;
    final boolean subscribe;
    final ObjectNode data = ShareDbJson.object();
    final List<DocKey> held = new ArrayList<>();
    int remaining;
    String errorCode;
    String errorMessage;

    BulkRequest(final ObjectNode request, final String action, final String collection, final boolean versioned)
    {
        this.request = request;
        this.action = action;
        this.collection = collection;
        this.versioned = versioned;
        this.subscribe = "bs".equals(action);
    }

    /**
     * A document's part failed.
     *
     * @param id      document id.
     * @param code    ShareDB error code.
     * @param message detail.
     */
    void fail(final String id, final String code, final String message)
    {
        if (versioned)
        {
            if (errorCode == null)
            {
                errorCode = code;
                errorMessage = message;
            }
        }
        else
        {
            final ObjectNode error = data.putObject(id).putObject("error");
            error.put("code", code);
            error.put("message", message);
        }
        remaining--;
    }

    /** @return the reply text, once {@link #remaining} is 0. */
    String reply()
    {
        if (errorCode != null)
        {
            return ShareDbJson.errorReply(request, errorCode, errorMessage);
        }
        final ObjectNode reply = ShareDbJson.object();
        reply.put("a", action);
        reply.put("c", collection);
        if (versioned)
        {
            reply.set("b", request.get("b"));
        }
        else
        {
            reply.set("data", data);
        }
        return ShareDbJson.write(reply);
    }
}
