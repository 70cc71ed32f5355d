package io.vinbind.can.isotp;

import io.vinbind.can.CanException;
import java.util.Objects;

/** An ISO-TP transfer failed; {@link #reason()} says how, the message says what arrived. */
public class IsoTpException extends CanException {

    /** Why a transfer was aborted (ISO 15765-2 N_Result values where one exists). */
    public enum Reason {
        /** N_TIMEOUT_Bs: the sender waited longer than N_Bs for a flow control. */
        TIMEOUT_N_BS,
        /** N_TIMEOUT_Cr: the receiver waited longer than N_Cr for the next consecutive frame. */
        TIMEOUT_N_CR,
        /** N_WRONG_SN: a consecutive frame carried the wrong sequence number. */
        WRONG_SEQUENCE_NUMBER,
        /** N_INVALID_FS: a flow control with a reserved flow status. */
        INVALID_FLOW_STATUS,
        /** N_WFT_OVRN: the receiver sent more WAIT flow controls than we accept (wftmax). */
        WAIT_LIMIT_EXCEEDED,
        /** N_BUFFER_OVFLW: the peer answered our first frame with flow status overflow. */
        PEER_OVERFLOW,
        /** A first frame announced more bytes than this receiver accepts; we answered overflow. */
        MESSAGE_TOO_LARGE,
        /** A frame of the transfer had too few bytes for what its PCI announced. */
        MALFORMED_FRAME
    }

    private final Reason reason;

    public IsoTpException(Reason reason, String message) {
        super("ISO-TP " + reason + ": " + message);
        this.reason = Objects.requireNonNull(reason, "reason");
    }

    public Reason reason() {
        return reason;
    }
}
