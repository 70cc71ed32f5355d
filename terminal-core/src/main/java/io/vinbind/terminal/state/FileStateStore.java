package io.vinbind.terminal.state;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import org.tinylog.Logger;

/**
 * {@link StateStore} in a data directory:
 * <ul>
 *   <li>{@value #STATE_FILE}: the state ({@link StateFileFormat}), replaced by temp file + fsync + atomic
 *       rename + directory fsync;</li>
 *   <li>{@value #REQUEST_FILE}: a pending service request (its content is the instant it was made), written
 *       the same way by {@code ./vinbind terminal request-bind} — a file of its own so that the command never
 *       races the daemon for the state file;</li>
 *   <li>{@code terminal.state.bad-<millis>}: corrupt state files kept aside for diagnosis (the newest
 *       {@value #KEEP_CORRUPT} are kept).</li>
 * </ul>
 * One process writes the state file at a time: the daemon (which locks the directory).
 */
public final class FileStateStore implements StateStore {

    /** Name of the state file in the data directory. */
    public static final String STATE_FILE = "terminal.state";
    /** Name of the pending service-request file in the data directory. */
    public static final String REQUEST_FILE = "bind-request";
    static final String TEMP_SUFFIX = ".tmp";
    static final String CORRUPT_INFIX = ".bad-";
    static final int KEEP_CORRUPT = 5;

    private final Path dir;
    private final Path stateFile;
    private final Path requestFile;
    private final FileOps ops;
    private final Clock clock;

    /** A store in {@code dir} (created if missing) on the real file system. */
    public FileStateStore(Path dir, Clock clock) throws IOException {
        this(dir, FileOps.REAL, clock);
    }

    FileStateStore(Path dir, FileOps ops, Clock clock) throws IOException {
        this.dir = Objects.requireNonNull(dir, "dir").toAbsolutePath();
        this.ops = Objects.requireNonNull(ops, "ops");
        this.clock = Objects.requireNonNull(clock, "clock");
        Files.createDirectories(this.dir);
        this.stateFile = this.dir.resolve(STATE_FILE);
        this.requestFile = this.dir.resolve(REQUEST_FILE);
    }

    public Path directory() {
        return dir;
    }

    public Path stateFile() {
        return stateFile;
    }

    /** Reads the state file without changing anything on disk. */
    public StateReading read() {
        byte[] bytes;
        try {
            bytes = Files.readAllBytes(stateFile);
        } catch (NoSuchFileException e) {
            return new StateReading.Missing();
        } catch (IOException e) {
            return new StateReading.Corrupt("cannot read " + stateFile + ": " + e);
        }
        try {
            return new StateReading.Present(StateFileFormat.decode(bytes));
        } catch (IllegalArgumentException e) {
            return new StateReading.Corrupt(e.getMessage());
        }
    }

    @Override
    public TerminalState load() {
        StateReading reading = read();
        if (reading instanceof StateReading.Present p) {
            return p.state();
        }
        Instant now = clock.instant();
        if (reading instanceof StateReading.Missing) {
            Logger.info("no state file {}: fresh terminal, VIN-request flag set (ASSEMBLY)", stateFile);
            return TerminalState.fresh(now);
        }
        String problem = ((StateReading.Corrupt) reading).problem();
        Path aside = dir.resolve(STATE_FILE + CORRUPT_INFIX + now.toEpochMilli());
        try {
            ops.moveAtomically(stateFile, aside);
            ops.syncDirectory(dir);
            Logger.error("state file {} is unusable ({}); kept aside as {}; VIN-request flag set (STATE_UNREADABLE)",
                    stateFile, problem, aside.getFileName());
            pruneCorrupt();
        } catch (IOException e) {
            Logger.error(e, "state file {} is unusable ({}) and could not be moved aside; VIN-request flag set",
                    stateFile, problem);
        }
        return new TerminalState(Optional.of(new VinRequest(FlagReason.STATE_UNREADABLE, now)), Optional.empty());
    }

    @Override
    public void save(TerminalState state) throws StateStoreException {
        Objects.requireNonNull(state, "state");
        writeAtomically(stateFile, StateFileFormat.encode(state));
    }

    @Override
    public void requestBinding(Instant at) throws StateStoreException {
        writeAtomically(requestFile, (at.toString() + "\n").getBytes(StandardCharsets.US_ASCII));
    }

    @Override
    public Optional<Instant> pendingServiceRequest() {
        try {
            String text = Files.readString(requestFile, StandardCharsets.US_ASCII).strip();
            return Optional.of(Instant.parse(text));
        } catch (NoSuchFileException e) {
            return Optional.empty();
        } catch (IOException | DateTimeParseException e) {
            // the file's existence is the request; an unreadable time must not make us drop it
            Logger.warn("service request file {} has no readable time ({}); taking it as made now",
                    requestFile, e.getMessage());
            return Optional.of(clock.instant());
        }
    }

    @Override
    public void clearServiceRequest() throws StateStoreException {
        try {
            Files.deleteIfExists(requestFile);
        } catch (IOException e) {
            throw new StateStoreException(StateStoreException.Step.DELETE, requestFile, e);
        }
        try {
            ops.syncDirectory(dir);
        } catch (IOException e) {
            throw new StateStoreException(StateStoreException.Step.SYNC_DIRECTORY, dir, e);
        }
    }

    private void writeAtomically(Path target, byte[] data) throws StateStoreException {
        Path temp = target.resolveSibling(target.getFileName() + TEMP_SUFFIX);
        StateStoreException.Step step = StateStoreException.Step.WRITE_TEMP;
        try {
            ops.write(temp, data);
            step = StateStoreException.Step.SYNC_TEMP;
            ops.sync(temp);
            step = StateStoreException.Step.RENAME;
            ops.moveAtomically(temp, target);
            step = StateStoreException.Step.SYNC_DIRECTORY;
            ops.syncDirectory(dir);
        } catch (IOException e) {
            throw new StateStoreException(step, step == StateStoreException.Step.SYNC_DIRECTORY ? dir : temp, e);
        }
    }

    /** Keeps the newest {@link #KEEP_CORRUPT} corrupt files; the directory holds only a handful of files. */
    private void pruneCorrupt() throws IOException {
        List<Path> bad = new ArrayList<>();
        try (DirectoryStream<Path> ds = Files.newDirectoryStream(dir, STATE_FILE + CORRUPT_INFIX + "*")) {
            for (Path p : ds) {
                bad.add(p);
            }
        }
        bad.sort((a, b) -> Long.compare(millis(b), millis(a)));
        for (Path old : bad.subList(Math.min(KEEP_CORRUPT, bad.size()), bad.size())) {
            Files.deleteIfExists(old);
            Logger.info("removed old corrupt state file {}", old.getFileName());
        }
    }

    private static long millis(Path p) {
        String name = p.getFileName().toString();
        try {
            return Long.parseLong(name.substring(name.lastIndexOf('-') + 1));
        } catch (NumberFormatException e) {
            return Long.MIN_VALUE;
        }
    }
}
