package io.quire.engine.shard;

import io.quire.codec.ShardRouter;
import io.quire.codec.Utf8;
import io.quire.codec.protocol.ComponentKind;
import io.quire.codec.protocol.FetchSnapshotAtEncoder;
import io.quire.codec.protocol.HistoryRequestEncoder;
import io.quire.codec.protocol.MessageHeaderEncoder;
import io.quire.codec.protocol.OpKind;
import io.quire.codec.protocol.PresenceRequestEncoder;
import io.quire.codec.protocol.PresenceShape;
import io.quire.codec.protocol.PresenceSubscribeEncoder;
import io.quire.codec.protocol.PresenceUpdateEncoder;
import io.quire.codec.protocol.SnapshotAtMode;
import io.quire.codec.protocol.SubmitOpEncoder;
import io.quire.codec.protocol.SubscribeEncoder;
import io.quire.codec.protocol.SubscribeMode;
import io.quire.codec.protocol.UnsubscribeEncoder;
import io.quire.engine.ot.TextOp;
import org.agrona.ExpandableArrayBuffer;
import org.agrona.concurrent.UnsafeBuffer;

/**
 * Encodes edge→engine requests for tests (what an edge sends).
 */
public final class Requests
{
    public final ExpandableArrayBuffer buffer = new ExpandableArrayBuffer(1024);
    public int length;
    public int templateId;
    /** Principal put into the next requests ("" = anonymous). */
    public String principal = "";
    private final MessageHeaderEncoder header = new MessageHeaderEncoder();
    private final ExpandableArrayBuffer text = new ExpandableArrayBuffer(256);

    public Requests submit(
        final int edge, final long session, final long request, final String c, final String d, final long base,
        final String src, final long seq, final OpKind kind, final TextOp op, final String createType, final String createData)
    {
        final SubmitOpEncoder e = new SubmitOpEncoder();
        e.wrapAndApplyHeader(buffer, 0, header)
            .sessionId(session).requestId(request).docHash(ShardRouter.docHash(c, d)).baseVersion(base).seq(seq)
            .edgeId(edge).opKind(kind);
        final SubmitOpEncoder.ComponentsEncoder components = e.componentsCount(op == null ? 0 : op.size());
        if (op != null)
        {
            for (int i = 0; i < op.size(); i++)
            {
                final ComponentKind k = op.kind(i) == TextOp.SKIP ? ComponentKind.RETAIN :
                    op.kind(i) == TextOp.INSERT ? ComponentKind.INSERT : ComponentKind.DELETE;
                components.next().kind(k).length(op.length(i));
                if (op.hasText(i))
                {
                    final int n = Utf8.encode(op.textBuffer(), op.textStart(i), op.textLength(i), text, 0);
                    components.putText(text, 0, n);
                }
                else
                {
                    components.putText(new UnsafeBuffer(new byte[0]), 0, 0);
                }
            }
        }
        e.collection(c).docId(d).source(src).principal(principal).createType(createType == null ? "" : createType)
            .createData(createData == null ? "" : createData);
        length = MessageHeaderEncoder.ENCODED_LENGTH + e.encodedLength();
        templateId = SubmitOpEncoder.TEMPLATE_ID;
        return this;
    }

    /** An edit whose single insert carries raw bytes as its UTF-8 text (to send what a broken edge might). */
    public Requests rawInsert(final int edge, final long session, final long request, final String c, final String d,
        final long base, final String src, final long seq, final byte[] utf8, final int codePoints)
    {
        final SubmitOpEncoder e = new SubmitOpEncoder();
        e.wrapAndApplyHeader(buffer, 0, header)
            .sessionId(session).requestId(request).docHash(ShardRouter.docHash(c, d)).baseVersion(base).seq(seq)
            .edgeId(edge).opKind(OpKind.EDIT);
        e.componentsCount(1).next().kind(ComponentKind.INSERT).length(codePoints).putText(utf8, 0, utf8.length);
        e.collection(c).docId(d).source(src).principal("").createType("").createData("");
        length = MessageHeaderEncoder.ENCODED_LENGTH + e.encodedLength();
        templateId = SubmitOpEncoder.TEMPLATE_ID;
        return this;
    }

    public Requests edit(final int edge, final long session, final long request, final String c, final String d,
        final long base, final String src, final long seq, final String opJson)
    {
        return submit(edge, session, request, c, d, base, src, seq, OpKind.EDIT, TextOp.parseJson(opJson), null, null);
    }

    public Requests create(final int edge, final long session, final long request, final String c, final String d,
        final long base, final String src, final long seq, final String type, final String data)
    {
        return submit(edge, session, request, c, d, base, src, seq, OpKind.CREATE, null, type, data);
    }

    public Requests delete(final int edge, final long session, final long request, final String c, final String d,
        final long base, final String src, final long seq)
    {
        return submit(edge, session, request, c, d, base, src, seq, OpKind.DELETE, null, null, null);
    }

    public Requests subscribe(final int edge, final long session, final long request, final String c, final String d,
        final long from, final boolean live)
    {
        final SubscribeEncoder e = new SubscribeEncoder();
        e.wrapAndApplyHeader(buffer, 0, header).sessionId(session).requestId(request)
            .docHash(ShardRouter.docHash(c, d)).fromVersion(from).edgeId(edge)
            .mode(live ? SubscribeMode.SUBSCRIBE : SubscribeMode.FETCH)
            .collection(c).docId(d).principal(principal);
        length = MessageHeaderEncoder.ENCODED_LENGTH + e.encodedLength();
        templateId = SubscribeEncoder.TEMPLATE_ID;
        return this;
    }

    public Requests unsubscribe(final int edge, final long session, final long request, final String c, final String d)
    {
        final UnsubscribeEncoder e = new UnsubscribeEncoder();
        e.wrapAndApplyHeader(buffer, 0, header).sessionId(session).requestId(request)
            .docHash(ShardRouter.docHash(c, d)).edgeId(edge).collection(c).docId(d);
        length = MessageHeaderEncoder.ENCODED_LENGTH + e.encodedLength();
        templateId = UnsubscribeEncoder.TEMPLATE_ID;
        return this;
    }

    public Requests fetchAt(final int edge, final long session, final long request, final String c, final String d,
        final long version, final long timeNs)
    {
        final FetchSnapshotAtEncoder e = new FetchSnapshotAtEncoder();
        e.wrapAndApplyHeader(buffer, 0, header).sessionId(session).requestId(request)
            .docHash(ShardRouter.docHash(c, d)).atVersion(version).atTimestampNs(timeNs).edgeId(edge)
            .mode(timeNs >= 0 ? SnapshotAtMode.TIMESTAMP : SnapshotAtMode.VERSION)
            .collection(c).docId(d).principal(principal);
        length = MessageHeaderEncoder.ENCODED_LENGTH + e.encodedLength();
        templateId = FetchSnapshotAtEncoder.TEMPLATE_ID;
        return this;
    }

    public Requests history(final int edge, final long session, final long request, final String c, final String d,
        final long from, final long maxEntries)
    {
        final HistoryRequestEncoder e = new HistoryRequestEncoder();
        e.wrapAndApplyHeader(buffer, 0, header).sessionId(session).requestId(request)
            .docHash(ShardRouter.docHash(c, d)).fromVersion(from).maxEntries(maxEntries).edgeId(edge)
            .collection(c).docId(d).principal(principal);
        length = MessageHeaderEncoder.ENCODED_LENGTH + e.encodedLength();
        templateId = HistoryRequestEncoder.TEMPLATE_ID;
        return this;
    }

    public Requests presence(final int edge, final long session, final long request, final String c, final String d,
        final String src, final String presenceId, final long docVersion, final long pv, final int index, final int len,
        final boolean isNull)
    {
        final String channel = c + "." + d;
        final PresenceUpdateEncoder e = new PresenceUpdateEncoder();
        e.wrapAndApplyHeader(buffer, 0, header).sessionId(session).requestId(request)
            .channelHash(ShardRouter.channelHash(channel)).docVersion(docVersion).presenceVersion(pv).edgeId(edge)
            .index(index).length(len).shape(isNull ? PresenceShape.NULL : PresenceShape.INDEX_LENGTH)
            .channel(channel).presenceId(presenceId).source(src).collection(c).docId(d).principal(principal)
            .value(isNull ? "null" : "{\"index\":" + index + ",\"length\":" + len + "}");
        length = MessageHeaderEncoder.ENCODED_LENGTH + e.encodedLength();
        templateId = PresenceUpdateEncoder.TEMPLATE_ID;
        return this;
    }

    public Requests presenceSubscribe(final int edge, final long session, final long request, final String channel)
    {
        final PresenceSubscribeEncoder e = new PresenceSubscribeEncoder();
        e.wrapAndApplyHeader(buffer, 0, header).sessionId(session).requestId(request)
            .channelHash(ShardRouter.channelHash(channel)).edgeId(edge).channel(channel).principal(principal);
        length = MessageHeaderEncoder.ENCODED_LENGTH + e.encodedLength();
        templateId = PresenceSubscribeEncoder.TEMPLATE_ID;
        return this;
    }

    public Requests presenceRequest(final int edge, final long session, final long request, final String channel)
    {
        final PresenceRequestEncoder e = new PresenceRequestEncoder();
        e.wrapAndApplyHeader(buffer, 0, header).sessionId(session).requestId(request)
            .channelHash(ShardRouter.channelHash(channel)).edgeId(edge).channel(channel);
        length = MessageHeaderEncoder.ENCODED_LENGTH + e.encodedLength();
        templateId = PresenceRequestEncoder.TEMPLATE_ID;
        return this;
    }

    /** An ACL request: GET when role is null, else a GRANT of role to user; the caller is {@link #principal}. */
    public Requests acl(final int edge, final long session, final long request, final String c, final String d,
        final io.quire.codec.protocol.AclRole role, final String user)
    {
        final io.quire.codec.protocol.AclRequestEncoder e = new io.quire.codec.protocol.AclRequestEncoder();
        e.wrapAndApplyHeader(buffer, 0, header).sessionId(session).requestId(request)
            .docHash(ShardRouter.docHash(c, d)).edgeId(edge)
            .action(role == null ? io.quire.codec.protocol.AclAction.GET : io.quire.codec.protocol.AclAction.GRANT)
            .role(role == null ? io.quire.codec.protocol.AclRole.NONE : role)
            .collection(c).docId(d).user(user == null ? "" : user).principal(principal);
        length = MessageHeaderEncoder.ENCODED_LENGTH + e.encodedLength();
        templateId = io.quire.codec.protocol.AclRequestEncoder.TEMPLATE_ID;
        return this;
    }
}
