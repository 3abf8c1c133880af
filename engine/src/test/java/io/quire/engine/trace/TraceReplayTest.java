package io.quire.engine.trace;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;

import io.quire.engine.ot.Rope;
import io.quire.test.RepoPaths;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** The four shared editing traces, replayed through the OT core, end exactly at their endContent. */
class TraceReplayTest
{
    @ParameterizedTest
    @CsvSource({
        "automerge-paper.json.gz, 259778",
        "rustcode.json.gz, 40173",
        "seph-blog1.json.gz, 137993",
        "sveltecomponent.json.gz, 19749"
    })
    void replayReachesEndContent(final String file, final int edits) throws IOException
    {
        final Trace trace = TraceReader.read(RepoPaths.trace(file));
        assertThat(trace.edits()).isEqualTo(edits);
        final Rope doc = new TraceReplay().replay(trace);
        assertThat(doc.length()).isEqualTo(trace.endContent().codePointCount(0, trace.endContent().length()));
        assertThat(doc.toString()).isEqualTo(trace.endContent());
    }
}
