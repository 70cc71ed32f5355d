package io.vinbind.esim.rsp;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class RspTest {

    static byte[] json(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    @Test
    void payloadsAreReadStrictlyNamingTheField() {
        RspFormatException unknown = assertThrows(RspFormatException.class, () -> Rsp.read(json(
            "{\"transactionId\":\"01\",\"authenticateServerResponse\":\"AA==\",\"extra\":1}"), Es9Plus.AuthenticateClientRequest.class));
        assertTrue(unknown.getMessage().contains("extra"));
        RspFormatException missing = assertThrows(RspFormatException.class, () -> Rsp.read(json(
            "{\"transactionId\":\"01\"}"), Es9Plus.AuthenticateClientRequest.class));
        assertEquals(StatusCode.MANDATORY_ELEMENT_MISSING, missing.code());
        assertTrue(missing.getMessage().contains("authenticateServerResponse"), missing.getMessage());
        RspFormatException type = assertThrows(RspFormatException.class, () -> Rsp.read(json(
            "{\"header\":{\"functionRequesterIdentifier\":\"a\",\"functionCallIdentifier\":\"b\"},\"iccid\":\"1\",\"releaseFlag\":[]}"),
            Es2Plus.ConfirmOrderRequest.class));
        assertTrue(type.getMessage().contains("releaseFlag"), type.getMessage());
        assertThrows(RspFormatException.class, () -> Rsp.read(json("[1]"), Es9Plus.HandleNotificationRequest.class));
    }

    @Test
    void failedHeaderCarriesSubjectAndReasonCodes() {
        String s = new String(Rsp.write(new Rsp.HeaderOnly(Rsp.ResponseHeader.failed(StatusCode.TRANSACTION_UNKNOWN, "gone"))),
            StandardCharsets.UTF_8);
        assertEquals("{\"header\":{\"functionExecutionStatus\":{\"status\":\"Failed\",\"statusCodeData\":"
            + "{\"subjectCode\":\"8.10.1\",\"reasonCode\":\"3.9\",\"message\":\"gone\"}}}}", s);
        assertTrue(new String(Rsp.write(new Rsp.HeaderOnly(Rsp.ResponseHeader.failed(StatusCode.ORDER_EXPIRED, "x"))),
            StandardCharsets.UTF_8).contains("\"Expired\""));
    }
}
