package io.vinbind.server.provisioning.lpa;

/** The steps of a profile download (SGP.22 §3.1.3) after which {@link StepListener#reached} is called. */
public enum DownloadStep {
    /** ES9+ InitiateAuthentication answered: the SM-DP+ opened the RSP session (the transactionId is known). */
    INITIATED,
    /** ES10b AuthenticateServer and ES9+ AuthenticateClient passed: the SM-DP+ accepted the eUICC and the order. */
    AUTHENTICATED,
    /** ES10b PrepareDownload answered: the eUICC signed its one-time key. */
    PREPARED,
    /** ES9+ GetBoundProfilePackage answered: the package is here (not yet on the card). */
    BPP_RECEIVED,
    /** The package loaded and the eUICC's ProfileInstallationResult says success. */
    LOADED
}
