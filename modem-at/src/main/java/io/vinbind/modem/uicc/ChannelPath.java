package io.vinbind.modem.uicc;

/** How APDUs reach the card through the modem. */
public enum ChannelPath {
    /**
     * Try {@link #LOGICAL_CHANNEL} first; if the modem lacks {@code AT+CCHO} (it answers a plain
     * {@code ERROR} or {@code +CME ERROR: 4}), use {@link #CSIM} — and remember which one worked. Never
     * relies on {@code =?} test commands, which some modems do not answer at all.
     */
    AUTO,
    /** {@code AT+CCHO="<AID>"}, {@code AT+CGLA=<session>,<length>,"<APDU>"}, {@code AT+CCHC=<session>} (27.007 §8.43, §8.45, §8.46). */
    LOGICAL_CHANNEL,
    /**
     * {@code AT+CSIM=<length>,"<APDU>"} (27.007 §8.17) carrying MANAGE CHANNEL {@code 00 70 00 00 01}, a SELECT
     * by AID with the channel in CLA, the APDUs, and MANAGE CHANNEL close {@code 00 70 80 <ch> 00}.
     */
    CSIM
}
