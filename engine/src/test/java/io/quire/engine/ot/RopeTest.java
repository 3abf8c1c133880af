package io.quire.engine.ot;

import io.quire.engine.trace.Trace;
import io.quire.engine.trace.TraceReader;
import io.quire.test.RepoPaths;
import org.junit.jupiter.api.Test;

import java.io.IOException;

import static org.assertj.core.api.Assertions.assertThat;

class RopeTest
{
    @Test
    void emptyRopeHasNoChunksAndTheEmptyChecksum()
    {
        final Rope rope = new Rope();
        final int[] calls = {0};
        rope.forEachChunk((chars, offset, length) -> calls[0]++);
        assertThat(calls[0]).isZero();
        assertThat(rope.checksum()).isEqualTo(TextChecksum.EMPTY);
        assertThat(rope.toString()).isEmpty();
        assertThat(rope.length()).isZero();
        assertThat(rope.utf16Length()).isZero();
    }

    @Test
    void clearEmptiesABigRopeAndItCanBeReused()
    {
        final Rope rope = new Rope(RopePropertyTest.text(7, 50_000));
        rope.checksum();
        rope.clear();
        assertThat(rope.length()).isZero();
        assertThat(rope.checksum()).isEqualTo(TextChecksum.EMPTY);
        rope.insert(0, "a😀b");
        rope.delete(1, 1);
        assertThat(rope.toString()).isEqualTo("ab");
        assertThat(rope.checksum()).isEqualTo(TextChecksum.of("ab"));
        rope.checkInvariants();
    }

    @Test
    void smallRopeStaysSmall()
    {
        final Rope rope = new Rope("hello");
        rope.insert(5, ", world");
        assertThat(rope.estimatedBytes()).isLessThan(400);
    }

    @Test
    void footprintOfAnEditedDocument() throws IOException
    {
        // Text built by single-character edits: leaves between half and fully used, most carrying prefix checksums.
        final Trace trace = TraceReader.read(RepoPaths.trace("automerge-paper.json.gz"));
        final Rope rope = new Rope();
        for (int i = 0; i < trace.edits(); i++)
        {
            rope.delete(trace.position(i), trace.deleteCount(i));
            rope.insert(trace.position(i), trace.insertChars(), trace.insertStart(i), trace.insertLength(i));
        }
        final double perUnit = (double)rope.estimatedBytes() / rope.utf16Length();
        assertThat(perUnit).isBetween(2.0, 4.5);
    }
}
