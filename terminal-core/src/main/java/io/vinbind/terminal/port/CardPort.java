package io.vinbind.terminal.port;

import java.util.concurrent.CompletableFuture;

/**
 * The card behind the modem, for the eSIM relay: logical channels to an application and command APDUs on them
 * (3GPP TS 27.007 §8.45–8.46 AT+CCHO/CGLA/CCHC, or §8.17 AT+CSIM with MANAGE CHANNEL; ETSI TS 102 221 §10–11).
 *
 * <p>The AT port has one owner at a time: {@link #exclusive} runs its work on the same thread as the binding's modem
 * steps ({@link ModemPort#identify}, {@link ModemPort#attach}), so a batch never interleaves its APDUs with the
 * binding's AT commands. The work starts when the modem is free; the caller decides how long it may wait for that.
 */
public interface CardPort {

    /**
     * Runs {@code work} with the AT port to itself. The future completes with the work's value or exception; cancelling
     * it before the work started means the work never starts ({@link Work#run} is not called).
     */
    <T> CompletableFuture<T> exclusive(Work<T> work);

    /** Work done with the card. */
    @FunctionalInterface
    interface Work<T> {
        T run(Card card) throws Exception;
    }

    /** The card, within {@link #exclusive}. */
    interface Card {
        /**
         * Opens a logical channel and selects {@code aid} on it.
         *
         * @throws CardException {@link CardException.Kind#NO_SUCH_APPLICATION} (not an eUICC, for the ISD-R),
         *     {@link CardException.Kind#CARD_ABSENT}, {@link CardException.Kind#MODEM_ERROR}, {@link CardException.Kind#TIMEOUT}
         */
        Channel open(byte[] aid) throws CardException;

        /**
         * Refreshes the card (a UICC reset through the modem, AT+CFUN=0 then 1, 3GPP TS 27.007 §8.2; every channel is
         * closed by it) and reads IMSI and ICCID again: how a newly enabled profile takes effect.
         *
         * @throws CardException the modem or the card did not come back, or the card has no IMSI (no profile enabled)
         */
        Refreshed refresh() throws CardException;
    }

    /** The card's identity after a refresh. */
    record Refreshed(String imsi, String iccid) {
    }

    /** An open logical channel; use it only inside {@link #exclusive}. */
    interface Channel {
        /** One command APDU; the response's data (joined over GET RESPONSE rounds) and SW1 SW2. */
        byte[] transmit(byte[] commandApdu) throws CardException;

        /** Closes the channel; afterwards it counts as closed whatever the modem answered. */
        void close() throws CardException;

        boolean isOpen();
    }
}
