package io.quire.perf.jmh;

import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

class BenchJmhCommandTest
{
    @Test
    void tableHasOneLinePerBenchmarkAndParameterSet() throws Exception
    {
        // The shape JMH 1.37 writes with -rf json (fields the table reads; JMH writes many more).
        final String json = "[{\"benchmark\":\"io.quire.perf.jmh.TextTransformBenchmark.insertVsDelete\"," +
            "\"params\":{\"side\":\"LEFT\"},\"primaryMetric\":{\"score\":128.4,\"scoreError\":3.5," +
            "\"scoreUnit\":\"ns/op\"}}," +
            "{\"benchmark\":\"io.quire.perf.jmh.TraceReplayBenchmark.replay\"," +
            "\"primaryMetric\":{\"score\":54.6,\"scoreError\":1.25,\"scoreUnit\":\"ns/op\"}}]";
        final String table = BenchJmhCommand.table(new ObjectMapper().readTree(json));
        assertThat(table.lines()).hasSize(3);
        assertThat(table).contains("TextTransformBenchmark.insertVsDelete (side=LEFT)", "128.400", "3.500", "ns/op")
            .contains("TraceReplayBenchmark.replay ", "54.600");
    }
}
