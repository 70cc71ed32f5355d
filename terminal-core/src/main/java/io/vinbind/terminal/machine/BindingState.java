package io.vinbind.terminal.machine;

/**
 * The states of the terminal's binding state machine.
 *
 * <pre>
 *              ACC/ON/START                      ACC/ON/START (a new power-mode transition)
 *   +-----+   (power-up)    +-------------+  &lt;------------------------------ BOUND, SUSPENDED
 *   | OFF |----------------&gt;| READING_VIN |  &lt;------------------------------ BACKOFF (retry timer)
 *   +-----+                 +-------------+
 *      ^                           | two consecutive equal reads, VIN valid
 *      |                           v
 *      |                 +-------------------+   no reason to bind          +-------+
 *      |                 | IDENTIFYING_MODEM |-----------------------------&gt;|       |
 *      |                 +-------------------+                              |       |
 *      |                           | flag set, or set now (MODEM_REPLACED,  |       |
 *      |                           v   VIN_CHANGED, ...)                    |       |
 *      |                    +-----------+                                   |       |
 *      |                    | ATTACHING |  registered, data context up      |       |
 *      |                    +-----------+                                   | BOUND |
 *      |                           v                                        |       |
 *      |                    +------------+                                  |       |
 *      |                    | CONNECTING |  mutual TLS, acks subscribed     |       |
 *      |                    +------------+                                  |       |
 *      |                           v                                        |       |
 *      |                    +------------+                                  |       |
 *      |                    | LOGGING_IN |  login-ack ACCEPTED              |       |
 *      |                    +------------+                                  |       |
 *      |                           v        bind-ack with the same          |       |
 *      |                    +-----------+   requestId, VIN, IMSI, terminal, |       |
 *      |                    | UPLOADING |--------------------------------&gt;|       |
 *      |                    +-----------+   BOUND / ALREADY_BOUND / REBOUND  +-------+
 *      |                                    (flag cleared, identity stored)
 *      |
 *   power OFF, from every state: the attempt is aborted, the flag stays as it is
 *
 *   working states = READING_VIN, IDENTIFYING_MODEM, ATTACHING, CONNECTING, LOGGING_IN, UPLOADING
 *   working state --retryable failure or timeout, attempts left--------------------&gt; BACKOFF
 *   working state --permanent failure or refusal, or attempts used up--------------&gt; SUSPENDED (flag kept)
 *   BOUND, SUSPENDED --service request (file or API) while powered------------------&gt; READING_VIN
 * </pre>
 */
public enum BindingState {
    /** Vehicle power is OFF (or not yet known): nothing runs. */
    OFF(false),
    /** Reading the VIN from the smart-key ECU until two consecutive reads agree. */
    READING_VIN(true),
    /** Waiting for the SIM and reading IMSI, ICCID, IMEI; then deciding whether to bind. */
    IDENTIFYING_MODEM(true),
    /** Waiting for network registration and data. */
    ATTACHING(true),
    /** Connecting to the MQTT broker. */
    CONNECTING(true),
    /** Login published; waiting for the login-ack. */
    LOGGING_IN(true),
    /** Bind request published; waiting for the bind-ack that matches it. */
    UPLOADING(true),
    /** An attempt failed in a way that may pass; waiting before the next attempt. */
    BACKOFF(false),
    /** Flag clear: the server confirmed this VIN and modem (now or on an earlier power cycle). */
    BOUND(false),
    /** Flag kept set, nothing more to try on this power cycle (refusal, permanent fault, attempts used up). */
    SUSPENDED(false);

    private final boolean working;

    BindingState(boolean working) {
        this.working = working;
    }

    /** True while an attempt is talking to the ECU, the modem or the server. */
    public boolean isWorking() {
        return working;
    }

    /** True for states in which a new power-mode transition or service request starts a new attempt. */
    public boolean isResting() {
        return this == OFF || this == BOUND || this == SUSPENDED;
    }
}
