package io.vinbind.esim.smdp;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.tinylog.Logger;

/**
 * The SM-DP+'s orders (one per inventory profile) and RSP sessions, persisted as one JSON file written
 * atomically after every change. A file and not H2: the state is a few records per profile, one process owns
 * it, and a JSON file needs no schema or driver. One-time private keys are never stored: they live only
 * during the getBoundProfilePackage call that uses them. Callers synchronise.
 */
final class SmdpStore {

    /** Profile states (SGP.22 §3.1.1 / ES2+): Available → Allocated/Linked → Confirmed → Released → Downloaded → Installed. */
    enum ProfileState { AVAILABLE, ALLOCATED, LINKED, CONFIRMED, RELEASED, DOWNLOADED, INSTALLED, ERROR, UNAVAILABLE }

    /** One inventory profile with its order. */
    record Order(String iccid, String imsi, String profileType, ProfileState state, String eid, String matchingId,
                 String confirmationCodeHash, long expiresAtMillis, int wrongCodes, String euiccCertificate) {
        Order with(ProfileState s) {
            return new Order(iccid, imsi, profileType, s, eid, matchingId, confirmationCodeHash, expiresAtMillis, wrongCodes,
                euiccCertificate);
        }
    }

    /** An RSP session by transactionId (hex). */
    record Session(String transactionId, String stage, String iccid, String eid, String serverChallenge,
                   String euiccSignature1, String smdpSignature2, boolean ccRequired, String euiccCertificate,
                   long createdMillis) {
    }

    record State(Map<String, Order> orders, Map<String, Session> sessions) {
        State {
            orders = new LinkedHashMap<>(orders == null ? Map.of() : orders);
            sessions = new LinkedHashMap<>(sessions == null ? Map.of() : sessions);
        }
    }

    private static final ObjectMapper JSON = new ObjectMapper().configure(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES, true);

    private final Path file;
    private final State state;

    SmdpStore(Path file, List<InventoryProfile> inventory) {
        this.file = file;
        State loaded = new State(Map.of(), Map.of());
        if (file != null && Files.exists(file)) {
            try {
                loaded = JSON.readValue(file.toFile(), State.class);
                Logger.info("SM-DP+ state loaded from {}: {} order(s), {} session(s)", file, loaded.orders().size(),
                    loaded.sessions().size());
            } catch (IOException e) {
                throw new UncheckedIOException("SM-DP+ state file " + file + " is unreadable: " + e.getMessage(), e);
            }
        }
        state = loaded;
        for (InventoryProfile p : inventory) {
            state.orders().putIfAbsent(p.iccid(), new Order(p.iccid(), p.imsi(), p.profileType(), ProfileState.AVAILABLE,
                null, null, null, 0, 0, null));
        }
    }

    Map<String, Order> orders() {
        return state.orders();
    }

    Map<String, Session> sessions() {
        return state.sessions();
    }

    void save() {
        if (file == null) {
            return;
        }
        try {
            Path dir = file.toAbsolutePath().getParent();
            Files.createDirectories(dir);
            Path tmp = dir.resolve(file.getFileName() + ".tmp");
            byte[] bytes = JSON.writerWithDefaultPrettyPrinter().writeValueAsBytes(state);
            try (var ch = java.nio.channels.FileChannel.open(tmp, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                StandardOpenOption.TRUNCATE_EXISTING)) {
                ch.write(java.nio.ByteBuffer.wrap(bytes));
                ch.force(true);
            }
            try {
                Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            } catch (AtomicMoveNotSupportedException e) {
                Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("SM-DP+ state file " + file + " could not be written: " + e.getMessage(), e);
        }
    }
}
