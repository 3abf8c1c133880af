package io.quire.codec;

import io.quire.codec.protocol.ComponentKind;
import io.quire.codec.protocol.MessageHeaderDecoder;
import io.quire.codec.protocol.OpKind;
import io.quire.codec.protocol.SubmitOpDecoder;
import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * The hot-path way to receive a message, spelt out for the engine and edge: validate the fragment, wrap a view that
 * ends at the message, decode in schema order with flyweights held as fields, read text through {@link Utf8}.
 */
class SubmitOpCodecTest
{
    private final MessageValidator validator = MessageValidator.protocol(CodecLimits.DEFAULT);
    private final UnsafeBuffer received = new UnsafeBuffer(new byte[4096]);
    private final UnsafeBuffer view = new UnsafeBuffer(0, 0);
    private final UnsafeBuffer text = new UnsafeBuffer(0, 0);
    private final UnsafeBuffer docId = new UnsafeBuffer(0, 0);
    private final MessageHeaderDecoder header = new MessageHeaderDecoder();
    private final SubmitOpDecoder submit = new SubmitOpDecoder();
    private final char[] chars = new char[64];

    @Test
    void decodesATypicalSubmitOpWithoutCopyingText()
    {
        final int offset = 100;
        final int length = Samples.submitInsert(received, offset, 12, "h\u00e9\uD83D\uDE00");

        assertThat(validator.validate(received, offset, length)).isEqualTo(SubmitOpDecoder.TEMPLATE_ID);
        view.wrap(received, offset, length);
        submit.wrapAndApplyHeader(view, 0, header);

        assertThat(submit.sessionId()).isEqualTo(7);
        assertThat(submit.requestId()).isEqualTo(42);
        assertThat(submit.docHash()).isEqualTo(ShardRouter.docHash("docs", "d1"));
        assertThat(submit.baseVersion()).isEqualTo(3);
        assertThat(submit.seq()).isEqualTo(5);
        assertThat(submit.edgeId()).isEqualTo(1);
        assertThat(submit.opKind()).isEqualTo(OpKind.EDIT);

        final SubmitOpDecoder.ComponentsDecoder components = submit.components();
        assertThat(components.count()).isEqualTo(2);
        components.next();
        assertThat(components.kind()).isEqualTo(ComponentKind.RETAIN);
        assertThat(components.length()).isEqualTo(12);
        assertThat(components.textLength()).isZero();
        components.skipText();
        components.next();
        assertThat(components.kind()).isEqualTo(ComponentKind.INSERT);
        assertThat(components.length()).isEqualTo(3);
        components.wrapText(text);
        final int n = Utf8.decode(text, 0, text.capacity(), chars, 0);
        assertThat(new String(chars, 0, n)).isEqualTo("h\u00e9\uD83D\uDE00");

        submit.wrapCollection(text);
        submit.wrapDocId(docId);
        assertThat(ShardRouter.docHash(text, 0, text.capacity(), docId, 0, docId.capacity()))
            .as("the engine re-derives the routing hash from the message, without allocating")
            .isEqualTo(submit.docHash());
        assertThat(submit.source()).isEqualTo(Samples.SOURCE);
        assertThat(submit.principalLength()).isZero();
        submit.skipPrincipal();
        submit.skipCreateType();
        submit.skipCreateData();
        assertThat(submit.sbeDecodedLength() + MessageHeaderDecoder.ENCODED_LENGTH).isEqualTo(length);
    }

    @Test
    void precedenceChecksAreOnInTests()
    {
        assertThat(System.getProperty("sbe.enable.precedence.checks")).isEqualTo("true");
        final int length = Samples.submitInsert(received, 0, 0, "x");
        validator.validate(received, 0, length);
        submit.wrapAndApplyHeader(received, 0, header);
        assertThatThrownBy(submit::docId)
            .as("var data read before the group it follows")
            .isInstanceOf(IllegalStateException.class);
    }
}
