package io.vinbind.protocol;

/**
 * The vinbind messages and the topic suffix each travels on, below {@code vinbind/v2/{terminalId}/}.
 *
 * <p>Reserved for later versions (not built; their suffixes must not be used for anything else):
 * {@code heartbeat} and {@code heartbeat/ack} (online presence, server-set interval) and {@code esim/…}
 * (remote eSIM profile provisioning, APDUs relayed through the modem). They follow the same pattern: the
 * terminal publishes a request on {@code …/{name}}, the server answers on {@code …/{name}/ack}.
 */
public enum MessageType {
    /** Terminal → server: log in with the modem's identity. */
    LOGIN("login", false),
    /** Server → terminal: answer to {@link #LOGIN}. */
    LOGIN_ACK("login/ack", true),
    /** Terminal → server: upload the VIN. */
    BIND("bind", false),
    /** Server → terminal: answer to {@link #BIND}. */
    BIND_ACK("bind/ack", true);

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

    /** True for the server's answers. */
    public boolean isAck() {
        return ack;
    }

    /** The answer to this request type. */
    public MessageType ackType() {
        return switch (this) {
            case LOGIN -> LOGIN_ACK;
            case BIND -> BIND_ACK;
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
        };
    }
}
