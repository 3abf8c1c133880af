package io.quire.systemtest;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;

/** An edge's HTTP side as the system tests read it: {@code /healthz} and one metric from {@code /metrics}. */
final class EdgeHttp
{
    private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    private EdgeHttp()
    {
    }

    /**
     * @param baseUrl e.g. {@code http://127.0.0.1:8080/}.
     * @return status code, a space, and the body of {@code /healthz}.
     * @throws Exception if the edge does not answer.
     */
    static String health(final String baseUrl) throws Exception
    {
        final HttpResponse<String> r = HTTP.send(HttpRequest.newBuilder(URI.create(baseUrl + "healthz"))
            .timeout(Duration.ofSeconds(5)).build(), HttpResponse.BodyHandlers.ofString());
        return r.statusCode() + " " + r.body();
    }

    /**
     * @param baseUrl e.g. {@code http://127.0.0.1:8080/}.
     * @param name    a sample's name with its labels, e.g. {@code quire_edge_engine_epoch{shards="0-2"}}.
     * @return its value, 0 if absent.
     * @throws Exception if the edge does not answer.
     */
    static double metric(final String baseUrl, final String name) throws Exception
    {
        final String body = HTTP.send(HttpRequest.newBuilder(URI.create(baseUrl + "metrics"))
            .timeout(Duration.ofSeconds(5)).build(), HttpResponse.BodyHandlers.ofString()).body();
        for (final String line : body.split("\n"))
        {
            if (line.startsWith(name + " "))
            {
                return Double.parseDouble(line.substring(name.length() + 1).trim());
            }
        }
        return 0;
    }

    /**
     * @param url any URL on 127.0.0.1.
     * @return the body of a GET, or null if nothing answers.
     */
    static String getOrNull(final String url)
    {
        try
        {
            final HttpResponse<String> r = HTTP.send(HttpRequest.newBuilder(URI.create(url))
                .timeout(Duration.ofSeconds(5)).build(), HttpResponse.BodyHandlers.ofString());
            return r.statusCode() == 200 ? r.body() : null;
        }
        catch (final Exception ex)
        {
            return null;
        }
    }

    /**
     * @param url any URL on 127.0.0.1.
     * @return status code and body of an empty POST.
     * @throws Exception if nothing answers.
     */
    static String post(final String url) throws Exception
    {
        final HttpResponse<String> r = HTTP.send(HttpRequest.newBuilder(URI.create(url))
            .timeout(Duration.ofSeconds(10)).POST(HttpRequest.BodyPublishers.noBody()).build(),
            HttpResponse.BodyHandlers.ofString());
        return r.statusCode() + " " + r.body();
    }
}
