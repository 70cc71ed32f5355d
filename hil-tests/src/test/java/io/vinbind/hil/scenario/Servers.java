package io.vinbind.hil.scenario;

import io.vinbind.hil.bench.Bench;
import io.vinbind.hil.bench.BenchServer;
import io.vinbind.hil.bench.ServerBackend;
import io.vinbind.hil.bench.ShareGroupProbe;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.ParameterContext;
import org.junit.jupiter.api.extension.ParameterResolver;
import org.junit.jupiter.api.extension.TestExecutionExceptionHandler;
import org.tinylog.Logger;

/**
 * The binding servers scenarios share, as a JUnit parameter ({@code @ExtendWith(Servers.class)}, then a
 * {@code Servers servers} parameter). Scenarios use fresh VINs and IMSIs, so they need no server of their
 * own; starting HiveMQ and migrating a database per scenario would triple the run time.
 *
 * <ul>
 *   <li>the embedded server (own broker, H2) is shared by the whole run and closed when JUnit closes its
 *       root context;</li>
 *   <li>the Mosquitto + PostgreSQL server is shared by one test class and closed after it: every server on
 *       one Mosquitto is in the same shared-subscription group, so a bench server left connected would take
 *       its share of the requests of the next class's (or another test's) server, with a different
 *       database.</li>
 * </ul>
 */
public final class Servers implements ParameterResolver, TestExecutionExceptionHandler,
        ExtensionContext.Store.CloseableResource {

    private static final ExtensionContext.Namespace NS = ExtensionContext.Namespace.create(Servers.class);

    private final Shared shared;
    private BenchServer external;
    private Path externalDir;
    private Optional<String> contention = Optional.empty();

    /** The extension instance JUnit creates. */
    public Servers() {
        this.shared = null;
    }

    private Servers(Shared shared) {
        this.shared = shared;
    }

    /** The server on {@code backend}, started now if it is not running yet. */
    public synchronized BenchServer get(ServerBackend backend) {
        if (backend == ServerBackend.EMBEDDED) {
            return shared.embedded();
        }
        if (external == null) {
            externalDir = tempDir();
            external = BenchServer.start(backend, externalDir);
            Logger.info("class-wide server for the scenarios: {} (http {})", backend, external.httpBaseUri());
            contention = ShareGroupProbe.contention(external, ScenarioSupport.IDS.modem());
            contention.ifPresent(c -> Logger.warn("{}: {}", backend, c));
        } else if (!external.isRunning()) {
            external.start(); // a scenario stopped it and failed before starting it again
        }
        return external;
    }

    /**
     * Why the scenarios cannot trust {@code backend} right now (another server consumes the same requests),
     * or empty. Probed once per class, when its server starts.
     */
    public synchronized Optional<String> contention(ServerBackend backend) {
        get(backend);
        return backend == ServerBackend.EMBEDDED ? Optional.empty() : contention;
    }

    @Override
    public synchronized void close() {
        if (external != null) {
            external.close();
            external = null;
        }
        Bench.deleteTree(externalDir);
    }

    @Override
    public boolean supportsParameter(ParameterContext p, ExtensionContext e) {
        return p.getParameter().getType() == Servers.class;
    }

    @Override
    public Object resolveParameter(ParameterContext p, ExtensionContext e) {
        Shared root = e.getRoot().getStore(NS).getOrComputeIfAbsent(Shared.class, k -> new Shared(), Shared.class);
        return classContext(e).getStore(NS).getOrComputeIfAbsent(Servers.class, k -> new Servers(root),
                Servers.class);
    }

    /**
     * A Mosquitto scenario that failed is probed again: when another binding server consumes the same
     * requests now, the failure says nothing about vinbind and the test is reported as aborted (skipped)
     * with that reason; otherwise the failure stands.
     */
    @Override
    public void handleTestExecutionException(ExtensionContext e, Throwable failure) throws Throwable {
        Servers handle = classContext(e).getStore(NS).get(Servers.class, Servers.class);
        Optional<String> now = Optional.empty();
        if (handle != null && e.getDisplayName().contains("Mosquitto")) {
            now = handle.probeAgain();
        }
        if (now.isPresent()) {
            Logger.warn("{} failed while the broker was shared: {} ({})", e.getDisplayName(), now.get(),
                    failure.toString());
            Assumptions.abort("skipped: " + now.get() + "; the failure was: " + failure.getMessage());
        }
        throw failure;
    }

    private synchronized Optional<String> probeAgain() {
        return external == null || !external.isRunning() ? Optional.empty()
                : ShareGroupProbe.contention(external, ScenarioSupport.IDS.modem());
    }

    private static ExtensionContext classContext(ExtensionContext e) {
        ExtensionContext c = e;
        while (c.getTestMethod().isPresent() && c.getParent().isPresent()) {
            c = c.getParent().get();
        }
        return c;
    }

    private static Path tempDir() {
        try {
            return Files.createTempDirectory("vinbind-hil-server-");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The run-wide embedded server. */
    private static final class Shared implements ExtensionContext.Store.CloseableResource {
        private BenchServer embedded;
        private Path dir;

        synchronized BenchServer embedded() {
            if (embedded == null) {
                dir = tempDir();
                embedded = BenchServer.start(ServerBackend.EMBEDDED, dir);
                Logger.info("run-wide embedded server for the scenarios: mqtt {}, http {}", embedded.mqttUri(),
                        embedded.httpBaseUri());
            } else if (!embedded.isRunning()) {
                embedded.start();
            }
            return embedded;
        }

        @Override
        public synchronized void close() {
            if (embedded != null) {
                embedded.close();
                embedded = null;
            }
            Bench.deleteTree(dir);
        }
    }
}
