package io.vinbind.esim.rsp;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.exc.MismatchedInputException;
import com.fasterxml.jackson.databind.exc.UnrecognizedPropertyException;
import com.fasterxml.jackson.databind.exc.ValueInstantiationException;
import java.io.IOException;
import java.util.Base64;
import java.util.HexFormat;
import java.util.Objects;

/**
 * The JSON framing shared by ES2+ and ES9+ (SGP.22 §6.5): request and response headers, the function
 * execution status, base64 binary fields and hex transaction ids, and the strict Jackson mapping that names
 * the offending field of a refused payload.
 */
public final class Rsp {

    /** {@code X-Admin-Protocol} value the bench sends; any {@code gsma/rsp/v2.*} is accepted. */
    public static final String ADMIN_PROTOCOL = "gsma/rsp/v2.2.0";

    static final ObjectMapper JSON = new ObjectMapper()
        .configure(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES, true)
        .configure(DeserializationFeature.FAIL_ON_NULL_FOR_PRIMITIVES, true)
        .configure(DeserializationFeature.FAIL_ON_TRAILING_TOKENS, true)
        .setSerializationInclusion(JsonInclude.Include.NON_NULL);

    private Rsp() {
    }

    /** The request header: who calls and which call this is. */
    public record RequestHeader(String functionRequesterIdentifier, String functionCallIdentifier) {
        public RequestHeader {
            Objects.requireNonNull(functionRequesterIdentifier, "header.functionRequesterIdentifier");
            Objects.requireNonNull(functionCallIdentifier, "header.functionCallIdentifier");
        }
    }

    /** {@code statusCodeData}. */
    public record StatusCodeData(String subjectCode, String reasonCode, String subjectIdentifier, String message) {
    }

    /** {@code functionExecutionStatus}. */
    public record FunctionExecutionStatus(String status, StatusCodeData statusCodeData) {
        public static final String SUCCESS = "Executed-Success";
        public static final String WITH_WARNING = "Executed-WithWarning";
        public static final String FAILED = "Failed";
        public static final String EXPIRED = "Expired";

        public FunctionExecutionStatus {
            Objects.requireNonNull(status, "functionExecutionStatus.status");
        }

        public boolean succeeded() {
            return SUCCESS.equals(status) || WITH_WARNING.equals(status);
        }
    }

    /** The response header. */
    public record ResponseHeader(FunctionExecutionStatus functionExecutionStatus) {
        public ResponseHeader {
            Objects.requireNonNull(functionExecutionStatus, "header.functionExecutionStatus");
        }

        public static ResponseHeader success() {
            return new ResponseHeader(new FunctionExecutionStatus(FunctionExecutionStatus.SUCCESS, null));
        }

        public static ResponseHeader failed(StatusCode code, String message) {
            return new ResponseHeader(new FunctionExecutionStatus(code == StatusCode.ORDER_EXPIRED
                ? FunctionExecutionStatus.EXPIRED : FunctionExecutionStatus.FAILED,
                new StatusCodeData(code.subjectCode(), code.reasonCode(), null, message)));
        }
    }

    /** A body that only carries the response header (failures, and functions without output). */
    public record HeaderOnly(ResponseHeader header) {
    }

    /** Serialises a payload record. */
    public static byte[] write(Object payload) {
        try {
            return JSON.writeValueAsBytes(payload);
        } catch (IOException e) {
            throw new IllegalStateException("JSON serialisation failed: " + e.getMessage(), e);
        }
    }

    /** Parses a payload strictly; a refusal names the field and maps to a status code. */
    public static <T> T read(byte[] body, Class<T> type) throws RspFormatException {
        try {
            T t = JSON.readValue(body, type);
            if (t == null) {
                throw new RspFormatException(StatusCode.INVALID_ELEMENT, "body is JSON null");
            }
            return t;
        } catch (UnrecognizedPropertyException e) {
            throw new RspFormatException(StatusCode.INVALID_ELEMENT, "unknown field '" + e.getPropertyName() + "'");
        } catch (ValueInstantiationException e) {
            Throwable c = e.getCause() == null ? e : e.getCause();
            StatusCode code = c instanceof NullPointerException ? StatusCode.MANDATORY_ELEMENT_MISSING : StatusCode.INVALID_ELEMENT;
            throw new RspFormatException(code, c.getMessage() + (code == StatusCode.MANDATORY_ELEMENT_MISSING ? " missing" : ""));
        } catch (MismatchedInputException e) {
            throw new RspFormatException(StatusCode.INVALID_ELEMENT, "field '" + path(e) + "' has the wrong type");
        } catch (IOException e) {
            throw new RspFormatException(StatusCode.INVALID_ELEMENT, "not a JSON object: "
                + (e instanceof com.fasterxml.jackson.core.JsonProcessingException j ? j.getOriginalMessage() : e.getMessage()));
        }
    }

    private static String path(MismatchedInputException e) {
        StringBuilder s = new StringBuilder();
        for (var ref : e.getPath()) {
            if (!s.isEmpty()) {
                s.append('.');
            }
            s.append(ref.getFieldName() != null ? ref.getFieldName() : "[" + ref.getIndex() + "]");
        }
        return s.toString();
    }

    /** Base64 of DER, as ES9+ carries binary fields. */
    public static String b64(byte[] der) {
        return Base64.getEncoder().encodeToString(der);
    }

    /** Decodes a base64 field, naming it when it is not base64. */
    public static byte[] unb64(String value, String field) throws RspFormatException {
        if (value == null) {
            throw new RspFormatException(StatusCode.MANDATORY_ELEMENT_MISSING, field + " missing");
        }
        try {
            return Base64.getDecoder().decode(value.replaceAll("\\s", ""));
        } catch (IllegalArgumentException e) {
            throw new RspFormatException(StatusCode.INVALID_ELEMENT, field + " is not base64");
        }
    }

    /** Transaction ids travel as upper-case hex (SGP.22 §6.5.2.x "transactionId: hexadecimal string"). */
    public static String hex(byte[] b) {
        return HexFormat.of().withUpperCase().formatHex(b);
    }

    public static byte[] unhex(String value, String field) throws RspFormatException {
        if (value == null) {
            throw new RspFormatException(StatusCode.MANDATORY_ELEMENT_MISSING, field + " missing");
        }
        try {
            byte[] b = HexFormat.of().parseHex(value);
            if (b.length < 1 || b.length > 16) {
                throw new RspFormatException(StatusCode.INVALID_ELEMENT, field + " must be 1-16 bytes");
            }
            return b;
        } catch (IllegalArgumentException e) {
            throw new RspFormatException(StatusCode.INVALID_ELEMENT, field + " is not hex");
        }
    }
}
