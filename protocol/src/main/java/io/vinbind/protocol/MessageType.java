package io.vinbind.protocol;

/**
 * The vinbind messages and the topic suffix each travels on, below {@code vinbind/v2/{terminalId}/}.
 *
 * <p>Binding follows request / answer: the terminal publishes a request on {@code …/{name}}, the server answers on
 * {@code …/{name}/ack}. The eSIM relay runs the other way: the server sends {@link #ESIM_BATCH} and the terminal
 * answers with {@link #ESIM_RESULT}. {@link #isAck()} says which side publishes (the broker permissions follow it).
 *
 * <p>Presence follows request / answer too: {@link #HEARTBEAT} and {@link #HEARTBEAT_ACK}, which carries the
 * limits the server set for the terminal.
 *
 * <p>Each type has its own payload limit ({@link #maxPayloadBytes()}): 1 KiB for binding, raised for the relay,
 * whose APDUs travel as hex in JSON. The broker's packet limit (256 KiB) is above every one of them.
 */
public enum MessageType {
    /** Terminal → server: log in with the modem's identity. */
    LOGIN("login", false),
    /** Server → terminal: answer to {@link #LOGIN}. */
    LOGIN_ACK("login/ack", true),
    /** Terminal → server: upload the VIN. */
    BIND("bind", false),
    /** Server → terminal: answer to {@link #BIND}. */
    BIND_ACK("bind/ack", true),
    /** Server → terminal: APDUs for the eUICC (the relay for a terminal without an LPA). */
    ESIM_BATCH("esim/batch", true),
    /** Terminal → server: the responses to an {@link #ESIM_BATCH}, or why it did not run. */
    ESIM_RESULT("esim/result", false),
    /** Terminal → server: the terminal is there (or went: POWER_OFF, or its Will, LOST). */
    HEARTBEAT("heartbeat", false),
    /** Server → terminal: answer to {@link #HEARTBEAT}, with the terminal's limits. */
    HEARTBEAT_ACK("heartbeat/ack", true),
    /** Terminal → server: a batch of status records. */
    STATUS("status", false),
    /** Server → terminal: answer to {@link #STATUS}, the records stored. */
    STATUS_ACK("status/ack", true);

    private final String suffix;
    private final boolean ack;

    MessageType(String suffix, boolean ack) {
        this.suffix = suffix;
        this.ack = ack;
    }

    /** The topic levels after {@code vinbind/v2/{terminalId}/}. */
    public String suffix() {
        return suffix;
    }

    /** True for what the server publishes and the terminal receives (answers, and relay batches). */
    public boolean isAck() {
        return ack;
    }

    /** The answer to this request type. */
    public MessageType ackType() {
        return switch (this) {
            case LOGIN -> LOGIN_ACK;
            case BIND -> BIND_ACK;
            case HEARTBEAT -> HEARTBEAT_ACK;
            case STATUS -> STATUS_ACK;
            case ESIM_RESULT -> throw new IllegalStateException(this + " answers " + ESIM_BATCH + ", nothing answers it");
            default -> throw new IllegalStateException(this + " is an ack, it has no ack of its own");
        };
    }

    /** The payload record class carried by this message type. */
    public Class<? extends Message> payloadType() {
        return switch (this) {
            case LOGIN -> LoginRequest.class;
            case LOGIN_ACK -> LoginAck.class;
            case BIND -> BindRequest.class;
            case BIND_ACK -> BindAck.class;
            case ESIM_BATCH -> EsimBatch.class;
            case ESIM_RESULT -> EsimResult.class;
            case HEARTBEAT -> Heartbeat.class;
            case HEARTBEAT_ACK -> HeartbeatAck.class;
            case STATUS -> StatusReport.class;
            case STATUS_ACK -> StatusAck.class;
        };
    }

    /** Largest payload of this type either side accepts, in bytes. */
    public int maxPayloadBytes() {
        return switch (this) {
            case LOGIN, LOGIN_ACK, BIND, BIND_ACK, HEARTBEAT, HEARTBEAT_ACK, STATUS_ACK -> Protocol.MAX_PAYLOAD_BYTES;
            case STATUS -> Protocol.MAX_STATUS_BYTES;
            case ESIM_BATCH -> Protocol.MAX_BATCH_BYTES;
            case ESIM_RESULT -> Protocol.MAX_RESULT_BYTES;
        };
    }

    /** The type whose payload record is {@code payload}. */
    public static MessageType of(Class<? extends Message> payload) {
        for (MessageType t : values()) {
            if (t.payloadType() == payload) {
                return t;
            }
        }
        throw new IllegalArgumentException(payload + " is no vinbind payload record");
    }
}
