package io.vinbind.server.provisioning.lpa;

import io.vinbind.esim.message.CancelSession;

/** Why an RSP session is cancelled: SGP.22 {@code CancelSessionReason} (§5.7.14), sent to the eUICC which signs it. */
public enum CancelReason {
    END_USER_REJECTION(CancelSession.Reason.END_USER_REJECTION),
    POSTPONED(CancelSession.Reason.POSTPONED),
    /** The terminal, its card or the SM-DP+ did not answer in time. */
    TIMEOUT(CancelSession.Reason.TIMEOUT),
    PPR_NOT_ALLOWED(CancelSession.Reason.PPR_NOT_ALLOWED),
    /** The package's metadata is not the profile the SM-DP+ announced in AuthenticateClient. */
    METADATA_MISMATCH(CancelSession.Reason.METADATA_MISMATCH),
    /** Loading the bound profile package failed before the eUICC gave its result. */
    LOAD_BPP_EXECUTION_ERROR(CancelSession.Reason.LOAD_BPP_EXECUTION_ERROR),
    UNDEFINED(CancelSession.Reason.UNDEFINED_REASON);

    private final CancelSession.Reason es10;

    CancelReason(CancelSession.Reason es10) {
        this.es10 = es10;
    }

    /** The ES10 code. */
    public CancelSession.Reason es10() {
        return es10;
    }
}
