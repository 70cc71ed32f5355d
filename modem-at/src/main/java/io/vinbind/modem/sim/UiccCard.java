package io.vinbind.modem.sim;

import java.util.Objects;
import java.util.Optional;
import java.util.function.Supplier;
import java.util.function.UnaryOperator;

/**
 * The card inside the simulated modem: what {@code AT+CCHO}, {@code AT+CGLA}, {@code AT+CCHC} and
 * {@code AT+CSIM} reach, and what {@code AT+CIMI} and the ICCID commands read. The simulator has a plain USIM of
 * its own (its IMSI and ICCID are the {@link Identity}'s); any other card — an eUICC simulator, a recorded card —
 * comes from outside through this interface, wired by whoever knows both sides (hil-tests, the CLI), so that this
 * module needs to know nothing of what the card is.
 *
 * <p>Plain bytes: {@link #transmit} takes a command APDU and returns the response APDU (data, SW1, SW2). The card
 * is called from the simulator's one thread, one APDU at a time, in the order the modem received them.
 */
public interface UiccCard {

    /** One command APDU in, the response APDU (data followed by SW1 SW2, at least 2 bytes) out; a card refuses by status word, never by exception. */
    byte[] transmit(byte[] commandApdu);

    /** The IMSI of the subscription the network sees now ({@code AT+CIMI}); empty when there is none (an eUICC without an enabled profile). */
    Optional<String> imsi();

    /** The ICCID the modem reports now ({@code AT+CCID}, {@code AT+QCCID}, EF_ICCID through {@code AT+CRSM}); empty when none. */
    Optional<String> iccid();

    /**
     * The card is powered up again: after {@code AT+CFUN=0} then {@code 1}, {@code AT+CFUN=1,1} or any modem reset.
     * Its logical channels are gone; an eUICC now shows the network the profile last enabled (its REFRESH).
     */
    default void powerUp() {
    }

    /** A few words for logs and {@code status}, e.g. {@code "eUICC 89049032…"}. */
    default String description() {
        return "external card";
    }

    /** A card from its parts, e.g. {@code UiccCard.of(euicc::transmit, euicc::enabledImsi, euicc::enabledIccid, euicc::reset, "eUICC")}. */
    static UiccCard of(UnaryOperator<byte[]> transmit, Supplier<Optional<String>> imsi, Supplier<Optional<String>> iccid,
                       Runnable powerUp, String description) {
        Objects.requireNonNull(transmit, "transmit");
        Objects.requireNonNull(imsi, "imsi");
        Objects.requireNonNull(iccid, "iccid");
        Objects.requireNonNull(powerUp, "powerUp");
        Objects.requireNonNull(description, "description");
        return new UiccCard() {
            @Override
            public byte[] transmit(byte[] commandApdu) {
                return transmit.apply(commandApdu);
            }

            @Override
            public Optional<String> imsi() {
                return imsi.get();
            }

            @Override
            public Optional<String> iccid() {
                return iccid.get();
            }

            @Override
            public void powerUp() {
                powerUp.run();
            }

            @Override
            public String description() {
                return description;
            }
        };
    }
}
