package io.vinbind.esim.es10;

import java.io.IOException;

/**
 * Whatever carries a command APDU to the card and its response (data and SW1 SW2) back: an eUICC simulator
 * directly, AT+CGLA / AT+CSIM through a modem, or a relay through a terminal. Plain bytes both ways.
 */
@FunctionalInterface
public interface ApduTransport {

    /** Sends one command APDU and returns the response APDU (data followed by SW1 SW2). */
    byte[] transmit(byte[] commandApdu) throws IOException;
}
