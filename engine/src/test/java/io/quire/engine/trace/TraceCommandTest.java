package io.quire.engine.trace;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

import io.quire.test.RepoPaths;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

class TraceCommandTest
{
    private final StringWriter out = new StringWriter();
    private final StringWriter err = new StringWriter();

    private int run(final String... args)
    {
        return new CommandLine(new TraceCommand())
            .setOut(new PrintWriter(out, true))
            .setErr(new PrintWriter(err, true))
            .execute(args);
    }

    private static Path write(final Path dir, final String name, final String json) throws IOException
    {
        return Files.writeString(dir.resolve(name), json, StandardCharsets.UTF_8);
    }

    @Test
    void printsOneLinePerTrace() throws IOException
    {
        final int exit = run("--warmup", "1", RepoPaths.trace("sveltecomponent.json.gz").toString());
        assertThat(exit).isZero();
        assertThat(out.toString()).matches(
            "trace=sveltecomponent edits=19749 ms=\\d+\\.\\d edits_per_s=\\d+ match=true\\R");
        assertThat(err.toString()).isEmpty();
    }

    @Test
    void exitsNonZeroWhenATraceDoesNotReachItsEndContent(@TempDir final Path dir) throws IOException
    {
        final Path good = write(dir, "good.json", "{\"endContent\":\"ab\",\"txns\":[{\"patches\":[[0,0,\"ab\"]]}]}");
        final Path bad = write(dir, "bad.json", "{\"endContent\":\"ax\",\"txns\":[{\"patches\":[[0,0,\"ab\"]]}]}");
        assertThat(run("--warmup", "0", good.toString(), bad.toString())).isEqualTo(1);
        assertThat(out.toString().split("\\R")).hasSize(2);
        assertThat(out.toString()).contains("trace=good edits=1 ").contains("trace=bad edits=1 ")
            .contains("match=true").contains("match=false");
        assertThat(err.toString()).contains("bad: the result differs from endContent");
    }

    @Test
    void reportsAPatchThatDoesNotFit(@TempDir final Path dir) throws IOException
    {
        final Path file = write(dir, "nofit.json", "{\"endContent\":\"\",\"txns\":[{\"patches\":[[3,1,\"\"]]}]}");
        assertThat(run(file.toString())).isEqualTo(1);
        assertThat(out.toString()).contains("trace=nofit edits=1 ").contains("match=false");
        assertThat(err.toString()).contains("patch 0 [3,{\"d\":1}] cannot be applied");
    }

    @Test
    void missingOrMalformedFilesExitWithTwoAndSayWhy(@TempDir final Path dir) throws IOException
    {
        final Path garbage = write(dir, "garbage.json", "not json");
        final Path missing = dir.resolve("missing.json.gz");
        assertThat(run(garbage.toString(), missing.toString())).isEqualTo(2);
        assertThat(out.toString()).isEmpty();
        assertThat(err.toString())
            .contains(garbage + ": not a trace: malformed JSON")
            .contains(missing + ": no such file");
    }

    @Test
    void helpSaysWhatIsTimed()
    {
        assertThat(run("--help")).isZero();
        assertThat(out.toString()).contains("--warmup=N").contains("default: 3").contains("Timed:")
            .contains("trace=<name> edits=<n> ms=<t> edits_per_s=<r> match=<true|false>");
    }

    @Test
    void rejectsBadUsage()
    {
        assertThat(run()).isEqualTo(2);
        assertThat(run("--warmup", "-1", "x")).isEqualTo(2);
        assertThat(err.toString()).contains("--warmup must be >= 0");
    }
}
