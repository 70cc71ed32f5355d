package io.vinbind.server.binding;

import io.vinbind.protocol.Identifiers;
import io.vinbind.server.registry.Modem;
import io.vinbind.server.registry.ModemRegistry;
import io.vinbind.server.registry.RegistryEntry;
import io.vinbind.server.store.StoreException;
import java.time.Clock;
import java.time.Instant;
import java.util.Objects;
import java.util.Optional;
import org.tinylog.Logger;

/**
 * Profile switches the server orders for a terminal (its server-side LPA enables another profile on the terminal's
 * eUICC through the relay). A switch changes the IMSI the terminal logs in and binds with, so the server prepares for
 * it when it orders it:
 *
 * <ul>
 *   <li>the profile's IMSI and ICCID go into the factory registry (the existing rule: only registered IMSIs log in),
 *       with the IMEI and part number of the terminal's current modem, which does not change;</li>
 *   <li>the switch is recorded for the terminal, so that its login with the new IMSI is history
 *       {@code PROFILE_SWITCHED} rather than {@code MODEM_REPLACED}, and its upload with reason
 *       {@code PROFILE_SWITCHED} moves the binding to the new IMSI whatever the rebind policy (the server ordered the
 *       change), recording old and new IMSI and why.</li>
 * </ul>
 * A terminal that uploads {@code PROFILE_SWITCHED} for an IMSI nobody ordered is judged like any other upload.
 */
public final class ProfileSwitches {

    private final BindingStore store;
    private final ModemRegistry registry;
    private final Clock clock;

    public ProfileSwitches(BindingStore store, ModemRegistry registry, Clock clock) {
        this.store = Objects.requireNonNull(store, "store");
        this.registry = Objects.requireNonNull(registry, "registry");
        this.clock = Objects.requireNonNull(clock, "clock");
    }

    /**
     * Orders the switch of {@code terminalId} to the profile with {@code imsi} and {@code iccid}: registers them and
     * records the switch (before the download or the enable is sent).
     *
     * @throws NotFoundException the terminal is unknown or holds no IMSI yet (it never logged in)
     * @throws IllegalArgumentException an identifier is malformed
     */
    public void order(String terminalId, String imsi, String iccid, String operator) throws StoreException,
            NotFoundException {
        Identifiers.requireTerminalId(terminalId);
        Identifiers.requireImsi(imsi);
        Identifiers.requireIccid(iccid);
        Objects.requireNonNull(operator, "operator");
        TerminalRecord terminal = store.read("terminal " + terminalId, tx -> tx.lockTerminal(terminalId))
            .orElseThrow(() -> new NotFoundException("terminal " + terminalId + " is unknown"));
        String current = terminal.imsi().orElseThrow(() -> new NotFoundException("terminal " + terminalId
            + " holds no IMSI (it never logged in): nothing to switch from"));
        Optional<RegistryEntry> modem = registry.find(current);
        Optional<String> imei = modem.flatMap(m -> m.lastLoginImei().or(() -> m.modem().imei()));
        Instant now = clock.instant();
        registry.register(new Modem(imsi, Optional.of(iccid), imei, Optional.of("profile-switch"),
            modem.flatMap(m -> m.modem().partNumber()), now));
        store.inTransaction("profile switch of " + terminalId, tx -> {
            tx.insertProfileSwitch(terminalId, imsi, iccid, now, operator);
            return null;
        });
        Logger.info("profile switch of terminal {} from IMSI {} to IMSI {} (ICCID {}) ordered by {}", terminalId, current,
            imsi, iccid, io.vinbind.log.Untrusted.escape(operator, 64));
    }

    /**
     * Withdraws the open switch of {@code terminalId} to {@code imsi}: the provisioning that ordered it ended before
     * the profile reached the card, so a login with that IMSI must not pass for the switch the server ordered. The
     * registry entry stays (it is overwritten when the profile is ordered for a terminal again).
     *
     * @return true when a switch was open
     */
    public boolean withdraw(String terminalId, String imsi, String operator) throws StoreException {
        boolean was = store.inTransaction("withdraw the profile switch of " + terminalId,
            tx -> tx.withdrawProfileSwitch(terminalId, imsi, clock.instant()));
        if (was) {
            Logger.info("profile switch of terminal {} to IMSI {} withdrawn by {}", terminalId, imsi,
                io.vinbind.log.Untrusted.escape(operator, 64));
        }
        return was;
    }

    /** When the switch of {@code terminalId} to {@code imsi} was ordered, if it is still open. */
    public Optional<Instant> open(String terminalId, String imsi) throws StoreException {
        return store.read("profile switch of " + terminalId, tx -> tx.openProfileSwitch(terminalId, imsi));
    }
}
