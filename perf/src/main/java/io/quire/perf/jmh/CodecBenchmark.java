package io.quire.perf.jmh;

import io.quire.codec.CodecLimits;
import io.quire.codec.MessageValidator;
import io.quire.codec.ShardRouter;
import io.quire.codec.Utf8;
import io.quire.codec.protocol.ComponentKind;
import io.quire.codec.protocol.MessageHeaderDecoder;
import io.quire.codec.protocol.MessageHeaderEncoder;
import io.quire.codec.protocol.OpKind;
import io.quire.codec.protocol.SubmitOpDecoder;
import io.quire.codec.protocol.SubmitOpEncoder;
import io.quire.engine.trace.TraceReader;
import io.quire.test.RepoPaths;
import org.agrona.BufferUtil;
import org.agrona.concurrent.UnsafeBuffer;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.TimeUnit;

/**
 * Cost of the codec on the write path, per SubmitOp: what the edge pays to encode one (from the strings its JSON
 * parser produced: ids, a 32-hex source, the inserted text) and what the engine pays to receive one (validate, then
 * decode every field, the op components and their UTF-8 text into a char array). Two ops: a single-character insert
 * at a position ({@code [1234, "x"]}, the typical keystroke) and three components ({@code [1234, "abc", {d:2}]}).
 * Bounds checks and flyweights as in production; precedence checks off (they are on only in tests).
 * {@code validateSingleInsert} and {@code validateSingleInsertGeneral} set the validator's SubmitOp fast path (what
 * the ingress runs) beside its general, table-driven path on the same message.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
public class CodecBenchmark extends ForkWithQuireFlags
{
    private static final String COLLECTION = "docs";
    private static final String DOC_ID = "doc-42";
    private static final String SOURCE = "0f9e8d7c6b5a49382716051423324150";
    private static final int POSITION = 1234;

    private final UnsafeBuffer out = new UnsafeBuffer(BufferUtil.allocateDirectAligned(4096, 64));
    private final UnsafeBuffer scratch = new UnsafeBuffer(new byte[1024]);
    private final MessageHeaderEncoder headerEncoder = new MessageHeaderEncoder();
    private final SubmitOpEncoder submitEncoder = new SubmitOpEncoder();

    private final UnsafeBuffer singleInsert = new UnsafeBuffer(BufferUtil.allocateDirectAligned(4096, 64));
    private final UnsafeBuffer threeComponents = new UnsafeBuffer(BufferUtil.allocateDirectAligned(4096, 64));
    private int singleInsertLength;
    private int threeComponentsLength;

    private final MessageValidator validator = MessageValidator.protocol(CodecLimits.DEFAULT);
    private final UnsafeBuffer view = new UnsafeBuffer(0, 0);
    private final UnsafeBuffer text = new UnsafeBuffer(0, 0);
    private final MessageHeaderDecoder headerDecoder = new MessageHeaderDecoder();
    private final SubmitOpDecoder submitDecoder = new SubmitOpDecoder();
    private final char[] chars = new char[1024];

    private UnsafeBuffer documentUtf8;
    private char[] documentChars;

    /** Encodes the messages the decode benchmarks receive, and a whole document's text. */
    @Setup
    public void setUp() throws IOException
    {
        final String document = TraceReader.read(RepoPaths.trace("automerge-paper.json.gz")).endContent();
        final byte[] utf8 = document.getBytes(StandardCharsets.UTF_8);
        final UnsafeBuffer backing = new UnsafeBuffer(BufferUtil.allocateDirectAligned(utf8.length + 64, 64));
        backing.putBytes(0, utf8);
        documentUtf8 = new UnsafeBuffer(backing, 0, utf8.length);
        documentChars = new char[document.length()];
        singleInsertLength = encodeInsert(singleInsert);
        threeComponentsLength = encodeThree(threeComponents);
        if (decode(singleInsert, singleInsertLength) == 0 || decode(threeComponents, threeComponentsLength) == 0)
        {
            throw new IllegalStateException("decode failed");
        }
    }

    /** @return encoded length of {@code [1234, "x"]}. */
    @Benchmark
    public int encodeSingleInsert()
    {
        return encodeInsert(out);
    }

    /** @return encoded length of {@code [1234, "abc", {d:2}]}. */
    @Benchmark
    public int encodeThreeComponents()
    {
        return encodeThree(out);
    }

    /** @return the template id of {@code [1234, "x"]}, validated as the engine's ingress does. */
    @Benchmark
    public int validateSingleInsert()
    {
        return validator.validate(singleInsert, 0, singleInsertLength);
    }

    /** @return the template id of {@code [1234, "x"]}, validated by the general path alone. */
    @Benchmark
    public int validateSingleInsertGeneral()
    {
        return validator.validateGeneral(singleInsert, 0, singleInsertLength);
    }

    /**
     * @return UTF-16 units of the automerge-paper document's final text (104,852 characters, all ASCII), decoded
     *         from UTF-8 as a snapshot load does: divide by them for the cost per character.
     */
    @Benchmark
    public int decodeDocument()
    {
        return Utf8.decode(documentUtf8, 0, documentUtf8.capacity(), documentChars, 0);
    }

    /** @return a value folded from every decoded field of {@code [1234, "x"]}. */
    @Benchmark
    public long validateAndDecodeSingleInsert()
    {
        return decode(singleInsert, singleInsertLength);
    }

    /** @return a value folded from every decoded field of {@code [1234, "abc", {d:2}]}. */
    @Benchmark
    public long validateAndDecodeThreeComponents()
    {
        return decode(threeComponents, threeComponentsLength);
    }

    private int encodeInsert(final UnsafeBuffer buffer)
    {
        final SubmitOpEncoder encoder = header(buffer);
        final SubmitOpEncoder.ComponentsEncoder components = encoder.componentsCount(2);
        components.next().kind(ComponentKind.RETAIN).length(POSITION).putText(scratch, 0, 0);
        components.next().kind(ComponentKind.INSERT).length(1).putText(scratch, 0, Utf8.encode("x", scratch, 0));
        return trailer(encoder);
    }

    private int encodeThree(final UnsafeBuffer buffer)
    {
        final SubmitOpEncoder encoder = header(buffer);
        final SubmitOpEncoder.ComponentsEncoder components = encoder.componentsCount(3);
        components.next().kind(ComponentKind.RETAIN).length(POSITION).putText(scratch, 0, 0);
        components.next().kind(ComponentKind.INSERT).length(3).putText(scratch, 0, Utf8.encode("abc", scratch, 0));
        components.next().kind(ComponentKind.DELETE).length(2).putText(scratch, 0, 0);
        return trailer(encoder);
    }

    private SubmitOpEncoder header(final UnsafeBuffer buffer)
    {
        return submitEncoder.wrapAndApplyHeader(buffer, 0, headerEncoder)
            .sessionId(7)
            .requestId(42)
            .docHash(ShardRouter.docHash(COLLECTION, DOC_ID))
            .baseVersion(3)
            .seq(5)
            .edgeId(1)
            .opKind(OpKind.EDIT);
    }

    private int trailer(final SubmitOpEncoder encoder)
    {
        encoder.putCollection(scratch, 0, Utf8.encode(COLLECTION, scratch, 0));
        encoder.putDocId(scratch, 0, Utf8.encode(DOC_ID, scratch, 0));
        encoder.putSource(scratch, 0, Utf8.encode(SOURCE, scratch, 0));
        encoder.putPrincipal(scratch, 0, 0);
        encoder.putCreateType(scratch, 0, 0);
        encoder.putCreateData(scratch, 0, 0);
        return MessageHeaderEncoder.ENCODED_LENGTH + encoder.encodedLength();
    }

    private long decode(final UnsafeBuffer buffer, final int length)
    {
        validator.validate(buffer, 0, length);
        view.wrap(buffer, 0, length);
        final SubmitOpDecoder decoder = submitDecoder.wrapAndApplyHeader(view, 0, headerDecoder);
        long result = decoder.sessionId() + decoder.requestId() + decoder.docHash() + decoder.baseVersion() +
            decoder.seq() + decoder.edgeId() + decoder.opKindRaw();
        for (final SubmitOpDecoder.ComponentsDecoder component : decoder.components())
        {
            result += component.kindRaw() + component.length();
            component.wrapText(text);
            result += Utf8.decode(text, 0, text.capacity(), chars, 0);
        }
        decoder.wrapCollection(text);
        result += Utf8.decode(text, 0, text.capacity(), chars, 0);
        decoder.wrapDocId(text);
        result += Utf8.decode(text, 0, text.capacity(), chars, 0);
        decoder.wrapSource(text);
        result += Utf8.decode(text, 0, text.capacity(), chars, 0);
        result += decoder.skipPrincipal() + decoder.skipCreateType() + decoder.skipCreateData();
        return result;
    }
}
