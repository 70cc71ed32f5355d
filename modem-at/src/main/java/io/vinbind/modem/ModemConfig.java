package io.vinbind.modem;

import io.vinbind.modem.uicc.UiccConfig;
import java.time.Duration;
import java.util.Objects;
import java.util.Optional;

/**
 * Modem settings.
 *
 * @param dialect          the vendor dialect, or empty to detect it from {@code AT+CGMI}/{@code ATI}
 * @param contextId        the PDP context / Quectel context id used for data (1..16)
 * @param registrationPoll how often {@link Modem#awaitRegistration} polls between URCs
 * @param dataTimeout      bound for activating/deactivating data; Quectel documents 150 s for
 *                         {@code AT+QIACT}, 27.007 networks answer {@code AT+CGACT} in a similar time
 * @param uicc             the card's logical channels ({@link Modem#uicc()}): path and deadlines
 */
public record ModemConfig(Optional<Dialect> dialect, int contextId, Duration registrationPoll, Duration dataTimeout,
                          UiccConfig uicc) {

    public static final ModemConfig DEFAULT =
            new ModemConfig(Optional.empty(), 1, Duration.ofSeconds(2), Duration.ofSeconds(150), UiccConfig.DEFAULT);

    public ModemConfig {
        Objects.requireNonNull(dialect, "dialect");
        Objects.requireNonNull(registrationPoll, "registrationPoll");
        Objects.requireNonNull(dataTimeout, "dataTimeout");
        Objects.requireNonNull(uicc, "uicc");
        if (contextId < 1 || contextId > 16) {
            throw new IllegalArgumentException("context id must be 1..16: " + contextId);
        }
        if (registrationPoll.toMillis() < 10 || registrationPoll.toSeconds() > 60) {
            throw new IllegalArgumentException("registrationPoll must be 10 ms..60 s: " + registrationPoll);
        }
        if (dataTimeout.toMillis() < 10 || dataTimeout.toMinutes() > 10) {
            throw new IllegalArgumentException("dataTimeout must be 10 ms..10 min: " + dataTimeout);
        }
    }

    /** Without UICC settings: {@link UiccConfig#DEFAULT}. */
    public ModemConfig(Optional<Dialect> dialect, int contextId, Duration registrationPoll, Duration dataTimeout) {
        this(dialect, contextId, registrationPoll, dataTimeout, UiccConfig.DEFAULT);
    }

    public ModemConfig withDialect(Dialect d) {
        return new ModemConfig(Optional.of(d), contextId, registrationPoll, dataTimeout, uicc);
    }

    public ModemConfig withRegistrationPoll(Duration d) {
        return new ModemConfig(dialect, contextId, d, dataTimeout, uicc);
    }

    public ModemConfig withDataTimeout(Duration d) {
        return new ModemConfig(dialect, contextId, registrationPoll, d, uicc);
    }

    public ModemConfig withContextId(int id) {
        return new ModemConfig(dialect, id, registrationPoll, dataTimeout, uicc);
    }

    public ModemConfig withUicc(UiccConfig u) {
        return new ModemConfig(dialect, contextId, registrationPoll, dataTimeout, u);
    }
}
