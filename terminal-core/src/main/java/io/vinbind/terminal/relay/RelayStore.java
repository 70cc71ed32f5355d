package io.vinbind.terminal.relay;

import io.vinbind.log.Untrusted;
import io.vinbind.protocol.EsimBatch;
import io.vinbind.protocol.EsimResult;
import io.vinbind.protocol.JsonCodec;
import io.vinbind.protocol.ProtocolException;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalInt;
import org.tinylog.Logger;

/**
 * What makes the relay at most once on the card: in the terminal's data directory ({@value #DIR}/), a batch is marked
 * <em>started</em> (written and fsynced) before its first APDU goes to the modem, and its result is stored (written,
 * fsynced, renamed into place, directory fsynced) before it is published. A batch that arrives again is answered from
 * its stored result; one that was started but has no result (the terminal lost power or crashed in the middle) is
 * answered {@code FAILED/INTERRUPTED} and never run again, because its APDUs may have reached the card.
 *
 * <p>The last {@value #KEPT} results are kept (oldest dropped first): far more than the batches of any download the
 * broker could still redeliver. File names are the hex of the batch id, since a batch id may be {@code ..}.
 *
 * <p>Not thread-safe: the relay's one thread uses it.
 */
final class RelayStore {

    static final String DIR = "relay";
    static final int KEPT = 512;
    private static final String RESULT = ".result";
    private static final String STARTED = ".started";

    private final Path dir;
    /** Session → highest sequence that ran (started or stored). */
    private final Map<String, Integer> lastSequence = new HashMap<>();
    private final Deque<String> order = new ArrayDeque<>();

    private RelayStore(Path dir) {
        this.dir = dir;
    }

    /** Opens (creating) the store under {@code dataDir} and reads what it holds. */
    static RelayStore open(Path dataDir) throws IOException {
        Path dir = Objects.requireNonNull(dataDir, "dataDir").resolve(DIR);
        Files.createDirectories(dir);
        RelayStore store = new RelayStore(dir);
        store.load();
        return store;
    }

    private void load() throws IOException {
        java.util.List<Path> files = new java.util.ArrayList<>();
        try (DirectoryStream<Path> ds = Files.newDirectoryStream(dir)) {
            ds.forEach(files::add);
        }
        files.sort((a, b) -> {
            try {
                return Files.getLastModifiedTime(a).compareTo(Files.getLastModifiedTime(b));
            } catch (IOException e) {
                return 0;
            }
        });
        for (Path f : files) {
            String name = f.getFileName().toString();
            if (name.endsWith(".tmp")) {
                Files.deleteIfExists(f); // a save that did not complete: its result was never published
                continue;
            }
            if (name.endsWith(RESULT)) {
                try {
                    EsimResult r = JsonCodec.decodeEsimResult(Files.readAllBytes(f));
                    note(r.session(), r.sequence());
                    order.add(name.substring(0, name.length() - RESULT.length()));
                } catch (ProtocolException e) {
                    Logger.warn("relay store: {} is unreadable and ignored: {}", f, e.getMessage());
                }
            } else if (name.endsWith(STARTED)) {
                String[] parts = new String(Files.readAllBytes(f), StandardCharsets.US_ASCII).trim().split(" ");
                if (parts.length == 2) {
                    try {
                        note(parts[0], Integer.parseInt(parts[1]));
                    } catch (NumberFormatException e) {
                        Logger.warn("relay store: {} is unreadable: {}", f, Untrusted.escape(e.getMessage(), 100));
                    }
                }
            }
        }
        Logger.info("relay store {}: {} stored results, {} sessions", dir, order.size(), lastSequence.size());
    }

    private void note(String session, int sequence) {
        if (!session.isEmpty()) {
            lastSequence.merge(session, sequence, Math::max);
        }
    }

    private static String key(String batchId) {
        return HexFormat.of().formatHex(batchId.getBytes(StandardCharsets.UTF_8));
    }

    /** The stored result of a batch, if it ran before. */
    Optional<EsimResult> result(String batchId) throws IOException {
        Path f = dir.resolve(key(batchId) + RESULT);
        if (!Files.exists(f)) {
            return Optional.empty();
        }
        try {
            return Optional.of(JsonCodec.decodeEsimResult(Files.readAllBytes(f)));
        } catch (ProtocolException e) {
            throw new IOException("stored result " + f + " is unreadable: " + e.getMessage(), e);
        }
    }

    /** Whether a batch was started and has no result: it was interrupted. */
    boolean startedWithoutResult(String batchId) {
        return Files.exists(dir.resolve(key(batchId) + STARTED));
    }

    /** The highest sequence of {@code session} that ran, if any. */
    OptionalInt lastSequence(String session) {
        Integer s = lastSequence.get(session);
        return s == null ? OptionalInt.empty() : OptionalInt.of(s);
    }

    /** Marks a batch started, durably, before anything of it goes to the card. */
    void markStarted(EsimBatch batch) throws IOException {
        Path f = dir.resolve(key(batch.requestId()) + STARTED);
        write(f, (batch.session() + " " + batch.sequence()).getBytes(StandardCharsets.US_ASCII));
        syncDirectory();
        note(batch.session(), batch.sequence());
    }

    /** Forgets a start mark: the batch turned out to reach nothing on the card (its channel could not be opened). */
    void unmarkStarted(EsimBatch batch) throws IOException {
        Files.deleteIfExists(dir.resolve(key(batch.requestId()) + STARTED));
        syncDirectory();
        // the session's sequence goes back to what the stored results say
        lastSequence.remove(batch.session());
        for (String k : order) {
            result(new String(HexFormat.of().parseHex(k), StandardCharsets.UTF_8))
                .ifPresent(r -> note(r.session(), r.sequence()));
        }
    }

    /** Stores a batch's result durably (then drops its start mark and the oldest results beyond {@value #KEPT}). */
    void save(EsimResult result) throws IOException {
        String k = key(result.requestId());
        Path tmp = dir.resolve(k + RESULT + ".tmp");
        write(tmp, JsonCodec.encode(result));
        Files.move(tmp, dir.resolve(k + RESULT), StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        Files.deleteIfExists(dir.resolve(k + STARTED));
        syncDirectory();
        order.remove(k);
        order.add(k);
        note(result.session(), result.sequence());
        while (order.size() > KEPT) {
            String old = order.removeFirst();
            Files.deleteIfExists(dir.resolve(old + RESULT));
        }
    }

    private static void write(Path f, byte[] data) throws IOException {
        try (FileChannel ch = FileChannel.open(f, StandardOpenOption.CREATE, StandardOpenOption.TRUNCATE_EXISTING,
                StandardOpenOption.WRITE)) {
            ch.write(java.nio.ByteBuffer.wrap(data));
            ch.force(true);
        }
    }

    private void syncDirectory() throws IOException {
        try (FileChannel ch = FileChannel.open(dir, StandardOpenOption.READ)) {
            ch.force(true);
        }
    }
}
