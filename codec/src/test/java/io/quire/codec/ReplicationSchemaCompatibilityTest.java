package io.quire.codec;

import io.quire.codec.replication.BooleanType;
import io.quire.codec.replication.DivergedDecoder;
import io.quire.codec.replication.MessageHeaderDecoder;
import io.quire.codec.replication.MessageHeaderEncoder;
import io.quire.codec.replication.ReplicaHelloDecoder;
import io.quire.codec.replication.ReplicaHelloEncoder;
import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Replication schema version 2 is additive: {@code ReplicaHello.lastEpoch} is the last field of its block (a version
 * 1 primary, which reads the block by the header's length, never sees it), a version 1 hello (a block 8 bytes
 * shorter) reads with a null lastEpoch, and {@code Diverged} is a new template (a version 1 replica skips it).
 */
class ReplicationSchemaCompatibilityTest
{
    @Test
    void lastEpochIsAppendedToTheHellosBlockAndAVersion1HelloReadsWithANullEpoch()
    {
        assertThat(ReplicaHelloEncoder.SCHEMA_VERSION).isEqualTo(2);
        assertThat(ReplicaHelloEncoder.lastEpochSinceVersion()).isEqualTo(2);
        assertThat(ReplicaHelloEncoder.lastEpochEncodingOffset() + 8).isEqualTo(ReplicaHelloEncoder.BLOCK_LENGTH);
        assertThat(DivergedDecoder.TEMPLATE_ID).isEqualTo(4);

        // A version 2 hello, then the same hello as a version 1 replica lays it out: no lastEpoch in the block.
        final UnsafeBuffer v2 = new UnsafeBuffer(new byte[256]);
        final ReplicaHelloEncoder encoder = new ReplicaHelloEncoder()
            .wrapAndApplyHeader(v2, 0, new MessageHeaderEncoder())
            .nodeId(7).shardId(3).nextLsn(42).responseStreamId(1101).restart(BooleanType.TRUE).lastEpoch(5)
            .responseChannel("aeron:udp?endpoint=127.0.0.1:4000");
        final int header = MessageHeaderEncoder.ENCODED_LENGTH;
        final int v2Length = header + encoder.encodedLength();
        final ReplicaHelloDecoder decoder = new ReplicaHelloDecoder()
            .wrapAndApplyHeader(v2, 0, new MessageHeaderDecoder());
        assertThat(decoder.lastEpoch()).isEqualTo(5);

        final int v1Block = ReplicaHelloEncoder.BLOCK_LENGTH - 8;
        final UnsafeBuffer v1 = new UnsafeBuffer(new byte[256]);
        v1.putBytes(0, v2, 0, header + v1Block);
        v1.putBytes(header + v1Block, v2, header + ReplicaHelloEncoder.BLOCK_LENGTH,
            v2Length - header - ReplicaHelloEncoder.BLOCK_LENGTH);
        new MessageHeaderEncoder().wrap(v1, 0).blockLength(v1Block).version(1);
        final ReplicaHelloDecoder old = new ReplicaHelloDecoder().wrapAndApplyHeader(v1, 0, new MessageHeaderDecoder());
        assertThat(old.nodeId()).isEqualTo(7);
        assertThat(old.shardId()).isEqualTo(3);
        assertThat(old.nextLsn()).isEqualTo(42);
        assertThat(old.responseStreamId()).isEqualTo(1101);
        assertThat(old.restart()).isEqualTo(BooleanType.TRUE);
        assertThat(old.lastEpoch()).isEqualTo(ReplicaHelloDecoder.lastEpochNullValue());
        assertThat(old.responseChannel()).isEqualTo("aeron:udp?endpoint=127.0.0.1:4000");
    }
}
