package io.vinbind.modem;

import java.util.Locale;

/**
 * Vendor differences the terminal cares about: how to read the ICCID and how to bring data up.
 * Everything else is 3GPP TS 27.007.
 */
public enum Dialect {
    /** Plain 27.007: ICCID via {@code AT+CCID}/{@code AT+ICCID} then {@code AT+CRSM}; data via {@code AT+CGDCONT}/{@code AT+CGACT}. */
    GENERIC,
    /** Quectel EC2x/EG25/BG9x: {@code AT+QCCID}; data via {@code AT+QICSGP}/{@code AT+QIACT}; URC {@code +QIURC: "pdpdeact"}. */
    QUECTEL,
    /** SIMCom SIM7x00/SIM800: {@code AT+CICCID} / {@code AT+CCID}; data via {@code AT+CGDCONT}/{@code AT+CGACT}. */
    SIMCOM;

    /** Picks the dialect from {@code AT+CGMI} or {@code ATI} text; {@link #GENERIC} when neither names a known vendor. */
    public static Dialect detect(String identification) {
        String s = identification.toUpperCase(Locale.ROOT);
        if (s.contains("QUECTEL")) {
            return QUECTEL;
        }
        if (s.contains("SIMCOM")) {
            return SIMCOM;
        }
        return GENERIC;
    }
}
