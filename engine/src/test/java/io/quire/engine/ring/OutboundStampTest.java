package io.quire.engine.ring;

import io.quire.codec.protocol.MessageHeaderDecoder;
import io.quire.codec.protocol.MessageHeaderEncoder;
import io.quire.codec.protocol.OpAckDecoder;
import io.quire.codec.protocol.OpAckEncoder;
import io.quire.codec.protocol.OpBroadcastDecoder;
import io.quire.codec.protocol.OpBroadcastEncoder;
import io.quire.codec.protocol.OpKind;
import io.quire.codec.protocol.RejectReason;
import io.quire.codec.protocol.OpRejectEncoder;
import org.agrona.DirectBuffer;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

class OutboundStampTest
{
    private static final byte[] C = {'c'};
    private final MessageHeaderEncoder header = new MessageHeaderEncoder();

    @Test
    void stampsAcksAndBroadcastsAndLeavesOtherMessagesAlone()
    {
        final CommandEvent event = new CommandEvent();
        final Outbound out = new Outbound();
        out.wrap(event);

        int offset = out.begin(2);
        out.destination(0, 7);
        out.destination(1, 8);
        final OpBroadcastEncoder broadcast = new OpBroadcastEncoder().wrapAndApplyHeader(out.buffer(), offset, header)
            .targetSessionId(0).originSessionId(3).originRequestId(4).docHash(5).version(6).seq(7)
            .targetEdgeId(0).originEdgeId(7).opKind(OpKind.EDIT);
        broadcast.componentsCount(0);
        broadcast.putCollection(C, 0, 1).putDocId(C, 0, 1).putSource(C, 0, 1).putCreateType(C, 0, 0)
            .putCreateData(C, 0, 0);
        out.end(MessageHeaderEncoder.ENCODED_LENGTH + broadcast.encodedLength());

        offset = out.begin(1);
        out.destination(0, 7);
        final OpRejectEncoder reject = new OpRejectEncoder().wrapAndApplyHeader(out.buffer(), offset, header)
            .sessionId(1).requestId(2).docHash(3).baseVersion(4).currentVersion(5).seq(6).edgeId(7)
            .opKind(OpKind.EDIT).reason(RejectReason.OVERLOADED)
            .putCollection(C, 0, 1).putDocId(C, 0, 1).putSource(C, 0, 1).putMessage(C, 0, 1);
        out.end(MessageHeaderEncoder.ENCODED_LENGTH + reject.encodedLength());
        final int rejectStart = offset;
        final int rejectLength = MessageHeaderEncoder.ENCODED_LENGTH + reject.encodedLength();
        final byte[] rejectBefore = new byte[rejectLength];
        out.buffer().getBytes(rejectStart, rejectBefore);

        offset = out.begin(1);
        out.destination(0, 7);
        final OpAckEncoder ack = new OpAckEncoder().wrapAndApplyHeader(out.buffer(), offset, header)
            .sessionId(1).requestId(2).docHash(3).version(4).seq(5).edgeId(7)
            .putCollection(C, 0, 1).putDocId(C, 0, 1).putSource(C, 0, 1);
        out.end(MessageHeaderEncoder.ENCODED_LENGTH + ack.encodedLength());

        Outbound.stamp(event.outBuffer(), event.outLength(), 1_000L, 2_000L, 3_000L);

        final List<long[]> seen = new ArrayList<>();
        final int delivered = Outbound.forEach(event.outBuffer(), event.outLength(),
            (edgeId, buffer, messageOffset, length) -> seen.add(decode(buffer, messageOffset)));
        assertThat(delivered).isEqualTo(4);
        // broadcast to two edges: received, sequenced, sent
        assertThat(seen.get(0)).containsExactly(OpBroadcastDecoder.TEMPLATE_ID, 1_000L, 2_000L, 3_000L);
        assertThat(seen.get(1)).containsExactly(OpBroadcastDecoder.TEMPLATE_ID, 1_000L, 2_000L, 3_000L);
        assertThat(seen.get(3)).containsExactly(OpAckDecoder.TEMPLATE_ID, 1_000L, 2_000L, 3_000L);
        final byte[] rejectAfter = new byte[rejectLength];
        event.outBuffer().getBytes(rejectStart, rejectAfter);
        assertThat(Arrays.equals(rejectBefore, rejectAfter)).as("an OpReject is not touched").isTrue();
    }

    private static long[] decode(final DirectBuffer buffer, final int offset)
    {
        final MessageHeaderDecoder h = new MessageHeaderDecoder().wrap(buffer, offset);
        final int body = offset + MessageHeaderDecoder.ENCODED_LENGTH;
        switch (h.templateId())
        {
            case OpAckDecoder.TEMPLATE_ID:
                final OpAckDecoder a = new OpAckDecoder().wrap(buffer, body, h.blockLength(), h.version());
                return new long[]{h.templateId(), a.engineReceivedNs(), a.engineSequencedNs(), a.engineSentNs()};
            case OpBroadcastDecoder.TEMPLATE_ID:
                final OpBroadcastDecoder b = new OpBroadcastDecoder().wrap(buffer, body, h.blockLength(), h.version());
                return new long[]{h.templateId(), b.engineReceivedNs(), b.engineSequencedNs(), b.engineSentNs()};
            default:
                return new long[]{h.templateId()};
        }
    }
}
