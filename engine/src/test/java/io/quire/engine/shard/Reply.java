package io.quire.engine.shard;

import io.quire.codec.protocol.DocSnapshotDecoder;
import io.quire.codec.protocol.HistoryEntryDecoder;
import io.quire.codec.protocol.MessageHeaderDecoder;
import io.quire.codec.protocol.OpAckDecoder;
import io.quire.codec.protocol.OpBroadcastDecoder;
import io.quire.codec.protocol.OpRejectDecoder;
import io.quire.codec.protocol.PresenceBroadcastDecoder;
import io.quire.codec.protocol.PresenceRequestBroadcastDecoder;
import io.quire.codec.protocol.RequestDoneDecoder;
import io.quire.codec.protocol.RequestRejectDecoder;
import io.quire.engine.ot.TextOp;
import org.agrona.DirectBuffer;

/**
 * An engine→edge message decoded for assertions: a kind, the edge it went to and the fields tests look at.
 *
 * @param edge      destination edge.
 * @param type      ack, reject, op, snapshot, done, request-reject, presence, presence-request, acl, history.
 * @param session   target session (0: every subscriber).
 * @param version   version field.
 * @param seq       seq field (history: the timestamp).
 * @param source    source field.
 * @param text      op JSON, snapshot text, reject reason/message, presence index:length, history kind+ins-del@author.
 * @param origin    origin session (broadcasts).
 * @param docType   snapshot type ("" for type null).
 * @param originEdge origin edge (broadcasts).
 */
public record Reply(int edge, String type, long session, long version, long seq, String source, String text, long origin,
    String docType, int originEdge)
{
    public static Reply decode(final int edge, final DirectBuffer buffer, final int offset)
    {
        final MessageHeaderDecoder header = new MessageHeaderDecoder().wrap(buffer, offset);
        final int body = offset + MessageHeaderDecoder.ENCODED_LENGTH;
        final int bl = header.blockLength();
        final int v = header.version();
        switch (header.templateId())
        {
            case OpAckDecoder.TEMPLATE_ID:
            {
                final OpAckDecoder d = new OpAckDecoder().wrap(buffer, body, bl, v);
                final long session = d.sessionId();
                final long version = d.version();
                final long seq = d.seq();
                d.collection();
                d.docId();
                return new Reply(edge, "ack", session, version, seq, d.source(), "", 0, "", 0);
            }
            case OpRejectDecoder.TEMPLATE_ID:
            {
                final OpRejectDecoder d = new OpRejectDecoder().wrap(buffer, body, bl, v);
                final long session = d.sessionId();
                final long seq = d.seq();
                final long current = d.currentVersion();
                final String reason = d.reason().name();
                d.collection();
                d.docId();
                final String src = d.source();
                return new Reply(edge, "reject", session, current, seq, src, reason + ": " + d.message(), 0, "", 0);
            }
            case OpBroadcastDecoder.TEMPLATE_ID:
            {
                final OpBroadcastDecoder d = new OpBroadcastDecoder().wrap(buffer, body, bl, v);
                final long target = d.targetSessionId();
                final long origin = d.originSessionId();
                final int originEdge = (int)d.originEdgeId();
                final long version = d.version();
                final long seq = d.seq();
                final String kind = d.opKind().name();
                final TextOp op = new TextOp();
                for (final OpBroadcastDecoder.ComponentsDecoder c : d.components())
                {
                    final String t = c.text();
                    switch (c.kind())
                    {
                        case RETAIN:
                            op.addSkip((int)c.length());
                            break;
                        case INSERT:
                            op.addInsert(t);
                            break;
                        default:
                            if (t.isEmpty())
                            {
                                op.addDelete((int)c.length());
                            }
                            else
                            {
                                op.addDeleteText(t);
                            }
                    }
                }
                d.collection();
                d.docId();
                final String src = d.source();
                final String createType = d.createType();
                final String createData = d.createData();
                final String text = kind.equals("EDIT") ? op.toJson() : kind + (createType.isEmpty() ? "" : ":" + createData);
                return new Reply(edge, "op", target, version, seq, src, text, origin, createType, originEdge);
            }
            case DocSnapshotDecoder.TEMPLATE_ID:
            {
                final DocSnapshotDecoder d = new DocSnapshotDecoder().wrap(buffer, body, bl, v);
                final long session = d.sessionId();
                final long version = d.version();
                final boolean last = d.lastChunk() == io.quire.codec.protocol.BooleanType.TRUE;
                d.collection();
                d.docId();
                final String type = d.docType();
                return new Reply(edge, last ? "snapshot" : "snapshot-chunk", session, version, 0, "", d.text(), 0, type, 0);
            }
            case HistoryEntryDecoder.TEMPLATE_ID:
            {
                final HistoryEntryDecoder d = new HistoryEntryDecoder().wrap(buffer, body, bl, v);
                final String text = d.opKind().name() + "+" + d.inserted() + "-" + d.deleted() + "@" + d.principal();
                return new Reply(edge, "history", d.sessionId(), d.version(), d.timestampNs(), d.source(), text, 0, "", 0);
            }
            case RequestDoneDecoder.TEMPLATE_ID:
            {
                final RequestDoneDecoder d = new RequestDoneDecoder().wrap(buffer, body, bl, v);
                return new Reply(edge, "done", d.sessionId(), d.version(), 0, "", d.requestKind().name(), 0, "", 0);
            }
            case RequestRejectDecoder.TEMPLATE_ID:
            {
                final RequestRejectDecoder d = new RequestRejectDecoder().wrap(buffer, body, bl, v);
                final long session = d.sessionId();
                final String reason = d.reason().name();
                d.collection();
                d.docId();
                d.channel();
                return new Reply(edge, "request-reject", session, -1, 0, "", reason + ": " + d.message(), 0, "", 0);
            }
            case PresenceBroadcastDecoder.TEMPLATE_ID:
            {
                final PresenceBroadcastDecoder d = new PresenceBroadcastDecoder().wrap(buffer, body, bl, v);
                final long target = d.targetSessionId();
                final long origin = d.originSessionId();
                final long version = d.docVersion();
                final long pv = d.presenceVersion();
                final String shape = d.shape().name();
                final String text = shape.equals("INDEX_LENGTH") ? d.index() + ":" + d.length() : shape;
                d.channel();
                d.presenceId();
                return new Reply(edge, "presence", target, version, pv, d.source(), text, origin, "", 0);
            }
            case PresenceRequestBroadcastDecoder.TEMPLATE_ID:
            {
                final PresenceRequestBroadcastDecoder d = new PresenceRequestBroadcastDecoder().wrap(buffer, body, bl, v);
                return new Reply(edge, "presence-request", d.targetSessionId(), -1, 0, "", d.channel(),
                    d.originSessionId(), "", 0);
            }
            case io.quire.codec.protocol.AclStateDecoder.TEMPLATE_ID:
            {
                final io.quire.codec.protocol.AclStateDecoder d =
                    new io.quire.codec.protocol.AclStateDecoder().wrap(buffer, body, bl, v);
                final long session = d.sessionId();
                final long version = d.version();
                final StringBuilder acl = new StringBuilder();
                for (final io.quire.codec.protocol.AclStateDecoder.EntriesDecoder e : d.entries())
                {
                    final String role = e.role().name();
                    acl.append(acl.length() == 0 ? "" : ",").append(e.user()).append(':').append(role);
                }
                return new Reply(edge, "acl", session, version, 0, "", acl.toString(), 0, "", 0);
            }
            default:
                return new Reply(edge, "unknown-" + header.templateId(), 0, 0, 0, "", "", 0, "", 0);
        }
    }
}
