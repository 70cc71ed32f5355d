package io.vinbind.can.uds;

import java.util.Optional;

/** Diagnostic service identifiers this client knows (ISO 14229-1, clause 8 and following). */
public enum UdsService {
    /** DiagnosticSessionControl, 0x10. */
    DIAGNOSTIC_SESSION_CONTROL(0x10),
    /** ReadDataByIdentifier, 0x22 (ISO 14229-1, 11.2). */
    READ_DATA_BY_IDENTIFIER(0x22),
    /** TesterPresent, 0x3E. */
    TESTER_PRESENT(0x3E);

    /** First byte of every negative response: {@code 7F SID NRC} (ISO 14229-1, 7.5). */
    public static final int NEGATIVE_RESPONSE_SID = 0x7F;
    /** A positive response's SID is the request SID with bit 6 set (ISO 14229-1, 7.4). */
    public static final int POSITIVE_RESPONSE_OFFSET = 0x40;

    private final int id;

    UdsService(int id) {
        this.id = id;
    }

    /** Request service identifier. */
    public int id() {
        return id;
    }

    /** Positive response service identifier. */
    public int positiveResponseId() {
        return id + POSITIVE_RESPONSE_OFFSET;
    }

    public static Optional<UdsService> fromId(int id) {
        for (UdsService s : values()) {
            if (s.id == id) {
                return Optional.of(s);
            }
        }
        return Optional.empty();
    }
}
