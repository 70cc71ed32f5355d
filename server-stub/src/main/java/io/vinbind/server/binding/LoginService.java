package io.vinbind.server.binding;

import io.vinbind.protocol.LoginAck;
import io.vinbind.protocol.LoginOutcome;
import io.vinbind.protocol.LoginRequest;
import io.vinbind.protocol.Protocol;
import io.vinbind.protocol.ReasonCode;
import io.vinbind.server.history.HistoryEntry;
import io.vinbind.server.history.HistoryEvent;
import io.vinbind.server.registry.RegistryEntry;
import io.vinbind.server.store.ConflictException;
import io.vinbind.server.store.StoreException;
import java.time.Clock;
import java.time.Instant;
import java.util.Objects;
import java.util.Optional;
import org.tinylog.Logger;

/**
 * The login gate: only an IMSI registered at the factory may log in. An accepted login records time, ICCID
 * and IMEI; an ICCID or IMEI that differs from the registry, and from the previous login, is recorded once as
 * a {@link HistoryEvent#SIM_SWAP} / {@link HistoryEvent#MODEM_SWAP}. Refusals touch nothing stored.
 */
public final class LoginService {

    private final BindingStore store;
    private final Clock clock;

    public LoginService(BindingStore store, Clock clock) {
        this.store = Objects.requireNonNull(store, "store");
        this.clock = Objects.requireNonNull(clock, "clock");
    }

    /**
     * Handles a login that arrived on the topic of {@code topicImsi}.
     *
     * @param source who relayed it, for the history ({@code mqtt:<instance>})
     */
    public LoginResult login(LoginRequest request, String topicImsi, String source) {
        if (!request.imsi().equals(topicImsi)) {
            return refused(request, topicImsi, ReasonCode.IDENTITY_MISMATCH);
        }
        try {
            return store.inTransaction("login of " + request.imsi(), tx -> {
                Optional<RegistryEntry> modem = tx.lockModem(request.imsi());
                if (modem.isEmpty()) {
                    return refused(request, topicImsi, ReasonCode.UNKNOWN_IMSI);
                }
                Optional<StoredAnswer> earlier = tx.answer(request.imsi(), request.requestId(),
                    BindingStore.RequestKind.LOGIN);
                if (earlier.isPresent()) {
                    StoredAnswer a = earlier.get();
                    return new LoginResult(new LoginAck(Protocol.VERSION, request.requestId(), topicImsi,
                        LoginOutcome.valueOf(a.outcome()), a.reason()), true);
                }
                Instant now = clock.instant();
                RegistryEntry entry = modem.get();
                if (differs(entry.modem().iccid(), entry.lastLoginIccid(), request.iccid())) {
                    tx.appendHistory(HistoryEntry.of(HistoryEvent.SIM_SWAP, now, source).imsi(request.imsi())
                        .requestId(request.requestId()).reason("login")
                        .detail("registry ICCID " + entry.modem().iccid().orElse("?") + ", login reported "
                            + request.iccid()).build());
                    Logger.warn("IMSI {} logged in with ICCID {} but the registry has {}", request.imsi(),
                        request.iccid(), entry.modem().iccid().orElse("?"));
                }
                if (differs(entry.modem().imei(), entry.lastLoginImei(), request.imei())) {
                    tx.appendHistory(HistoryEntry.of(HistoryEvent.MODEM_SWAP, now, source).imsi(request.imsi())
                        .requestId(request.requestId()).reason("login")
                        .detail("registry IMEI " + entry.modem().imei().orElse("?") + ", login reported "
                            + request.imei()).build());
                    Logger.warn("IMSI {} logged in with IMEI {} but the registry has {}", request.imsi(),
                        request.imei(), entry.modem().imei().orElse("?"));
                }
                tx.recordLogin(request.imsi(), request.iccid(), request.imei(), now);
                tx.saveAnswer(request.imsi(), request.requestId(), BindingStore.RequestKind.LOGIN,
                    new StoredAnswer("", LoginOutcome.ACCEPTED.name(), ReasonCode.NONE), now);
                return new LoginResult(LoginAck.accepted(request.requestId(), topicImsi), false);
            });
        } catch (ConflictException e) {
            Logger.warn("login {} of {}: {}", request.requestId(), request.imsi(), e.getMessage());
            return refused(request, topicImsi, ReasonCode.CONFLICT_RETRY);
        } catch (StoreException e) {
            Logger.error(e, "login {} of {} failed", request.requestId(), request.imsi());
            return refused(request, topicImsi, ReasonCode.SERVER_ERROR);
        }
    }

    /** Differs from the registry (when it has a value) and from what the previous login already reported. */
    private static boolean differs(Optional<String> registered, Optional<String> lastReported, String reported) {
        return registered.isPresent() && !registered.get().equals(reported)
            && !lastReported.map(reported::equals).orElse(false);
    }

    private static LoginResult refused(LoginRequest request, String topicImsi, ReasonCode reason) {
        return new LoginResult(LoginAck.rejected(request.requestId(), topicImsi, reason), false);
    }
}
