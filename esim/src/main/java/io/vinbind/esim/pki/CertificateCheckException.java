package io.vinbind.esim.pki;

/** An RSP certificate chain does not hold; {@link #reason()} says which rule broke. */
public final class CertificateCheckException extends Exception {

    /** Which rule of the SGP.22 chain check failed. */
    public enum Reason {
        /** No trusted CI has the key identifier the chain names (ciPKUnknown). */
        CI_UNKNOWN,
        /** The EUM certificate's signature, policy or role is wrong. */
        EUM_INVALID,
        EUM_EXPIRED,
        /** The eUICC certificate's signature, policy or subject is wrong. */
        EUICC_INVALID,
        EUICC_EXPIRED,
        /** The eUICC's EID is outside the EUM's name constraint (SGP.22 §4.5.2.1.0.2). */
        EID_OUT_OF_RANGE,
        /** A server (DPauth, DPpb, DPtls) certificate's signature, policy or role is wrong. */
        SERVER_INVALID,
        SERVER_EXPIRED,
        /** Not a certificate at all. */
        MALFORMED
    }

    private final Reason reason;

    public CertificateCheckException(Reason reason, String message) {
        super(message);
        this.reason = reason;
    }

    public Reason reason() {
        return reason;
    }
}
