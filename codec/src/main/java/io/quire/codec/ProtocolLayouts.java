package io.quire.codec;

import io.quire.codec.MessageLayout.Limit;
import io.quire.codec.protocol.AclAction;
import io.quire.codec.protocol.AclRequestDecoder;
import io.quire.codec.protocol.AclRole;
import io.quire.codec.protocol.AclStateDecoder;
import io.quire.codec.protocol.BooleanType;
import io.quire.codec.protocol.ComponentKind;
import io.quire.codec.protocol.DocSnapshotDecoder;
import io.quire.codec.protocol.EdgeHeartbeatDecoder;
import io.quire.codec.protocol.EdgeHelloDecoder;
import io.quire.codec.protocol.EngineHeartbeatDecoder;
import io.quire.codec.protocol.FetchSnapshotAtDecoder;
import io.quire.codec.protocol.HistoryEntryDecoder;
import io.quire.codec.protocol.HistoryRequestDecoder;
import io.quire.codec.protocol.NodeRole;
import io.quire.codec.protocol.OpAckDecoder;
import io.quire.codec.protocol.OpBroadcastDecoder;
import io.quire.codec.protocol.OpKind;
import io.quire.codec.protocol.OpRejectDecoder;
import io.quire.codec.protocol.PresenceBroadcastDecoder;
import io.quire.codec.protocol.PresenceRequestBroadcastDecoder;
import io.quire.codec.protocol.PresenceRequestDecoder;
import io.quire.codec.protocol.PresenceShape;
import io.quire.codec.protocol.PresenceSubscribeDecoder;
import io.quire.codec.protocol.PresenceUnsubscribeDecoder;
import io.quire.codec.protocol.PresenceUpdateDecoder;
import io.quire.codec.protocol.RejectReason;
import io.quire.codec.protocol.RequestDoneDecoder;
import io.quire.codec.protocol.RequestKind;
import io.quire.codec.protocol.RequestRejectDecoder;
import io.quire.codec.protocol.SessionClosedDecoder;
import io.quire.codec.protocol.SnapshotAtMode;
import io.quire.codec.protocol.SubmitOpDecoder;
import io.quire.codec.protocol.SubscribeDecoder;
import io.quire.codec.protocol.SubscribeMode;
import io.quire.codec.protocol.UnsubscribeDecoder;

import static io.quire.codec.MessageLayout.mask;

/**
 * Validation layouts of every message of {@code quire-protocol.xml}, in schema order.
 */
final class ProtocolLayouts
{
    private static final long ACL_ACTIONS = mask(AclAction.values(), AclAction::value);
    private static final long ACL_ROLES = mask(AclRole.values(), AclRole::value);
    private static final long BOOLEANS = mask(BooleanType.values(), BooleanType::value);
    private static final long COMPONENT_KINDS = mask(ComponentKind.values(), ComponentKind::value);
    private static final long NODE_ROLES = mask(NodeRole.values(), NodeRole::value);
    private static final long OP_KINDS = mask(OpKind.values(), OpKind::value);
    private static final long PRESENCE_SHAPES = mask(PresenceShape.values(), PresenceShape::value);
    private static final long REJECT_REASONS = mask(RejectReason.values(), RejectReason::value);
    private static final long REQUEST_KINDS = mask(RequestKind.values(), RequestKind::value);
    private static final long SNAPSHOT_AT_MODES = mask(SnapshotAtMode.values(), SnapshotAtMode::value);
    private static final long SUBSCRIBE_MODES = mask(SubscribeMode.values(), SubscribeMode::value);

    /** Layouts indexed by template id. */
    static final MessageLayout[] LAYOUTS = new MessageLayout.Builder()
        .message(EdgeHelloDecoder.TEMPLATE_ID, "EdgeHello", EdgeHelloDecoder.BLOCK_LENGTH)
        .enumField("role", EdgeHelloDecoder.roleEncodingOffset(), NODE_ROLES)
        .var("responseChannel", EdgeHelloDecoder.responseChannelHeaderLength(), Limit.CHANNEL_URI)
        .message(EdgeHeartbeatDecoder.TEMPLATE_ID, "EdgeHeartbeat", EdgeHeartbeatDecoder.BLOCK_LENGTH)
        .enumField("role", EdgeHeartbeatDecoder.roleEncodingOffset(), NODE_ROLES)
        .var("responseChannel", EdgeHeartbeatDecoder.responseChannelHeaderLength(), Limit.CHANNEL_URI)
        .message(SubmitOpDecoder.TEMPLATE_ID, "SubmitOp", SubmitOpDecoder.BLOCK_LENGTH)
        .min("baseVersion", SubmitOpDecoder.baseVersionEncodingOffset(), -1)
        .enumField("opKind", SubmitOpDecoder.opKindEncodingOffset(), OP_KINDS)
        .components(
            "components",
            SubmitOpDecoder.ComponentsDecoder.sbeHeaderSize(),
            SubmitOpDecoder.ComponentsDecoder.sbeBlockLength(),
            SubmitOpDecoder.ComponentsDecoder.kindEncodingOffset(),
            SubmitOpDecoder.ComponentsDecoder.lengthEncodingOffset(),
            COMPONENT_KINDS,
            SubmitOpDecoder.ComponentsDecoder.textHeaderLength())
        .var("collection", SubmitOpDecoder.collectionHeaderLength(), Limit.ID)
        .var("docId", SubmitOpDecoder.docIdHeaderLength(), Limit.ID)
        .var("source", SubmitOpDecoder.sourceHeaderLength(), Limit.SOURCE)
        .var("principal", SubmitOpDecoder.principalHeaderLength(), Limit.PRINCIPAL)
        .var("createType", SubmitOpDecoder.createTypeHeaderLength(), Limit.TYPE)
        .var("createData", SubmitOpDecoder.createDataHeaderLength(), Limit.CREATE_DATA)
        .message(SubscribeDecoder.TEMPLATE_ID, "Subscribe", SubscribeDecoder.BLOCK_LENGTH)
        .min("fromVersion", SubscribeDecoder.fromVersionEncodingOffset(), -1)
        .enumField("mode", SubscribeDecoder.modeEncodingOffset(), SUBSCRIBE_MODES)
        .var("collection", SubscribeDecoder.collectionHeaderLength(), Limit.ID)
        .var("docId", SubscribeDecoder.docIdHeaderLength(), Limit.ID)
        .var("principal", SubscribeDecoder.principalHeaderLength(), Limit.PRINCIPAL)
        .message(UnsubscribeDecoder.TEMPLATE_ID, "Unsubscribe", UnsubscribeDecoder.BLOCK_LENGTH)
        .var("collection", UnsubscribeDecoder.collectionHeaderLength(), Limit.ID)
        .var("docId", UnsubscribeDecoder.docIdHeaderLength(), Limit.ID)
        .message(FetchSnapshotAtDecoder.TEMPLATE_ID, "FetchSnapshotAt", FetchSnapshotAtDecoder.BLOCK_LENGTH)
        .min("atVersion", FetchSnapshotAtDecoder.atVersionEncodingOffset(), -1)
        .min("atTimestampNs", FetchSnapshotAtDecoder.atTimestampNsEncodingOffset(), -1)
        .enumField("mode", FetchSnapshotAtDecoder.modeEncodingOffset(), SNAPSHOT_AT_MODES)
        .var("collection", FetchSnapshotAtDecoder.collectionHeaderLength(), Limit.ID)
        .var("docId", FetchSnapshotAtDecoder.docIdHeaderLength(), Limit.ID)
        .var("principal", FetchSnapshotAtDecoder.principalHeaderLength(), Limit.PRINCIPAL)
        .message(PresenceUpdateDecoder.TEMPLATE_ID, "PresenceUpdate", PresenceUpdateDecoder.BLOCK_LENGTH)
        .min("docVersion", PresenceUpdateDecoder.docVersionEncodingOffset(), -1)
        .enumField("shape", PresenceUpdateDecoder.shapeEncodingOffset(), PRESENCE_SHAPES)
        .var("channel", PresenceUpdateDecoder.channelHeaderLength(), Limit.CHANNEL)
        .var("presenceId", PresenceUpdateDecoder.presenceIdHeaderLength(), Limit.ID)
        .var("source", PresenceUpdateDecoder.sourceHeaderLength(), Limit.SOURCE)
        .var("collection", PresenceUpdateDecoder.collectionHeaderLength(), Limit.ID)
        .var("docId", PresenceUpdateDecoder.docIdHeaderLength(), Limit.ID)
        .var("principal", PresenceUpdateDecoder.principalHeaderLength(), Limit.PRINCIPAL)
        .var("value", PresenceUpdateDecoder.valueHeaderLength(), Limit.PRESENCE_VALUE)
        .message(PresenceSubscribeDecoder.TEMPLATE_ID, "PresenceSubscribe", PresenceSubscribeDecoder.BLOCK_LENGTH)
        .var("channel", PresenceSubscribeDecoder.channelHeaderLength(), Limit.CHANNEL)
        .var("principal", PresenceSubscribeDecoder.principalHeaderLength(), Limit.PRINCIPAL)
        .message(PresenceUnsubscribeDecoder.TEMPLATE_ID, "PresenceUnsubscribe", PresenceUnsubscribeDecoder.BLOCK_LENGTH)
        .var("channel", PresenceUnsubscribeDecoder.channelHeaderLength(), Limit.CHANNEL)
        .message(PresenceRequestDecoder.TEMPLATE_ID, "PresenceRequest", PresenceRequestDecoder.BLOCK_LENGTH)
        .var("channel", PresenceRequestDecoder.channelHeaderLength(), Limit.CHANNEL)
        .message(SessionClosedDecoder.TEMPLATE_ID, "SessionClosed", SessionClosedDecoder.BLOCK_LENGTH)
        .message(AclRequestDecoder.TEMPLATE_ID, "AclRequest", AclRequestDecoder.BLOCK_LENGTH)
        .enumField("action", AclRequestDecoder.actionEncodingOffset(), ACL_ACTIONS)
        .enumField("role", AclRequestDecoder.roleEncodingOffset(), ACL_ROLES)
        .var("collection", AclRequestDecoder.collectionHeaderLength(), Limit.ID)
        .var("docId", AclRequestDecoder.docIdHeaderLength(), Limit.ID)
        .var("user", AclRequestDecoder.userHeaderLength(), Limit.PRINCIPAL)
        .var("principal", AclRequestDecoder.principalHeaderLength(), Limit.PRINCIPAL)
        .message(HistoryRequestDecoder.TEMPLATE_ID, "HistoryRequest", HistoryRequestDecoder.BLOCK_LENGTH)
        .min("fromVersion", HistoryRequestDecoder.fromVersionEncodingOffset(), -1)
        .var("collection", HistoryRequestDecoder.collectionHeaderLength(), Limit.ID)
        .var("docId", HistoryRequestDecoder.docIdHeaderLength(), Limit.ID)
        .var("principal", HistoryRequestDecoder.principalHeaderLength(), Limit.PRINCIPAL)
        // Version 3 appended the latency stamps: a version-2 block (which ends where they start) is still whole.
        .message(OpAckDecoder.TEMPLATE_ID, "OpAck", OpAckDecoder.engineReceivedNsEncodingOffset())
        .min("version", OpAckDecoder.versionEncodingOffset(), 0)
        .var("collection", OpAckDecoder.collectionHeaderLength(), Limit.ID)
        .var("docId", OpAckDecoder.docIdHeaderLength(), Limit.ID)
        .var("source", OpAckDecoder.sourceHeaderLength(), Limit.SOURCE)
        .message(OpRejectDecoder.TEMPLATE_ID, "OpReject", OpRejectDecoder.BLOCK_LENGTH)
        .min("baseVersion", OpRejectDecoder.baseVersionEncodingOffset(), -1)
        .min("currentVersion", OpRejectDecoder.currentVersionEncodingOffset(), -1)
        .enumField("opKind", OpRejectDecoder.opKindEncodingOffset(), OP_KINDS)
        .enumField("reason", OpRejectDecoder.reasonEncodingOffset(), REJECT_REASONS)
        .var("collection", OpRejectDecoder.collectionHeaderLength(), Limit.ID)
        .var("docId", OpRejectDecoder.docIdHeaderLength(), Limit.ID)
        .var("source", OpRejectDecoder.sourceHeaderLength(), Limit.SOURCE)
        .var("message", OpRejectDecoder.messageHeaderLength(), Limit.REASON_MESSAGE)
        .message(OpBroadcastDecoder.TEMPLATE_ID, "OpBroadcast", OpBroadcastDecoder.engineReceivedNsEncodingOffset())
        .min("version", OpBroadcastDecoder.versionEncodingOffset(), 0)
        .enumField("opKind", OpBroadcastDecoder.opKindEncodingOffset(), OP_KINDS)
        .components(
            "components",
            OpBroadcastDecoder.ComponentsDecoder.sbeHeaderSize(),
            OpBroadcastDecoder.ComponentsDecoder.sbeBlockLength(),
            OpBroadcastDecoder.ComponentsDecoder.kindEncodingOffset(),
            OpBroadcastDecoder.ComponentsDecoder.lengthEncodingOffset(),
            COMPONENT_KINDS,
            OpBroadcastDecoder.ComponentsDecoder.textHeaderLength())
        .var("collection", OpBroadcastDecoder.collectionHeaderLength(), Limit.ID)
        .var("docId", OpBroadcastDecoder.docIdHeaderLength(), Limit.ID)
        .var("source", OpBroadcastDecoder.sourceHeaderLength(), Limit.SOURCE)
        .var("createType", OpBroadcastDecoder.createTypeHeaderLength(), Limit.TYPE)
        .var("createData", OpBroadcastDecoder.createDataHeaderLength(), Limit.CREATE_DATA)
        .message(DocSnapshotDecoder.TEMPLATE_ID, "DocSnapshot", DocSnapshotDecoder.BLOCK_LENGTH)
        .min("version", DocSnapshotDecoder.versionEncodingOffset(), 0)
        .min("totalLength", DocSnapshotDecoder.totalLengthEncodingOffset(), 0)
        .min("chunkOffset", DocSnapshotDecoder.chunkOffsetEncodingOffset(), 0)
        .enumField("requestKind", DocSnapshotDecoder.requestKindEncodingOffset(), REQUEST_KINDS)
        .enumField("lastChunk", DocSnapshotDecoder.lastChunkEncodingOffset(), BOOLEANS)
        .var("collection", DocSnapshotDecoder.collectionHeaderLength(), Limit.ID)
        .var("docId", DocSnapshotDecoder.docIdHeaderLength(), Limit.ID)
        .var("docType", DocSnapshotDecoder.docTypeHeaderLength(), Limit.TYPE)
        .var("text", DocSnapshotDecoder.textHeaderLength(), Limit.SNAPSHOT_CHUNK)
        .message(RequestDoneDecoder.TEMPLATE_ID, "RequestDone", RequestDoneDecoder.BLOCK_LENGTH)
        .min("version", RequestDoneDecoder.versionEncodingOffset(), -1)
        .enumField("requestKind", RequestDoneDecoder.requestKindEncodingOffset(), REQUEST_KINDS)
        .var("collection", RequestDoneDecoder.collectionHeaderLength(), Limit.ID)
        .var("docId", RequestDoneDecoder.docIdHeaderLength(), Limit.ID)
        .var("channel", RequestDoneDecoder.channelHeaderLength(), Limit.CHANNEL)
        .message(RequestRejectDecoder.TEMPLATE_ID, "RequestReject", RequestRejectDecoder.BLOCK_LENGTH)
        .enumField("requestKind", RequestRejectDecoder.requestKindEncodingOffset(), REQUEST_KINDS)
        .enumField("reason", RequestRejectDecoder.reasonEncodingOffset(), REJECT_REASONS)
        .var("collection", RequestRejectDecoder.collectionHeaderLength(), Limit.ID)
        .var("docId", RequestRejectDecoder.docIdHeaderLength(), Limit.ID)
        .var("channel", RequestRejectDecoder.channelHeaderLength(), Limit.CHANNEL)
        .var("message", RequestRejectDecoder.messageHeaderLength(), Limit.REASON_MESSAGE)
        .message(PresenceBroadcastDecoder.TEMPLATE_ID, "PresenceBroadcast", PresenceBroadcastDecoder.BLOCK_LENGTH)
        .min("docVersion", PresenceBroadcastDecoder.docVersionEncodingOffset(), -1)
        .enumField("shape", PresenceBroadcastDecoder.shapeEncodingOffset(), PRESENCE_SHAPES)
        .var("channel", PresenceBroadcastDecoder.channelHeaderLength(), Limit.CHANNEL)
        .var("presenceId", PresenceBroadcastDecoder.presenceIdHeaderLength(), Limit.ID)
        .var("source", PresenceBroadcastDecoder.sourceHeaderLength(), Limit.SOURCE)
        .var("collection", PresenceBroadcastDecoder.collectionHeaderLength(), Limit.ID)
        .var("docId", PresenceBroadcastDecoder.docIdHeaderLength(), Limit.ID)
        .var("value", PresenceBroadcastDecoder.valueHeaderLength(), Limit.PRESENCE_VALUE)
        .message(
            PresenceRequestBroadcastDecoder.TEMPLATE_ID,
            "PresenceRequestBroadcast",
            PresenceRequestBroadcastDecoder.BLOCK_LENGTH)
        .var("channel", PresenceRequestBroadcastDecoder.channelHeaderLength(), Limit.CHANNEL)
        .message(EngineHeartbeatDecoder.TEMPLATE_ID, "EngineHeartbeat",
            EngineHeartbeatDecoder.ingressSessionIdEncodingOffset()) // version 1's block, before ingressSessionId
        .enumField("role", EngineHeartbeatDecoder.roleEncodingOffset(), NODE_ROLES)
        .message(AclStateDecoder.TEMPLATE_ID, "AclState", AclStateDecoder.BLOCK_LENGTH)
        .min("version", AclStateDecoder.versionEncodingOffset(), 0)
        .enumField("requestKind", AclStateDecoder.requestKindEncodingOffset(), REQUEST_KINDS)
        .aclGroup(
            "entries",
            AclStateDecoder.EntriesDecoder.sbeHeaderSize(),
            AclStateDecoder.EntriesDecoder.sbeBlockLength(),
            0,
            AclStateDecoder.EntriesDecoder.roleEncodingOffset(),
            ACL_ROLES,
            AclStateDecoder.EntriesDecoder.userHeaderLength())
        .var("collection", AclStateDecoder.collectionHeaderLength(), Limit.ID)
        .var("docId", AclStateDecoder.docIdHeaderLength(), Limit.ID)
        .message(HistoryEntryDecoder.TEMPLATE_ID, "HistoryEntry", HistoryEntryDecoder.BLOCK_LENGTH)
        .min("version", HistoryEntryDecoder.versionEncodingOffset(), 0)
        .enumField("opKind", HistoryEntryDecoder.opKindEncodingOffset(), OP_KINDS)
        .var("principal", HistoryEntryDecoder.principalHeaderLength(), Limit.PRINCIPAL)
        .var("source", HistoryEntryDecoder.sourceHeaderLength(), Limit.SOURCE)
        .build();

    private ProtocolLayouts()
    {
    }
}
