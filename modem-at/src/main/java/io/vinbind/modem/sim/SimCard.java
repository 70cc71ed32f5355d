package io.vinbind.modem.sim;

/** The simulated SIM card's state. */
public enum SimCard {
    /** No card: {@code AT+CPIN?} answers {@code +CME ERROR: 10}. */
    ABSENT,
    /** Card locked: {@code +CPIN: SIM PIN} until {@code AT+CPIN="<pin>"}. */
    PIN_LOCKED,
    /** Card ready. */
    READY
}
