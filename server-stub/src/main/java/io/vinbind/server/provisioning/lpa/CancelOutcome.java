package io.vinbind.server.provisioning.lpa;

/**
 * What became of a cancellation at each end.
 *
 * @param cardCancelled the eUICC ended the session and signed the cancellation (ES10b CancelSession)
 * @param smdpCancelled the SM-DP+ took the signed cancellation (ES9+ CancelSession answered success)
 * @param detail what happened at each end, for people and logs (e.g. the card knew no such session)
 */
public record CancelOutcome(boolean cardCancelled, boolean smdpCancelled, String detail) {
}
