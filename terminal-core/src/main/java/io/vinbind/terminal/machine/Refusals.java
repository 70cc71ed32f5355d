package io.vinbind.terminal.machine;

import io.vinbind.protocol.ReasonCode;

/**
 * What each {@link ReasonCode} of a refused login or bind means for the person reading the terminal's log in
 * a workshop: what the server saw, and what happens next (the terminal retries by itself when the code
 * {@link ReasonCode#isRetryable() is retryable}, otherwise it waits for the next power-mode transition or a
 * service request, flag kept).
 */
final class Refusals {

    private Refusals() {
    }

    /** One clause, no trailing period; {@code terminalId} is the terminal's own (its certificate's CN). */
    static String meaning(ReasonCode reason, String terminalId) {
        return switch (reason) {
            case NONE -> "no problem reported";
            case MALFORMED_PAYLOAD -> "the server could not read the request: terminal and server software do not "
                    + "match, a software update is needed";
            case PAYLOAD_TOO_LARGE -> "the server found the request too large: terminal and server software do not "
                    + "match, a software update is needed";
            case UNSUPPORTED_VERSION -> "the server does not speak this terminal's protocol version: terminal and "
                    + "server software do not match, a software update is needed";
            case IDENTITY_MISMATCH -> "the request named another terminal than the one this connection "
                    + "authenticated as (" + terminalId + "): a software fault";
            case IDENTITY_CONFLICT -> "refused: this modem's identities (IMSI, ICCID or IMEI) contradict the "
                    + "server's records for terminal " + terminalId + ", e.g. the SIM is registered to another "
                    + "terminal; an operator must correct the registry, then request a binding again";
            case IDENTITY_HELD -> "held for an operator: this modem's identities (IMSI, ICCID or IMEI) differ from "
                    + "the server's records for terminal " + terminalId + " (a replaced modem or SIM?); the "
                    + "terminal retries until an operator approves";
            case TERMINAL_REVOKED -> "refused: the server has revoked terminal " + terminalId + " (revocation is by"
                    + " terminal id, so a new certificate for the same id is refused too); the head unit needs a new"
                    + " terminal id and certificate from the terminal factory or after-sales, retrying cannot help";
            case UNKNOWN_IMSI -> "the SIM's IMSI is not in the server's factory registry";
            case NOT_LOGGED_IN -> "the server has no accepted login for this IMSI; the next attempt logs in again";
            case INVALID_VIN -> "the server judged the VIN read from the vehicle invalid";
            case REBIND_REJECTED -> "the deployment does not rebind: an existing binding is changed only through "
                    + "after-sales";
            case REBIND_HELD -> "the rebind waits for an operator's approval; the terminal retries";
            case REBIND_DENIED -> "an operator rejected the rebind";
            case CONFLICT_RETRY -> "another request for the same IMSI or VIN was being decided; the terminal retries";
            case SERVER_ERROR -> "the server failed internally and changed nothing; the terminal retries";
        };
    }
}
