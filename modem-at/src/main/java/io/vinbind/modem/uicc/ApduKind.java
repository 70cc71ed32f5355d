package io.vinbind.modem.uicc;

/**
 * What an APDU is for, which picks its deadline ({@link UiccConfig#timeout(ApduKind)}): modems answer an
 * ordinary APDU within a second or two, but an APDU of a profile download can take minutes on some
 * firmware (the card decrypts and installs while the modem waits), and clean-up must neither give up too
 * early nor hold a terminal forever.
 */
public enum ApduKind {
    /** An ordinary command: channel opening, SELECT, an ES10 query (default deadline 10 s). */
    ORDINARY,
    /** A command of a profile download, e.g. a STORE DATA block of a bound profile package (240 s). */
    DOWNLOAD,
    /** Clean-up: closing a channel (30 s). */
    CLEANUP
}
