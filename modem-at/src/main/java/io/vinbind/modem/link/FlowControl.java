package io.vinbind.modem.link;

/** Serial flow control. Modem AT ports over USB ignore it; UART-attached modems usually want RTS/CTS. */
public enum FlowControl {
    /** No flow control. */
    NONE,
    /** Hardware RTS/CTS. */
    RTS_CTS,
    /** Software XON/XOFF (unsuitable for binary payloads). */
    XON_XOFF
}
