package io.vinbind.server.provisioning.lpa;

/**
 * Told each step of a download as it is reached, so that the caller can persist it (a crash after
 * {@link DownloadStep#INITIATED} leaves an RSP session open at both ends that {@link ServerLpa#cancel} can end). Runs
 * on the downloading thread; a listener that throws ends the download like any failure (and the session is cancelled).
 */
@FunctionalInterface
public interface StepListener {

    /** Does nothing. */
    StepListener NONE = (step, transactionId, detail) -> { };

    /**
     * @param step the step just completed
     * @param transactionId the SM-DP+'s transactionId (hex), from the first call on
     * @param detail a short printable note (sizes, the ICCID), for people
     */
    void reached(DownloadStep step, String transactionId, String detail);
}
