package io.quire.codec;

import io.quire.codec.protocol.RejectReason;
import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.Test;

import java.util.Arrays;
import java.util.HashSet;
import java.util.Set;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** RejectReasons, CodecLimits and MessagePrinter. */
class SmallApiTest
{
    @Test
    void everyRejectReasonHasItsOwnShareDbCode()
    {
        final Set<String> codes = new HashSet<>();
        for (final RejectReason reason : RejectReason.values())
        {
            if (reason != RejectReason.NULL_VAL && reason != RejectReason.SBE_UNKNOWN)
            {
                final String code = RejectReasons.shareDbCode(reason);
                assertThat(code).startsWith("ERR_");
                assertThat(codes.add(code)).as("%s duplicates %s", reason, code).isTrue();
            }
        }
        assertThat(RejectReasons.shareDbCode(RejectReason.VERSION_NEWER_THAN_CURRENT))
            .isEqualTo("ERR_OP_VERSION_NEWER_THAN_CURRENT_SNAPSHOT");
        assertThat(RejectReasons.shareDbCode(RejectReason.TYPE_NOT_RECOGNIZED)).isEqualTo("ERR_DOC_TYPE_NOT_RECOGNIZED");
        assertThat(RejectReasons.shareDbCode(RejectReason.OP_BADLY_FORMED)).isEqualTo("ERR_OT_OP_BADLY_FORMED");
        assertThat(RejectReasons.shareDbCode(RejectReason.OP_NOT_APPLIED)).isEqualTo("ERR_OT_OP_NOT_APPLIED");
        assertThat(RejectReasons.shareDbCode(RejectReason.HISTORY_GONE)).isEqualTo("ERR_SUBMIT_TRANSFORM_OPS_NOT_FOUND");
        assertThat(RejectReasons.shareDbCode(RejectReason.SUBMIT_REJECTED)).isEqualTo("ERR_OP_SUBMIT_REJECTED");
        assertThat(RejectReasons.shareDbCode(RejectReason.OVERLOADED)).isEqualTo("ERR_OVERLOADED");
        assertThat(RejectReasons.shareDbCode(RejectReason.SBE_UNKNOWN)).isEqualTo("ERR_INTERNAL");
        assertThat(RejectReasons.shareDbCode(RejectReason.NULL_VAL)).isEqualTo("ERR_INTERNAL");
    }

    @Test
    void limitsDefaultOverrideAndRespectTheWireCeilings()
    {
        assertThat(CodecLimits.DEFAULT.maxOpTextBytes()).isEqualTo(1 << 20);
        assertThat(CodecLimits.DEFAULT.maxIdBytes()).isEqualTo(256);
        assertThat(CodecLimits.DEFAULT.maxChannelBytes()).isEqualTo(513);
        final CodecLimits custom = CodecLimits.DEFAULT.toBuilder().maxOpComponents(10).maxDocumentBytes(5).build();
        assertThat(custom.maxOpComponents()).isEqualTo(10);
        assertThat(custom.maxDocumentBytes()).isEqualTo(5);
        assertThat(custom.maxSourceBytes()).isEqualTo(CodecLimits.DEFAULT_MAX_SOURCE_BYTES);
        assertThat(custom.toString()).contains("maxOpComponents=10");
        assertThatThrownBy(() -> CodecLimits.builder().maxOpComponents(CodecLimits.WIRE_MAX_GROUP_ENTRIES + 1).build())
            .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> CodecLimits.builder().maxIdBytes(CodecLimits.WIRE_MAX_STRING_BYTES + 1).build())
            .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> CodecLimits.builder().maxOpTextBytes(0).build())
            .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> CodecLimits.builder().maxDocumentBytes(0).build())
            .isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void printerRendersValidMessagesAndExplainsMalformedOnes()
    {
        final UnsafeBuffer buffer = new UnsafeBuffer(new byte[256]);
        final int length = Samples.submitInsert(buffer, 0, 2, "hi");
        final String line = MessagePrinter.protocol().print(buffer, 0, length);
        assertThat(line).startsWith("[SubmitOp]").contains("seq=5").contains("kind=INSERT").contains("text='hi'")
            .contains("docId='d1'");
        final String cut = MessagePrinter.protocol().print(buffer, 0, length - 3);
        assertThat(cut).startsWith("MALFORMED").contains("bytes=");
        assertThat(Arrays.asList(cut.split(" "))).contains("TRUNCATED_VAR_LENGTH");
    }
}
