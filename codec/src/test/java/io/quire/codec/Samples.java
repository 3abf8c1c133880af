package io.quire.codec;

import io.quire.codec.protocol.ComponentKind;
import io.quire.codec.protocol.MessageHeaderEncoder;
import io.quire.codec.protocol.OpKind;
import io.quire.codec.protocol.SubmitOpEncoder;
import org.agrona.MutableDirectBuffer;
import org.agrona.concurrent.UnsafeBuffer;

/**
 * Typed sample messages for the example-based tests, encoded the way the edge will: plain Java text through
 * {@link Utf8} into a scratch buffer, then into the generated encoder in schema order.
 */
final class Samples
{
    static final String COLLECTION = "docs";
    static final String DOC_ID = "d1";
    static final String SOURCE = "0f9e8d7c6b5a49382716051423324150";

    private static final MessageHeaderEncoder HEADER = new MessageHeaderEncoder();
    private static final SubmitOpEncoder SUBMIT = new SubmitOpEncoder();
    private static final UnsafeBuffer SCRATCH = new UnsafeBuffer(new byte[1 << 21]);

    private Samples()
    {
    }

    /** A SubmitOp EDIT of {@code [retain, "text"]} or {@code ["text"]} when retain is 0. @return its length. */
    static int submitInsert(final MutableDirectBuffer buffer, final int offset, final int retain, final String text)
    {
        final SubmitOpEncoder encoder = SUBMIT.wrapAndApplyHeader(buffer, offset, HEADER)
            .sessionId(7)
            .requestId(42)
            .docHash(ShardRouter.docHash(COLLECTION, DOC_ID))
            .baseVersion(3)
            .seq(5)
            .edgeId(1)
            .opKind(OpKind.EDIT);
        final SubmitOpEncoder.ComponentsEncoder components = encoder.componentsCount(retain > 0 ? 2 : 1);
        if (retain > 0)
        {
            components.next().kind(ComponentKind.RETAIN).length(retain);
            components.putText(SCRATCH, 0, 0);
        }
        components.next().kind(ComponentKind.INSERT).length(text.codePointCount(0, text.length()));
        components.putText(SCRATCH, 0, Utf8.encode(text, SCRATCH, 0));
        encoder.putCollection(SCRATCH, 0, Utf8.encode(COLLECTION, SCRATCH, 0));
        encoder.putDocId(SCRATCH, 0, Utf8.encode(DOC_ID, SCRATCH, 0));
        encoder.putSource(SCRATCH, 0, Utf8.encode(SOURCE, SCRATCH, 0));
        encoder.putPrincipal(SCRATCH, 0, 0);
        encoder.putCreateType(SCRATCH, 0, 0);
        encoder.putCreateData(SCRATCH, 0, 0);
        return MessageHeaderEncoder.ENCODED_LENGTH + encoder.encodedLength();
    }
}
