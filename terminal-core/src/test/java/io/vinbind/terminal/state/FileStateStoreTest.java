package io.vinbind.terminal.state;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Optional;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

class FileStateStoreTest {

    static final Instant NOW = Instant.parse("2026-11-22T12:00:00Z");
    static final BoundIdentity OLD = StateFileFormatTest.BOUND;
    static final BoundIdentity NEW = new BoundIdentity("LSVAU218XN2183294", "460001234567899",
            "89860012345678901299", "356938035643817", Instant.parse("2026-11-22T12:30:00Z"));

    @TempDir
    Path dir;

    private final Clock clock = Clock.fixed(NOW, ZoneOffset.UTC);

    private FileStateStore store() throws IOException {
        return new FileStateStore(dir, clock);
    }

    @Test
    void missing_file_means_fresh_terminal_with_flag_set_for_assembly() throws IOException {
        TerminalState s = store().load();
        assertEquals(Optional.of(new VinRequest(FlagReason.ASSEMBLY, NOW)), s.vinRequest());
        assertTrue(s.lastBound().isEmpty());
        assertInstanceOf(StateReading.Missing.class, store().read());
    }

    @Test
    void saved_state_is_loaded_back_by_a_new_store() throws IOException {
        TerminalState s = TerminalState.bound(OLD).withFlag(FlagReason.VIN_CHANGED, NOW);
        store().save(s);
        assertEquals(s, store().load());
        assertFalse(Files.exists(dir.resolve(FileStateStore.STATE_FILE + FileStateStore.TEMP_SUFFIX)));
    }

    @Test
    void corrupt_file_means_flag_set_and_is_kept_aside_byte_for_byte() throws IOException {
        byte[] garbage = "format=1\nflag=clear\nbound.vin=1M8GDM9A".getBytes(StandardCharsets.UTF_8);
        Files.write(dir.resolve(FileStateStore.STATE_FILE), garbage);
        assertInstanceOf(StateReading.Corrupt.class, store().read());

        TerminalState s = store().load();

        assertEquals(Optional.of(new VinRequest(FlagReason.STATE_UNREADABLE, NOW)), s.vinRequest());
        assertTrue(s.lastBound().isEmpty());
        Path aside = dir.resolve(FileStateStore.STATE_FILE + FileStateStore.CORRUPT_INFIX + NOW.toEpochMilli());
        assertArrayEquals(garbage, Files.readAllBytes(aside));
        assertFalse(Files.exists(dir.resolve(FileStateStore.STATE_FILE)));
    }

    @Test
    void keeps_only_the_newest_corrupt_files() throws IOException {
        for (int i = 0; i < FileStateStore.KEEP_CORRUPT + 3; i++) {
            Files.writeString(dir.resolve(FileStateStore.STATE_FILE), "junk " + i);
            Instant t = NOW.plusSeconds(i);
            new FileStateStore(dir, Clock.fixed(t, ZoneOffset.UTC)).load();
        }
        List<String> kept;
        try (Stream<Path> files = Files.list(dir)) {
            kept = files.map(p -> p.getFileName().toString()).filter(n -> n.contains(".bad-")).sorted().toList();
        }
        assertEquals(FileStateStore.KEEP_CORRUPT, kept.size());
        assertEquals(FileStateStore.STATE_FILE + ".bad-" + NOW.plusSeconds(3).toEpochMilli(), kept.get(0));
    }

    @ParameterizedTest
    @EnumSource(value = StateStoreException.Step.class, names = {"WRITE_TEMP", "SYNC_TEMP", "RENAME"})
    void failure_before_the_rename_leaves_the_previous_state(StateStoreException.Step step) throws IOException {
        TerminalState previous = TerminalState.bound(OLD);
        store().save(previous);
        FileStateStore faulty = new FileStateStore(dir, new FaultyFileOps(step, false), clock);

        StateStoreException e = assertThrows(StateStoreException.class,
                () -> faulty.save(TerminalState.bound(NEW)));

        assertEquals(step, e.step());
        assertTrue(e.getMessage().contains("failed at " + step), e.getMessage());
        assertEquals(previous, store().load());
    }

    @Test
    void failure_at_directory_sync_leaves_the_new_state_visible() throws IOException {
        store().save(TerminalState.bound(OLD));
        FileStateStore faulty =
                new FileStateStore(dir, new FaultyFileOps(StateStoreException.Step.SYNC_DIRECTORY, false), clock);

        StateStoreException e = assertThrows(StateStoreException.class,
                () -> faulty.save(TerminalState.bound(NEW)));

        assertEquals(StateStoreException.Step.SYNC_DIRECTORY, e.step());
        assertEquals(TerminalState.bound(NEW), store().load());
    }

    @Test
    void torn_temp_file_from_a_power_cut_is_ignored_and_replaced_by_the_next_save() throws IOException {
        TerminalState previous = TerminalState.bound(OLD);
        store().save(previous);
        FileStateStore torn =
                new FileStateStore(dir, new FaultyFileOps(StateStoreException.Step.WRITE_TEMP, true), clock);
        assertThrows(StateStoreException.class, () -> torn.save(TerminalState.bound(NEW)));
        Path temp = dir.resolve(FileStateStore.STATE_FILE + FileStateStore.TEMP_SUFFIX);
        assertTrue(Files.size(temp) > 0, "torn temp file left behind");

        assertEquals(previous, store().load());
        store().save(TerminalState.bound(NEW));
        assertEquals(TerminalState.bound(NEW), store().load());
        assertFalse(Files.exists(temp));
    }

    @Test
    void unreadable_file_is_treated_like_a_corrupt_one() throws IOException {
        // a directory where the file should be: reading fails with an I/O error, not a parse error
        Files.createDirectory(dir.resolve(FileStateStore.STATE_FILE));
        StateReading.Corrupt c = assertInstanceOf(StateReading.Corrupt.class, store().read());
        assertTrue(c.problem().startsWith("cannot read"), c.problem());
        assertEquals(FlagReason.STATE_UNREADABLE, store().load().vinRequest().orElseThrow().reason());
    }

    @Test
    void service_request_waits_in_its_own_file_until_cleared() throws IOException {
        FileStateStore s = store();
        assertEquals(Optional.empty(), s.pendingServiceRequest());
        s.requestBinding(NOW.plusSeconds(5));
        s.requestBinding(NOW.plusSeconds(9)); // a second request before it is taken counts as one
        assertEquals(Optional.of(NOW.plusSeconds(9)), store().pendingServiceRequest());
        s.clearServiceRequest();
        assertEquals(Optional.empty(), store().pendingServiceRequest());
        s.clearServiceRequest(); // idempotent
    }

    @Test
    void service_request_with_garbled_time_still_counts() throws IOException {
        Files.writeString(dir.resolve(FileStateStore.REQUEST_FILE), "yesterday");
        assertEquals(Optional.of(NOW), store().pendingServiceRequest());
    }

    @Test
    void a_set_flag_keeps_its_first_reason() {
        TerminalState s = TerminalState.fresh(NOW).withFlag(FlagReason.VIN_CHANGED, NOW.plusSeconds(60));
        assertEquals(new VinRequest(FlagReason.ASSEMBLY, NOW), s.vinRequest().orElseThrow());
    }

    @Test
    void bound_identity_names_the_field_that_is_malformed() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> new BoundIdentity("1M8GDM9AXKP042788", "46000ABC", "89860012345678901234",
                        "356938035643809", NOW));
        assertEquals("imsi '46000ABC' is not 6-15 decimal digits (3GPP TS 23.003)", e.getMessage());
    }
}
