package io.quire.perf.ws;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.HdrHistogram.Histogram;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.zip.DataFormatException;

/**
 * A snapshot of a Quire edge's per-stage latency histograms ({@code GET /latency}): cumulative since the edge started,
 * so the measured window is the difference of two snapshots ({@link #since(QuireStages)}).
 */
final class QuireStages
{
    private final Map<String, Histogram> stages;
    private final Map<String, String> descriptions;

    private QuireStages(final Map<String, Histogram> stages, final Map<String, String> descriptions)
    {
        this.stages = stages;
        this.descriptions = descriptions;
    }

    /**
     * @param httpUrl {@code http://127.0.0.1:PORT/}.
     * @return the edge's histograms now.
     * @throws IOException if they cannot be read or decoded.
     * @throws InterruptedException if interrupted.
     */
    static QuireStages fetch(final String httpUrl) throws IOException, InterruptedException
    {
        final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
        final HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create(httpUrl + "latency"))
            .timeout(Duration.ofSeconds(10)).build(), HttpResponse.BodyHandlers.ofString());
        if (r.statusCode() != 200)
        {
            throw new IOException("GET " + httpUrl + "latency: HTTP " + r.statusCode());
        }
        return parse(new ObjectMapper().readTree(r.body()));
    }

    /**
     * @param root the JSON of {@code GET /latency}.
     * @return its histograms.
     * @throws IOException if a histogram does not decode.
     */
    static QuireStages parse(final JsonNode root) throws IOException
    {
        final Map<String, Histogram> stages = new LinkedHashMap<>();
        final Map<String, String> descriptions = new LinkedHashMap<>();
        for (final JsonNode stage : root.path("stages"))
        {
            final String name = stage.path("stage").asText();
            try
            {
                stages.put(name, Histogram.decodeFromCompressedByteBuffer(
                    ByteBuffer.wrap(Base64.getDecoder().decode(stage.path("histogram").asText())), 0));
            }
            catch (final DataFormatException | IllegalArgumentException ex)
            {
                throw new IOException("stage " + name + ": undecodable histogram", ex);
            }
            descriptions.put(name, stage.path("description").asText());
        }
        return new QuireStages(stages, descriptions);
    }

    /**
     * @param earlier a snapshot of the same edge taken before this one.
     * @return what was recorded between the two.
     */
    QuireStages since(final QuireStages earlier)
    {
        final Map<String, Histogram> diff = new LinkedHashMap<>();
        stages.forEach((name, h) ->
        {
            final Histogram d = h.copy();
            final Histogram before = earlier.stages.get(name);
            if (before != null)
            {
                d.subtract(before);
            }
            diff.put(name, d);
        });
        return new QuireStages(diff, descriptions);
    }

    /**
     * @param title  first line.
     * @param client the load generator's own ack histogram over the same window (ns), or null.
     * @return one line per stage: p50, p90, p99, max in µs, the count and what it covers.
     */
    String table(final String title, final Histogram client)
    {
        final StringBuilder b = new StringBuilder(title).append('\n');
        b.append(String.format(Locale.ROOT, "  %-22s %9s %9s %9s %9s %8s  %s%n", "stage", "p50 us", "p90 us", "p99 us",
            "max us", "count", "what"));
        if (client != null)
        {
            row(b, "client_ack", client, "load generator: edit sent -> ack received (includes the network and the " +
                "client)");
        }
        stages.forEach((name, h) -> row(b, name, h, descriptions.getOrDefault(name, "")));
        return b.toString();
    }

    private static void row(final StringBuilder b, final String name, final Histogram h, final String what)
    {
        if (h.getTotalCount() == 0)
        {
            b.append(String.format(Locale.ROOT, "  %-22s %9s %9s %9s %9s %8d  %s%n", name, "-", "-", "-", "-", 0, what));
            return;
        }
        b.append(String.format(Locale.ROOT, "  %-22s %9.1f %9.1f %9.1f %9.1f %8d  %s%n", name,
            h.getValueAtPercentile(50) / 1e3, h.getValueAtPercentile(90) / 1e3, h.getValueAtPercentile(99) / 1e3,
            h.getMaxValue() / 1e3, h.getTotalCount(), what));
    }
}
