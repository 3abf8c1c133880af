package io.quire.engine.trace;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.zip.GZIPOutputStream;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class TraceReaderTest
{
    private static Trace parse(final String json) throws IOException
    {
        return TraceReader.read("t", new ByteArrayInputStream(json.getBytes(StandardCharsets.UTF_8)));
    }

    @Test
    void decodesAllPatchesOfAllTransactionsInOrder() throws IOException
    {
        final Trace t = parse("{\"startContent\":\"ab\",\"endContent\":\"x😀b\",\"extra\":{\"a\":[1]}," +
            "\"txns\":[{\"time\":\"2021\",\"patches\":[[0,1,\"x😀\"],[2,0,\"\"]]},{\"patches\":[[3,1,\"\"]]}]}");
        assertThat(t.name()).isEqualTo("t");
        assertThat(t.startContent()).isEqualTo("ab");
        assertThat(t.endContent()).isEqualTo("x😀b");
        assertThat(t.edits()).isEqualTo(3);
        assertThat(new int[]{t.position(0), t.position(1), t.position(2)}).containsExactly(0, 2, 3);
        assertThat(new int[]{t.deleteCount(0), t.deleteCount(1), t.deleteCount(2)}).containsExactly(1, 0, 1);
        assertThat(new String(t.insertChars(), t.insertStart(0), t.insertLength(0))).isEqualTo("x😀");
        assertThat(t.insertLength(1)).isZero();
        assertThat(t.insertLength(2)).isZero();
    }

    @Test
    void readsGzipFilesAndNamesTheTraceAfterTheFile(@TempDir final Path dir) throws IOException
    {
        final Path file = dir.resolve("my-trace.json.gz");
        try (OutputStream out = new GZIPOutputStream(Files.newOutputStream(file)))
        {
            out.write("{\"endContent\":\"hi\",\"txns\":[{\"patches\":[[0,0,\"hi\"]]}]}".getBytes(StandardCharsets.UTF_8));
        }
        final Trace t = TraceReader.read(file);
        assertThat(t.name()).isEqualTo("my-trace");
        assertThat(t.startContent()).isEmpty();
        assertThat(new TraceReplay().replay(t).toString()).isEqualTo("hi");
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', textBlock = """
        []                                                        | the trace must be a JSON object
        {"txns":[]}                                               | no endContent
        {"endContent":""}                                         | no txns
        {"endContent":1,"txns":[]}                                | endContent must be a string
        {"endContent":"","txns":{}}                               | txns must be an array
        {"endContent":"","txns":[1]}                              | txns must hold only objects
        {"endContent":"","txns":[{"patches":1}]}                  | txns[0].patches must be an array
        {"endContent":"","txns":[{"patches":[1]}]}                | txns[0].patches must hold only [pos, numDeleted, "inserted"] arrays
        {"endContent":"","txns":[{"patches":[[-1,0,""]]}]}        | txns[0] patch 0: pos must be a non-negative int
        {"endContent":"","txns":[{"patches":[[0,1.5,""]]}]}       | txns[0] patch 0: numDeleted must be a non-negative int
        {"endContent":"","txns":[{"patches":[[0,0,1]]}]}          | txns[0] patch 0: the inserted text must be a string
        {"endContent":"","txns":[{"patches":[[0,0,"",4]]}]}       | txns[0] patch 0: a patch is [pos, numDeleted, "inserted"]
        {"endContent":"","txns":[{},{"patches":[[9999999999,0,""]]}]} | txns[1] patch 0: pos must be a non-negative int
        """)
    void rejectsWhatIsNotATrace(final String json, final String message)
    {
        assertThatThrownBy(() -> parse(json)).isInstanceOf(TraceFormatException.class).hasMessage(message);
    }

    @Test
    void rejectsMalformedJson()
    {
        assertThatThrownBy(() -> parse("{\"endContent\":")).isInstanceOf(TraceFormatException.class)
            .hasMessageStartingWith("malformed JSON: ");
    }
}
