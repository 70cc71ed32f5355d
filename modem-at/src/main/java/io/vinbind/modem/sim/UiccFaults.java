package io.vinbind.modem.sim;

import java.time.Duration;
import java.util.HexFormat;
import java.util.Locale;
import java.util.Objects;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * The card-access pitfalls users report with real modems, for the simulator to show.
 *
 * @param noLogicalChannels    {@code AT+CCHO}, {@code AT+CGLA}, {@code AT+CCHC} (and their {@code =?}) answer
 *                             {@code ERROR}, as on modems that only have {@code AT+CSIM}
 * @param silentTestCommands   {@code =?} test commands get no answer at all (echo only)
 * @param bareChannelNumber    {@code AT+CCHO} answers the bare session id ({@code 1}) instead of {@code +CCHO: 1}
 * @param refusedAids          applications (AIDs in hex) the card behaves as not having: {@code AT+CCHO} to one
 *                             answers {@code +CME ERROR: 13}, a SELECT of one through {@code AT+CSIM} {@code 6A82} — a
 *                             SIM that is not an eUICC, when given the ISD-R's AID
 * @param apduErrorAt          the n-th APDU ({@code AT+CGLA} or {@code AT+CSIM}, counted from 1 since these faults
 *                             were set) reaches the card but is answered with a plain {@code ERROR} — as some firmware
 *                             does in the middle of a profile download; 0 never
 * @param apduDelay            every {@code AT+CGLA} / {@code AT+CSIM} is answered this much later (answers during a
 *                             download take well over 300 ms on some modems)
 */
public record UiccFaults(boolean noLogicalChannels, boolean silentTestCommands, boolean bareChannelNumber,
                         Set<String> refusedAids, int apduErrorAt, Duration apduDelay) {

    /** A modem with working 27.007 channel commands. */
    public static final UiccFaults NONE = new UiccFaults(false, false, false, Set.of(), 0, Duration.ZERO);

    public UiccFaults {
        Objects.requireNonNull(refusedAids, "refusedAids");
        Objects.requireNonNull(apduDelay, "apduDelay");
        refusedAids = refusedAids.stream().map(a -> {
            String u = a.strip().toUpperCase(Locale.ROOT);
            if (u.length() < 10 || u.length() > 32) {
                throw new IllegalArgumentException("an AID has 5-16 bytes (10-32 hex digits): " + a);
            }
            HexFormat.of().parseHex(u);
            return u;
        }).collect(Collectors.toUnmodifiableSet());
        if (apduErrorAt < 0) {
            throw new IllegalArgumentException("apduErrorAt must be >= 0: " + apduErrorAt);
        }
        if (apduDelay.isNegative() || apduDelay.toMinutes() > 10) {
            throw new IllegalArgumentException("apduDelay must be 0..10 min: " + apduDelay);
        }
    }

    public UiccFaults withNoLogicalChannels(boolean on) {
        return new UiccFaults(on, silentTestCommands, bareChannelNumber, refusedAids, apduErrorAt, apduDelay);
    }

    public UiccFaults withSilentTestCommands(boolean on) {
        return new UiccFaults(noLogicalChannels, on, bareChannelNumber, refusedAids, apduErrorAt, apduDelay);
    }

    public UiccFaults withBareChannelNumber(boolean on) {
        return new UiccFaults(noLogicalChannels, silentTestCommands, on, refusedAids, apduErrorAt, apduDelay);
    }

    public UiccFaults withRefusedAids(Set<String> aids) {
        return new UiccFaults(noLogicalChannels, silentTestCommands, bareChannelNumber, aids, apduErrorAt, apduDelay);
    }

    public UiccFaults withApduErrorAt(int n) {
        return new UiccFaults(noLogicalChannels, silentTestCommands, bareChannelNumber, refusedAids, n, apduDelay);
    }

    public UiccFaults withApduDelay(Duration d) {
        return new UiccFaults(noLogicalChannels, silentTestCommands, bareChannelNumber, refusedAids, apduErrorAt, d);
    }
}
