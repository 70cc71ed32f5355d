package io.vinbind.protocol;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class MessagesTest {

    private static final String T = "TBOX-1";
    private static final BindRequest REQUEST = BindRequest.of("r-1", T, "460011234567890", "89860012345678901234",
        "356938035643809", "1M8GDM9AXKP042788", UploadReason.ASSEMBLY);

    @Test
    void an_ack_answering_a_request_echoes_request_id_terminal_imsi_and_vin() {
        BindAck ack = BindAck.answering(REQUEST, BindOutcome.BOUND, ReasonCode.NONE);
        assertEquals("r-1", ack.requestId());
        assertEquals(T, ack.terminalId());
        assertEquals(REQUEST.imsi(), ack.imsi());
        assertEquals(REQUEST.vin(), ack.vin());
        assertEquals("vinbind/v2/TBOX-1/bind/ack", ack.topic());
    }

    @Test
    void success_outcomes_need_reason_none_and_failures_need_a_reason() {
        assertThrows(IllegalArgumentException.class,
            () -> BindAck.answering(REQUEST, BindOutcome.BOUND, ReasonCode.SERVER_ERROR));
        assertThrows(IllegalArgumentException.class,
            () -> BindAck.answering(REQUEST, BindOutcome.REJECTED, ReasonCode.NONE));
        assertThrows(IllegalArgumentException.class,
            () -> BindAck.answering(REQUEST, BindOutcome.PENDING, ReasonCode.REBIND_REJECTED));
        assertThrows(IllegalArgumentException.class, () -> LoginAck.rejected("l", T, "460011234567890", ReasonCode.NONE));
        assertEquals(ReasonCode.REBIND_HELD,
            BindAck.answering(REQUEST, BindOutcome.PENDING, ReasonCode.REBIND_HELD).reason());
    }

    @Test
    void a_bound_ack_must_carry_a_syntactically_valid_vin_but_a_rejection_may_echo_garbage_or_nothing() {
        assertThrows(InvalidVinException.class, () -> new BindAck(2, "r", T, "460011234567890", "NOT-A-VIN",
            BindOutcome.BOUND, ReasonCode.NONE));
        assertEquals("NOT-A-VIN", new BindAck(2, "r", T, "460011234567890", "NOT-A-VIN", BindOutcome.REJECTED,
            ReasonCode.INVALID_VIN).vin());
        assertEquals("", new BindAck(2, "r", T, "", "", BindOutcome.REJECTED,
            ReasonCode.MALFORMED_PAYLOAD).vin(), "a refusal of an unreadable payload has no IMSI or VIN to echo");
        assertThrows(IllegalArgumentException.class, () -> new BindAck(2, "r", T, "460011234567890", "",
            BindOutcome.PENDING, ReasonCode.REBIND_HELD));
        assertThrows(IllegalArgumentException.class, () -> new BindAck(2, "r", T, "", "1M8GDM9AXKP042788",
            BindOutcome.BOUND, ReasonCode.NONE), "a success names the IMSI");
    }

    @Test
    void only_bound_outcomes_let_a_terminal_clear_its_flag() {
        assertTrue(BindOutcome.BOUND.isBound());
        assertTrue(BindOutcome.ALREADY_BOUND.isBound());
        assertTrue(BindOutcome.REBOUND.isBound());
        assertFalse(BindOutcome.PENDING.isBound());
        assertFalse(BindOutcome.REJECTED.isBound());
    }

    @Test
    void request_records_refuse_bad_identifiers_and_control_characters_in_the_vin() {
        assertThrows(IllegalArgumentException.class, () -> BindRequest.of("r", T, "4600", "89860012345678901234",
            "356938035643809", "1M8GDM9AXKP042788", UploadReason.ASSEMBLY));
        assertThrows(IllegalArgumentException.class, () -> BindRequest.of("r", "TBOX/1", "460011234567890",
            "89860012345678901234", "356938035643809", "1M8GDM9AXKP042788", UploadReason.ASSEMBLY));
        assertThrows(IllegalArgumentException.class, () -> BindRequest.of("r", T, "460011234567890",
            "89860012345678901234", "356938035643809", "1M8GDM9AXKP04278\n", UploadReason.ASSEMBLY));
        assertThrows(IllegalArgumentException.class, () -> new LoginRequest(0, "r", T, "460011234567890",
            "89860012345678901234", "356938035643809"), "0 is not a protocol version");
    }
}
