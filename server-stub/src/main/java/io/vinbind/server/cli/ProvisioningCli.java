package io.vinbind.server.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.PrintWriter;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code ./vinbind server provisioning …}: the provisioning runs of a running server, through its HTTP API (the
 * engine and the database belong to the server; with the default H2 database nothing else may open it). Prints the
 * server's JSON answer; an error answer goes to stderr with its status.
 */
@Command(name = "provisioning", mixinStandardHelpOptions = true, sortOptions = false,
    subcommands = {ProvisioningCli.Profiles.class, ProvisioningCli.Jobs.class, ProvisioningCli.Job.class,
        ProvisioningCli.CreateJob.class, ProvisioningCli.CancelJob.class, ProvisioningCli.Campaigns.class,
        ProvisioningCli.Campaign.class, ProvisioningCli.CreateCampaign.class, ProvisioningCli.Control.class},
    description = {"eSIM provisioning on a running server, through its HTTP API: the operator's profile lists, "
        + "jobs (one terminal) and campaigns (many), with their controls.",
        "Needs a token with role provisioning (or admin) for changes, viewer for reads."},
    exitCodeListHeading = "%nExit codes:%n",
    exitCodeList = {"0:done", "1:the server refused or could not be reached (reason on stderr)",
        "2:bad command line"})
final class ProvisioningCli implements Callable<Integer> {

    static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() {
        spec.commandLine().usage(spec.commandLine().getOut());
        return 2;
    }

    /** Where the server is and who is asking. */
    static final class Api {
        @Option(names = "--api", paramLabel = "URL", defaultValue = "http://127.0.0.1:18080",
            description = "The server's HTTP API (default: ${DEFAULT-VALUE}).")
        URI api;

        @Option(names = "--token-file", paramLabel = "FILE", defaultValue = "data/admin.token",
            description = "File holding the bearer token (default: ${DEFAULT-VALUE}, the first admin token).")
        Path tokenFile;

        @Option(names = "--ca-file", paramLabel = "FILE",
            description = "PEM CA certificates the server's TLS certificate chains to (for an https:// API).")
        Path caFile;
    }

    /** One HTTP call, its answer printed. */
    abstract static class Call implements Callable<Integer> {
        @Mixin
        Api api = new Api();

        @CommandLine.Spec
        CommandLine.Model.CommandSpec spec;

        abstract String method();

        abstract String path() throws IOException;

        String contentType() {
            return "application/json";
        }

        byte[] body() throws IOException {
            return null;
        }

        @Override
        public Integer call() {
            PrintWriter out = spec.commandLine().getOut();
            PrintWriter err = spec.commandLine().getErr();
            String name = "vinbind server provisioning " + spec.name();
            try {
                String token = Files.readString(api.tokenFile).strip();
                HttpClient.Builder b = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10));
                if (api.caFile != null) {
                    try {
                        b.sslContext(io.vinbind.server.pki.PemTrust.trusting(api.caFile));
                    } catch (IOException e) {
                        err.println(name + ": --ca-file " + api.caFile + ": " + e.getMessage());
                        return 1;
                    }
                }
                byte[] body = body();
                HttpRequest req = HttpRequest.newBuilder(api.api.resolve(path())).timeout(Duration.ofSeconds(60))
                    .header("Authorization", "Bearer " + token).header("Content-Type", contentType())
                    .method(method(), body == null ? HttpRequest.BodyPublishers.noBody()
                        : HttpRequest.BodyPublishers.ofByteArray(body)).build();
                HttpResponse<byte[]> r = b.build().send(req, HttpResponse.BodyHandlers.ofByteArray());
                JsonNode answer;
                try {
                    answer = JSON.readTree(r.body());
                } catch (IOException e) {
                    err.println(name + ": HTTP " + r.statusCode() + " with a body that is not JSON");
                    return 1;
                }
                if (r.statusCode() >= 300) {
                    err.println(name + ": HTTP " + r.statusCode() + ": " + answer.path("error").asText(answer.toString()));
                    return 1;
                }
                out.println(JSON.writeValueAsString(answer));
                out.flush();
                return 0;
            } catch (NoSuchFileException e) {
                err.println(name + ": no such file: " + e.getFile());
                return 1;
            } catch (IOException e) {
                err.println(name + ": " + api.api + ": " + e.getMessage());
                return 1;
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return 1;
            }
        }
    }

    @Command(name = "import-profiles", mixinStandardHelpOptions = true, description = {"Imports an operator's "
        + "profile list (iccid,imsi,profileType a line) for a platform: all lines or none."})
    static final class Profiles extends Call {
        @Option(names = "--platform", required = true, paramLabel = "ID", description = "The operator platform.")
        String platform;

        @Parameters(index = "0", paramLabel = "FILE.csv")
        Path file;

        String method() {
            return "POST";
        }

        String path() {
            return "/operator/platforms/" + enc(platform) + "/profiles";
        }

        String contentType() {
            return "text/csv";
        }

        byte[] body() throws IOException {
            return Files.readAllBytes(file);
        }
    }

    @Command(name = "jobs", mixinStandardHelpOptions = true, description = "Lists jobs, newest first.")
    static final class Jobs extends Call {
        @Option(names = "--open", description = "Only jobs not finished.")
        boolean open;

        @Option(names = "--terminal", paramLabel = "ID", description = "Only this terminal's.")
        String terminal;

        String method() {
            return "GET";
        }

        String path() {
            return "/provisioning/jobs?open=" + open + (terminal == null ? "" : "&terminal=" + enc(terminal));
        }
    }

    @Command(name = "job", mixinStandardHelpOptions = true, description = "One job and every step it took.")
    static final class Job extends Call {
        @Parameters(index = "0", paramLabel = "JOB_ID")
        long id;

        String method() {
            return "GET";
        }

        String path() {
            return "/provisioning/jobs/" + id;
        }
    }

    @Command(name = "create-job", mixinStandardHelpOptions = true, description = {"Opens a job for one terminal: "
        + "with --platform and --profile-type, that requirement; without, what the configuration library decides."})
    static final class CreateJob extends Call {
        @Option(names = "--terminal", required = true, paramLabel = "ID")
        String terminal;

        @Option(names = "--platform", paramLabel = "ID")
        String platform;

        @Option(names = "--profile-type", paramLabel = "TYPE")
        String profileType;

        @Option(names = "--enable-policy", paramLabel = "POLICY", defaultValue = "ENABLE",
            description = "ENABLE or DOWNLOAD_ONLY (default: ${DEFAULT-VALUE}).")
        String enablePolicy;

        String method() {
            return "POST";
        }

        String path() {
            return "/provisioning/jobs";
        }

        byte[] body() throws IOException {
            ObjectNode b = JSON.createObjectNode().put("terminalId", terminal);
            if (platform != null || profileType != null) {
                if (platform == null || profileType == null) {
                    throw new CommandLine.ParameterException(spec.commandLine(),
                        "--platform and --profile-type go together");
                }
                b.putObject("requirement").put("platform", platform).put("profileType", profileType)
                    .put("enablePolicy", enablePolicy);
            }
            return JSON.writeValueAsBytes(b);
        }
    }

    @Command(name = "cancel-job", mixinStandardHelpOptions = true, description = "Cancels a job that has not started.")
    static final class CancelJob extends Call {
        @Parameters(index = "0", paramLabel = "JOB_ID")
        long id;

        String method() {
            return "POST";
        }

        String path() {
            return "/provisioning/jobs/" + id + "/cancel";
        }
    }

    @Command(name = "campaigns", mixinStandardHelpOptions = true, description = "Lists campaigns with their progress.")
    static final class Campaigns extends Call {
        String method() {
            return "GET";
        }

        String path() {
            return "/provisioning/campaigns";
        }
    }

    @Command(name = "campaign", mixinStandardHelpOptions = true, description = {"One campaign's progress; with "
        + "--terminals the per-terminal report (state, last error, times)."})
    static final class Campaign extends Call {
        @Parameters(index = "0", paramLabel = "CAMPAIGN_ID")
        long id;

        @Option(names = "--terminals", description = "The per-terminal report.")
        boolean terminals;

        @Option(names = "--state", paramLabel = "STATE", description = "With --terminals: only jobs in this state.")
        String state;

        String method() {
            return "GET";
        }

        String path() {
            return "/provisioning/campaigns/" + id + (terminals ? "/terminals" + (state == null ? "" : "?state="
                + enc(state)) : "");
        }
    }

    @Command(name = "create-campaign", mixinStandardHelpOptions = true, description = {"Creates a campaign from a "
        + "JSON definition (docs/provisioning.md, Campaigns); --terminals-csv adds a CSV of terminal ids or EIDs "
        + "(first column) as its \"csv\"."})
    static final class CreateCampaign extends Call {
        @Parameters(index = "0", paramLabel = "CAMPAIGN.json")
        Path definition;

        @Option(names = "--terminals-csv", paramLabel = "FILE.csv")
        Path csv;

        String method() {
            return "POST";
        }

        String path() {
            return "/provisioning/campaigns";
        }

        byte[] body() throws IOException {
            JsonNode d = JSON.readTree(Files.readAllBytes(definition));
            if (!(d instanceof ObjectNode o)) {
                throw new CommandLine.ParameterException(spec.commandLine(), definition + " is not a JSON object");
            }
            if (csv != null) {
                o.put("csv", Files.readString(csv, StandardCharsets.UTF_8));
            }
            return JSON.writeValueAsBytes(o);
        }
    }

    @Command(name = "control", mixinStandardHelpOptions = true, description = {"A campaign's controls: pause, resume, "
        + "cancel, retry-failed."})
    static final class Control extends Call {
        @Parameters(index = "0", paramLabel = "CAMPAIGN_ID")
        long id;

        @Parameters(index = "1", paramLabel = "ACTION", description = "pause, resume, cancel or retry-failed.")
        String action;

        String method() {
            return "POST";
        }

        String path() {
            if (!java.util.Set.of("pause", "resume", "cancel", "retry-failed").contains(action)) {
                throw new CommandLine.ParameterException(spec.commandLine(), "ACTION '" + action
                    + "' is not one of pause, resume, cancel, retry-failed");
            }
            return "/provisioning/campaigns/" + id + "/" + action;
        }
    }

    static String enc(String s) {
        return URLEncoder.encode(s, StandardCharsets.UTF_8);
    }
}
