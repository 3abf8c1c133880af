package io.quire.engine.admin;

import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.io.IOException;
import java.net.ConnectException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.concurrent.Callable;

/**
 * {@code scripts/quire admin ACTION --engine HOST:PORT}: an operator's calls to an engine node's admin endpoint
 * ({@link AdminServer}). Prints the node's JSON answer; exit 0 if it did it, 1 if it refused (409), 3 if the node
 * cannot be reached, 2 for a usage error.
 */
@Command(name = "admin", mixinStandardHelpOptions = true, sortOptions = false,
    description = {"Ask an engine node's admin endpoint (engine --admin-port) for its status, to promote a standby, " +
        "or to step a leased primary down.",
        "status: role, epoch, replica lag; promote: make this standby the primary (under a lease: the primary is " +
        "asked to step down and the lease moves); step-down: a leased primary gives its lease up and leaves."},
    exitCodeListHeading = "%nExit codes:%n",
    exitCodeList = {"0:done", "1:refused by the node (409, reason printed)", "2:usage error",
        "3:node unreachable"})
public final class AdminCommand implements Callable<Integer>
{
    @Parameters(index = "0", paramLabel = "ACTION", description = "status, promote or step-down.")
    private String action;

    @Option(names = "--engine", paramLabel = "HOST:PORT", required = true,
        description = "The node's admin endpoint, e.g. 127.0.0.1:9101.")
    private String engine;

    /**
     * @param args command line.
     */
    public static void main(final String[] args)
    {
        System.exit(new CommandLine(new AdminCommand()).execute(args));
    }

    @Override
    public Integer call() throws InterruptedException
    {
        final String method;
        switch (action)
        {
            case "status":
                method = "GET";
                break;
            case "promote":
            case "step-down":
                method = "POST";
                break;
            default:
                System.err.println("quire admin: unknown action " + action + " (status, promote, step-down)");
                return 2;
        }
        final HttpRequest request = HttpRequest.newBuilder(URI.create("http://" + engine + "/" + action))
            .timeout(Duration.ofSeconds(10))
            .method(method, HttpRequest.BodyPublishers.noBody())
            .build();
        final HttpResponse<String> response;
        try
        {
            response = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(3)).build()
                .send(request, HttpResponse.BodyHandlers.ofString());
        }
        catch (final ConnectException ex)
        {
            System.err.println("quire admin: nothing answers at " + engine + " (is --admin-port set?)");
            return 3;
        }
        catch (final IOException | IllegalArgumentException ex)
        {
            System.err.println("quire admin: cannot reach " + engine + ": " + ex.getMessage());
            return 3;
        }
        System.out.print(response.body());
        return response.statusCode() == 200 ? 0 : 1;
    }
}
