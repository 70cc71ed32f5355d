package io.vinbind.esim.euicc;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Optional;
import org.tinylog.Logger;

/**
 * The eUICC's non-volatile state: installed profiles, pending notifications with their sequence numbers,
 * the counters, and which profile the network sees. Persisted as JSON to a file, written to a temporary
 * file, forced to disk and renamed over the old one, so a crash leaves either the old or the new state.
 * Without a file it lives in memory only. Not thread-safe: the simulator serialises access.
 */
final class ProfileStore {

    /** What the file holds. */
    record State(List<StoredProfile> profiles, List<Pending> notifications, long nextSeqNumber, int nextIsdp,
                 String activeIccid) {
        State {
            profiles = new ArrayList<>(profiles == null ? List.of() : profiles);
            notifications = new ArrayList<>(notifications == null ? List.of() : notifications);
        }
    }

    /** A pending notification: its sequence number and its DER (base64 in the file). */
    record Pending(long seqNumber, String operation, String der) {
        byte[] bytes() {
            return Base64.getDecoder().decode(der);
        }
    }

    private static final ObjectMapper JSON = new ObjectMapper().configure(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES, true);

    private final Path file;
    private State state;

    ProfileStore(Path file) {
        this.file = file;
        this.state = new State(List.of(), List.of(), 1, 0, null);
        if (file != null && Files.exists(file)) {
            try {
                state = JSON.readValue(file.toFile(), State.class);
                Logger.info("eUICC state loaded from {}: {} profile(s), {} pending notification(s)", file,
                    state.profiles().size(), state.notifications().size());
            } catch (IOException e) {
                throw new UncheckedIOException("eUICC state file " + file + " is unreadable: " + e.getMessage(), e);
            }
        }
    }

    List<StoredProfile> profiles() {
        return List.copyOf(state.profiles());
    }

    Optional<StoredProfile> find(String iccid) {
        return state.profiles().stream().filter(p -> p.iccid().equals(iccid)).findFirst();
    }

    long usedMemory() {
        return state.profiles().stream().mapToLong(StoredProfile::sizeBytes).sum();
    }

    void put(StoredProfile p) {
        List<StoredProfile> l = state.profiles();
        l.removeIf(x -> x.iccid().equals(p.iccid()));
        l.add(p);
    }

    void remove(String iccid) {
        state.profiles().removeIf(x -> x.iccid().equals(iccid));
        if (iccid.equals(state.activeIccid())) {
            setActive(null);
        }
    }

    String active() {
        return state.activeIccid();
    }

    void setActive(String iccid) {
        state = new State(state.profiles(), state.notifications(), state.nextSeqNumber(), state.nextIsdp(), iccid);
    }

    long takeSeqNumber() {
        long seq = state.nextSeqNumber();
        state = new State(state.profiles(), state.notifications(), seq + 1, state.nextIsdp(), state.activeIccid());
        return seq;
    }

    int takeIsdpNumber() {
        int n = state.nextIsdp();
        state = new State(state.profiles(), state.notifications(), state.nextSeqNumber(), n + 1, state.activeIccid());
        return n;
    }

    void addNotification(long seq, String operation, byte[] der) {
        state.notifications().add(new Pending(seq, operation, Base64.getEncoder().encodeToString(der)));
    }

    List<Pending> notifications() {
        return List.copyOf(state.notifications());
    }

    boolean removeNotification(long seq) {
        return state.notifications().removeIf(n -> n.seqNumber() == seq);
    }

    /** Writes the state atomically (no-op without a file). */
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
            throw new UncheckedIOException("eUICC state file " + file + " could not be written: " + e.getMessage(), e);
        }
    }
}
