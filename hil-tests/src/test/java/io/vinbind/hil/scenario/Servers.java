package io.vinbind.hil.scenario;

import io.vinbind.hil.bench.BenchServer;
import io.vinbind.hil.bench.ServerBackend;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.EnumMap;
import java.util.Map;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.ParameterContext;
import org.junit.jupiter.api.extension.ParameterResolver;
import org.tinylog.Logger;

/**
 * One binding server per backend for the whole test run, started on first use and stopped (with its data
 * directory and PostgreSQL schema) when JUnit closes its root context. Scenarios share it because each
 * uses fresh VINs and IMSIs; starting HiveMQ and migrating a database per scenario would triple the run time.
 */
public final class Servers implements ParameterResolver, ExtensionContext.Store.CloseableResource {

    private final Map<ServerBackend, BenchServer> running = new EnumMap<>(ServerBackend.class);
    private final Map<ServerBackend, Path> dirs = new EnumMap<>(ServerBackend.class);

    /** The shared server on {@code backend}, started now if it is not running yet. */
    public synchronized BenchServer get(ServerBackend backend) {
        BenchServer s = running.get(backend);
        if (s == null) {
            try {
                Path dir = Files.createTempDirectory("vinbind-hil-server-");
                dirs.put(backend, dir);
                s = BenchServer.start(backend, dir);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
            running.put(backend, s);
            Logger.info("shared server for the scenarios: {} (mqtt {}, http {})", backend, s.mqttUri(), s.httpBaseUri());
        } else if (!s.isRunning()) {
            s.restart(); // a scenario stopped it and failed before starting it again
        }
        return s;
    }

    @Override
    public synchronized void close() {
        running.values().forEach(BenchServer::close);
        running.clear();
        dirs.values().forEach(ScenarioSupport::deleteTree);
        dirs.clear();
    }

    @Override
    public boolean supportsParameter(ParameterContext p, ExtensionContext e) {
        return p.getParameter().getType() == Servers.class;
    }

    @Override
    public Object resolveParameter(ParameterContext p, ExtensionContext e) {
        return e.getRoot().getStore(ExtensionContext.Namespace.GLOBAL)
                .getOrComputeIfAbsent(Servers.class, k -> new Servers(), Servers.class);
    }
}
