package io.vinbind.server.provisioning.lpa;

import java.util.Objects;
import java.util.Optional;

/**
 * An LPA operation that failed, with what a caller needs to decide: where ({@link #step()}), how far a download got
 * ({@link #reached()}), a short machine-readable {@link #code()}, whether trying again may help ({@link #retryable()}:
 * relay or network trouble, SM-DP+ 5xx, a busy modem), and for a download what its cancellation did
 * ({@link #cancelled()}).
 *
 * <p>Codes: {@code SMDP_REFUSED:<subject>/<reason>}, {@code SMDP_UNAVAILABLE:<what>}, {@code SMDP_BAD_ANSWER},
 * {@code EUICC_REFUSED:<ES10 error>}, {@code INSTALL_FAILED:<bppCommandId>/<errorReason>}, {@code CARD:<SW>},
 * {@code CARD_MALFORMED}, {@code RELAY_TIMEOUT}, {@code RELAY_REFUSED:<reason>}, {@code RELAY_FAILED:<reason>},
 * {@code NOT_AN_EUICC}, {@code METADATA_MISMATCH}, {@code NO_INSTALLATION_RESULT}, {@code TRANSACTION_MISMATCH},
 * {@code BAD_REQUEST}, {@code LISTENER}.
 */
public final class LpaException extends Exception {

    private final String step;
    private final DownloadStep reached;
    private final String transactionId;
    private final boolean retryable;
    private final String code;
    private final CancelOutcome cancelled;

    LpaException(String step, DownloadStep reached, String transactionId, boolean retryable, String code,
                 String message, CancelOutcome cancelled, Throwable cause) {
        super(step + ": " + message + (cancelled == null ? "" : " (cancel: " + cancelled.detail() + ")"), cause);
        this.step = Objects.requireNonNull(step, "step");
        this.reached = reached;
        this.transactionId = transactionId;
        this.retryable = retryable;
        this.code = Objects.requireNonNull(code, "code");
        this.cancelled = cancelled;
    }

    /** Where it failed: the function (e.g. {@code ES10b.PrepareDownload}, {@code ES9+.authenticateClient}). */
    public String step() {
        return step;
    }

    /** The last download step reached before the failure (empty: none, or not a download). */
    public Optional<DownloadStep> reached() {
        return Optional.ofNullable(reached);
    }

    /** The SM-DP+'s transactionId once InitiateAuthentication answered. */
    public Optional<String> transactionId() {
        return Optional.ofNullable(transactionId);
    }

    /** Whether the same operation may succeed later (relay/network trouble, SM-DP+ 5xx, modem busy). */
    public boolean retryable() {
        return retryable;
    }

    /** A short machine-readable reason (see the class comment). */
    public String code() {
        return code;
    }

    /** What the cancellation of the download did, or null when nothing was cancelled (nothing open, not a download). */
    public CancelOutcome cancelled() {
        return cancelled;
    }

    /** The same failure with the cancellation's outcome and the download's progress. */
    LpaException during(DownloadStep lastReached, String tid, CancelOutcome outcome) {
        String own = getMessage();
        String plain = own.startsWith(step + ": ") ? own.substring(step.length() + 2) : own;
        LpaException e = new LpaException(step, lastReached, tid, retryable, code, plain, outcome, getCause());
        e.setStackTrace(getStackTrace());
        return e;
    }
}
