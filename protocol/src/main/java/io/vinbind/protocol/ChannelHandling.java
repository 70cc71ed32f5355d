package io.vinbind.protocol;

/**
 * What the terminal does with the logical channel to the batch's AID (ETSI TS 102 221 §11.1.17 MANAGE CHANNEL,
 * 3GPP TS 27.007 §8.45 AT+CCHO / §8.46 AT+CCHC). A relay session keeps one channel open across its batches,
 * because an ES10 function and a profile download span many batches and the ISD-R keeps its session state per
 * channel (SGP.22 §5.7): closing it between batches would end the download.
 */
public enum ChannelHandling {
    /** Use the session's open channel to the AID (open one first if there is none) and leave it open. */
    KEEP,
    /** As {@link #KEEP}, then close the channel after the batch: the session's last batch. */
    CLOSE,
    /**
     * As {@link #CLOSE}, then refresh the card (AT+CFUN=0 and 1, 3GPP TS 27.007 §8.2: the UICC reset that makes the
     * modem take a newly enabled profile, which a REFRESH proactive command, ETSI TS 102 223 §6.4.7, asks for) and
     * read IMSI and ICCID again: the batch of an EnableProfile (SGP.22 §5.7.16). When the IMSI changed, the terminal's
     * binding follows it with upload reason {@link UploadReason#PROFILE_SWITCHED}. Done only if every APDU ran.
     */
    CLOSE_AND_REFRESH
}
