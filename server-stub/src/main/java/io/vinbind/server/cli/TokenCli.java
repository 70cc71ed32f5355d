package io.vinbind.server.cli;

import io.vinbind.server.auth.ApiTokens;
import io.vinbind.server.auth.Role;
import io.vinbind.server.store.Database;
import io.vinbind.server.store.StoreException;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.time.Clock;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code ./vinbind server token create|list|revoke}: the HTTP API's bearer tokens, straight in the server's
 * database (with the default H2 database, stop the server first, or use the API's {@code /tokens} routes).
 */
@Command(name = "token", mixinStandardHelpOptions = true, sortOptions = false,
    subcommands = {TokenCli.Create.class, TokenCli.ListTokens.class, TokenCli.Revoke.class},
    description = {"Bearer tokens of the HTTP API. Only a SHA-256 of each token is stored; a token is printed "
        + "once, when it is created.",
        "Roles: viewer (reads), after-sales (unbind, holds, identity conflicts, user links), factory (modem "
            + "import), admin (everything, tokens, terminal revocation)."},
    exitCodeListHeading = "%nExit codes:%n",
    exitCodeList = {"0:done", "1:could not (reason on stderr)", "2:bad command line"})
final class TokenCli implements Callable<Integer> {

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() {
        spec.commandLine().usage(spec.commandLine().getOut());
        return 2;
    }

    /** Opens the database, runs the action, says why on stderr when it cannot. */
    abstract static class WithDatabase implements Callable<Integer> {
        @Mixin
        ServerCli.StorageOptions storage = new ServerCli.StorageOptions();

        @CommandLine.Spec
        CommandLine.Model.CommandSpec spec;

        abstract int run(ApiTokens tokens, PrintWriter out, PrintWriter err) throws StoreException;

        @Override
        public Integer call() {
            PrintWriter err = spec.commandLine().getErr();
            try {
                if (storage.dbUrl == null) {
                    Files.createDirectories(storage.dataDir);
                }
                try (Database db = Database.open(storage.settingsOrH2())) {
                    int rc = run(new ApiTokens(db, Clock.systemUTC()), spec.commandLine().getOut(), err);
                    spec.commandLine().getOut().flush();
                    return rc;
                }
            } catch (IOException | StoreException e) {
                err.println("vinbind server token: " + e.getMessage());
                return 1;
            } catch (IllegalArgumentException e) {
                err.println("vinbind server token: " + e.getMessage());
                return 2;
            }
        }
    }

    @Command(name = "create", mixinStandardHelpOptions = true, description = "Creates a token and prints it (once).")
    static final class Create extends WithDatabase {
        @Option(names = "--name", required = true, paramLabel = "NAME",
            description = "Who holds it: the operator recorded in the history (1-64 of A-Z a-z 0-9 . _ @ + -).")
        String name;

        @Option(names = "--role", required = true, paramLabel = "ROLE", description = "viewer, after-sales, factory, provisioning, operator-platform or admin.")
        String role;

        @Override
        int run(ApiTokens tokens, PrintWriter out, PrintWriter err) throws StoreException {
            ApiTokens.NewToken t = tokens.create(name, Role.parse(role), "cli:" + System.getProperty("user.name", "?"));
            out.println(t.token());
            err.println("token '" + t.name() + "' (" + t.role().label() + ") created; it is not shown again");
            return 0;
        }
    }

    @Command(name = "list", mixinStandardHelpOptions = true, description = "Lists tokens: name, role, created, revoked.")
    static final class ListTokens extends WithDatabase {
        @Override
        int run(ApiTokens tokens, PrintWriter out, PrintWriter err) throws StoreException {
            for (ApiTokens.TokenInfo t : tokens.list()) {
                out.printf("%-24s %-12s created %s by %s%s%n", t.name(), t.role().label(), t.createdAt(), t.createdBy(),
                    t.revokedAt().map(r -> ", revoked " + r).orElse(""));
            }
            return 0;
        }
    }

    @Command(name = "revoke", mixinStandardHelpOptions = true, description = "Revokes a token at once, on every instance.")
    static final class Revoke extends WithDatabase {
        @Parameters(index = "0", paramLabel = "NAME")
        String name;

        @Override
        int run(ApiTokens tokens, PrintWriter out, PrintWriter err) throws StoreException {
            if (!tokens.revoke(name)) {
                err.println("vinbind server token revoke: no live token named '" + name + "'");
                return 1;
            }
            out.println("revoked " + name);
            return 0;
        }
    }
}
