package io.quire.engine.ot;

import io.quire.test.RepoPaths;
import io.quire.engine.trace.Trace;
import io.quire.engine.trace.TraceReader;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.io.IOException;

import static org.assertj.core.api.Assertions.assertThat;

/** Replays the shared editing traces with direct rope calls and checks the final text and checksums. */
class RopeTraceTest
{
    private static final int CHECK_EVERY = 20_000;

    @ParameterizedTest
    @ValueSource(strings = {"automerge-paper.json.gz", "rustcode.json.gz", "seph-blog1.json.gz",
        "sveltecomponent.json.gz"})
    void replaysToEndContent(final String name) throws IOException
    {
        final Trace trace = TraceReader.read(RepoPaths.trace(name));
        replay(trace, new Rope(trace.startContent()), CHECK_EVERY, true);
    }

    @ParameterizedTest
    @ValueSource(strings = {"rustcode.json.gz", "sveltecomponent.json.gz"})
    void replaysWithTinyNodes(final String name) throws IOException
    {
        // 16-unit leaves and 4-way branches: a deep tree that splits, merges and borrows all the time.
        final Trace trace = TraceReader.read(RepoPaths.trace(name));
        final Rope rope = new Rope(16, 4);
        rope.insert(0, trace.startContent());
        replay(trace, rope, 2_000, false);
    }

    /**
     * @param everyPatch take a checksum after every patch, as the engine does (incremental leaf rehash); otherwise
     *                   edits pile up between checkpoints.
     */
    private static void replay(final Trace trace, final Rope rope, final int checkEvery, final boolean everyPatch)
    {
        for (int i = 0, n = trace.edits(); i < n; i++)
        {
            rope.delete(trace.position(i), trace.deleteCount(i));
            rope.insert(trace.position(i), trace.insertChars(), trace.insertStart(i), trace.insertLength(i));
            if (everyPatch)
            {
                rope.checksum();
            }
            if (i % checkEvery == 0)
            {
                assertThat(rope.checksum()).as("checksum after patch %d", i)
                    .isEqualTo(TextChecksum.of(rope.toString()));
                rope.checkInvariants();
            }
        }
        final String end = trace.endContent();
        assertThat(rope.toString()).isEqualTo(end);
        assertThat(rope.length()).isEqualTo(end.codePointCount(0, end.length()));
        assertThat(rope.utf16Length()).isEqualTo(end.length());
        assertThat(rope.checksum()).isEqualTo(TextChecksum.of(end));
        rope.checkInvariants();
    }
}
