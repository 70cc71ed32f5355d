package io.vinbind.terminal.machine;

import io.vinbind.protocol.BindRequest;
import io.vinbind.protocol.LoginRequest;
import io.vinbind.terminal.port.BindingUplink;
import io.vinbind.terminal.port.ModemIdentity;
import io.vinbind.terminal.port.ModemPort;
import io.vinbind.terminal.port.VinReader;
import io.vinbind.terminal.state.StateStore;
import io.vinbind.terminal.state.StateStoreException;
import io.vinbind.terminal.state.TerminalState;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.function.Supplier;

/** Scripted stand-ins for the ports: each records what the machine asked and answers as the test says. */
final class Fakes {

    private Fakes() {
    }

    /** The smart-key ECU: answers from a script; with an empty script it stays silent (future never completes). */
    static final class FakeVinReader implements VinReader {
        final Deque<Supplier<CompletableFuture<String>>> script = new ArrayDeque<>();
        final List<CompletableFuture<String>> issued = new ArrayList<>();
        Supplier<CompletableFuture<String>> otherwise = CompletableFuture::new;

        FakeVinReader answer(String... vins) {
            for (String v : vins) {
                script.add(() -> CompletableFuture.completedFuture(v));
            }
            return this;
        }

        FakeVinReader fail(Throwable t) {
            script.add(() -> CompletableFuture.failedFuture(t));
            return this;
        }

        FakeVinReader silent() {
            script.add(CompletableFuture::new);
            return this;
        }

        FakeVinReader always(String vin) {
            otherwise = () -> CompletableFuture.completedFuture(vin);
            return this;
        }

        @Override
        public CompletableFuture<String> readVin() {
            CompletableFuture<String> f = (script.isEmpty() ? otherwise : script.poll()).get();
            issued.add(f);
            return f;
        }
    }

    /** The modem: identity and attach answered by replaceable suppliers; events injected by the test. */
    static final class FakeModem implements ModemPort {
        Supplier<CompletableFuture<ModemIdentity>> identify;
        Supplier<CompletableFuture<Void>> attach = () -> CompletableFuture.completedFuture(null);
        final List<CompletableFuture<?>> issued = new ArrayList<>();
        ModemEvents listener;
        int identifyCalls;
        int attachCalls;

        FakeModem(ModemIdentity id) {
            identify = () -> CompletableFuture.completedFuture(id);
        }

        @Override
        public CompletableFuture<ModemIdentity> identify() {
            identifyCalls++;
            CompletableFuture<ModemIdentity> f = identify.get();
            issued.add(f);
            return f;
        }

        @Override
        public CompletableFuture<Void> attach() {
            attachCalls++;
            CompletableFuture<Void> f = attach.get();
            issued.add(f);
            return f;
        }

        @Override
        public void setListener(ModemEvents listener) {
            this.listener = listener;
        }
    }

    /** The broker and server: connects as told, records publishes; acks are sent by the test. */
    static class FakeUplink implements BindingUplink {
        /** The terminal id the fake "authenticates" as. */
        static final String TERMINAL_ID = "TBOX-0001";

        Supplier<CompletableFuture<Void>> connect = () -> CompletableFuture.completedFuture(null);
        Supplier<CompletableFuture<Void>> publish = () -> CompletableFuture.completedFuture(null);
        int connects;
        final List<LoginRequest> logins = new ArrayList<>();
        final List<BindRequest> binds = new ArrayList<>();
        final List<CompletableFuture<?>> issued = new ArrayList<>();
        int disconnects;
        Listener listener;

        @Override
        public String terminalId() {
            return TERMINAL_ID;
        }

        @Override
        public CompletableFuture<Void> connect() {
            connects++;
            CompletableFuture<Void> f = connect.get();
            issued.add(f);
            return f;
        }

        @Override
        public CompletableFuture<Void> publishLogin(LoginRequest request) {
            logins.add(request);
            return publish.get();
        }

        @Override
        public CompletableFuture<Void> publishBind(BindRequest request) {
            binds.add(request);
            return publish.get();
        }

        @Override
        public void disconnect() {
            disconnects++;
        }

        @Override
        public void setListener(Listener listener) {
            this.listener = listener;
        }

        LoginRequest lastLogin() {
            return logins.get(logins.size() - 1);
        }

        BindRequest lastBind() {
            return binds.get(binds.size() - 1);
        }
    }

    /** A state store in memory that keeps every saved state and can be told to fail. */
    static final class MemoryStateStore implements StateStore {
        TerminalState current;
        final List<TerminalState> saved = new ArrayList<>();
        Optional<Instant> request = Optional.empty();
        boolean failSaves;
        boolean failRequests;

        MemoryStateStore(TerminalState initial) {
            this.current = initial;
        }

        @Override
        public TerminalState load() {
            return current;
        }

        @Override
        public void save(TerminalState state) throws StateStoreException {
            if (failSaves) {
                throw new StateStoreException(StateStoreException.Step.SYNC_TEMP, Path.of("terminal.state.tmp"),
                        new java.io.IOException("injected: Input/output error"));
            }
            current = state;
            saved.add(state);
        }

        @Override
        public void requestBinding(Instant at) throws StateStoreException {
            if (failRequests) {
                throw new StateStoreException(StateStoreException.Step.WRITE_TEMP, Path.of("bind-request.tmp"),
                        new java.io.IOException("injected: No space left on device"));
            }
            request = Optional.of(at);
        }

        @Override
        public Optional<Instant> pendingServiceRequest() {
            return request;
        }

        @Override
        public void clearServiceRequest() {
            request = Optional.empty();
        }
    }
}
