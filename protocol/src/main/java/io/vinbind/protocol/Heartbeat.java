package io.vinbind.protocol;

/**
 * Terminal → server on {@code vinbind/v2/{terminalId}/heartbeat}: the terminal is there (or has gone, by its own
 * word or its Will).
 *
 * <p>Heartbeats are counted per time window by the server; a redelivered one must not count twice, so each names the
 * daemon's {@code session} (new at every daemon start) and its {@code sequence} in it (from 1, one more each time):
 * the server counts a heartbeat only when it is newer than the last one of the same session. The Will, made at
 * connect time, carries sequence 0.
 *
 * @param version protocol version
 * @param requestId this heartbeat's id (the ack echoes it)
 * @param terminalId the terminal (the topic's)
 * @param session the daemon run it belongs to (1-64 of A-Z a-z 0-9 . _ : -)
 * @param sequence its number in the session, 1 and up; 0 only for {@link PresenceState#LOST}
 * @param state ALIVE, POWER_OFF or LOST
 * @param configVersion the version of the limits the terminal has applied (0: none yet)
 */
public record Heartbeat(int version, String requestId, String terminalId, String session, int sequence,
                        PresenceState state, int configVersion) implements Message {

    public Heartbeat {
        Checks.version(version);
        Identifiers.requireRequestId(requestId);
        Identifiers.requireTerminalId(terminalId);
        if (session == null || !Identifiers.isRequestId(session)) {
            throw new InvalidFieldException("session", "session " + (session == null ? "is missing"
                : "'" + Identifiers.printable(session) + "' is not 1-64 characters from A-Z a-z 0-9 . _ : -"));
        }
        Checks.notNull(state, "state");
        if (sequence < 0 || (sequence == 0) != (state == PresenceState.LOST)) {
            throw new InvalidFieldException("sequence", "sequence " + sequence + " with state " + state
                + ": heartbeats count from 1; 0 is the Will's (LOST)");
        }
        if (configVersion < 0) {
            throw new InvalidFieldException("configVersion", "configVersion " + configVersion + " is negative");
        }
    }

    @Override
    public MessageType type() {
        return MessageType.HEARTBEAT;
    }
}
