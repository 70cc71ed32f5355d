/**
 * UICC logical channels through the modem (3GPP TS 27.007 §8.17, §8.43, §8.45, §8.46): open a channel to an
 * application by AID, transmit APDUs on it, close it; over {@code AT+CCHO}/{@code AT+CGLA}/{@code AT+CCHC} or,
 * for modems without them, over {@code AT+CSIM} with MANAGE CHANNEL and SELECT (ETSI TS 102 221 §11.1.17,
 * §11.1.1). APDUs are carried, not understood: only the channel bits of CLA, MANAGE CHANNEL, SELECT and GET
 * RESPONSE are this package's business; what the application makes of the bytes is the caller's.
 *
 * <p>Entry point: {@link io.vinbind.modem.uicc.Uicc#on}, or {@link io.vinbind.modem.Modem#uicc()}.
 */
package io.vinbind.modem.uicc;
