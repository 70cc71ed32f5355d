package io.vinbind.protocol;

/**
 * Server → terminal on {@code vinbind/v2/{terminalId}/status/ack}: the records of a {@link StatusReport} are stored
 * (the terminal may forget them now).
 *
 * @param version protocol version
 * @param requestId the report's
 * @param terminalId the terminal
 * @param stored records stored now
 * @param duplicates records the server had already (a batch sent again)
 */
public record StatusAck(int version, String requestId, String terminalId, int stored, int duplicates) implements Message {

    public StatusAck {
        Checks.version(version);
        Identifiers.requireRequestId(requestId);
        Identifiers.requireTerminalId(terminalId);
        if (stored < 0 || duplicates < 0 || stored + duplicates > StatusReport.MAX_RECORDS) {
            throw new InvalidFieldException("stored", "stored " + stored + " and duplicates " + duplicates
                + " must be 0.." + StatusReport.MAX_RECORDS + " together");
        }
    }

    @Override
    public MessageType type() {
        return MessageType.STATUS_ACK;
    }
}
