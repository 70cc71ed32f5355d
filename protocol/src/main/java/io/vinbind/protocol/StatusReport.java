package io.vinbind.protocol;

import java.util.List;
import java.util.regex.Pattern;

/**
 * Terminal → server on {@code vinbind/v2/{terminalId}/status}: a batch of the status records the terminal kept, sent
 * every {@code sendIntervalS} the server set ({@link HeartbeatAck}).
 *
 * <p>A record is one line of {@code key=value} pairs separated by {@code ;}, starting with its number in the session
 * and its time: {@code n=17;t=2026-12-02T08:00:00Z;power=ACC;state=BOUND}. Keys and values are printable ASCII without
 * spaces; receivers ignore keys they do not know, so terminals can add facts without a protocol version. The server
 * stores each record once by (session, n): a batch the terminal sends again after a lost answer adds nothing.
 *
 * @param version protocol version
 * @param requestId this batch's id (the ack echoes it)
 * @param terminalId the terminal (the topic's)
 * @param session the daemon run the records belong to
 * @param records 1–{@value #MAX_RECORDS} records, oldest first, each at most {@value #MAX_RECORD_CHARS} characters
 * @param dropped records the terminal had to drop (its store full: the oldest go first) since its last report
 */
public record StatusReport(int version, String requestId, String terminalId, String session, List<String> records,
                           int dropped) implements Message {

    public static final int MAX_RECORDS = 100;
    public static final int MAX_RECORD_CHARS = 200;
    /** {@code n=<number>;t=<instant>} first, then {@code ;key=value} pairs. */
    static final Pattern RECORD = Pattern.compile("n=[0-9]{1,9};t=[0-9T:.Z-]{20,30}(;[a-z][a-z0-9_]{0,31}=[A-Za-z0-9_.:+-]{0,64})*");

    public StatusReport {
        Checks.version(version);
        Identifiers.requireRequestId(requestId);
        Identifiers.requireTerminalId(terminalId);
        if (session == null || !Identifiers.isRequestId(session)) {
            throw new InvalidFieldException("session", "session " + (session == null ? "is missing"
                : "'" + Identifiers.printable(session) + "' is not 1-64 characters from A-Z a-z 0-9 . _ : -"));
        }
        Checks.notNull(records, "records");
        if (records.isEmpty() || records.size() > MAX_RECORDS) {
            throw new InvalidFieldException("records", "records holds " + records.size() + ", expected 1.."
                + MAX_RECORDS);
        }
        for (int i = 0; i < records.size(); i++) {
            String r = records.get(i);
            if (r == null || r.length() > MAX_RECORD_CHARS || !RECORD.matcher(r).matches()) {
                throw new InvalidFieldException("records", "records[" + i + "] '" + Identifiers.printable(r)
                    + "' is not n=<number>;t=<instant>[;key=value]... (printable, at most " + MAX_RECORD_CHARS + ")");
            }
        }
        records = List.copyOf(records);
        if (dropped < 0) {
            throw new InvalidFieldException("dropped", "dropped " + dropped + " is negative");
        }
    }

    @Override
    public MessageType type() {
        return MessageType.STATUS;
    }
}
