package io.vinbind.protocol;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.MapperFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.exc.ValueInstantiationException;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.node.JsonNodeType;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.lang.reflect.RecordComponent;
import java.util.Arrays;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.lang.reflect.ParameterizedType;
import java.util.Map;
import java.util.Objects;
import java.util.stream.Collectors;

/**
 * The strict JSON mapping of vinbind payloads (Jackson).
 *
 * <p>Decoding refuses, with a {@link ProtocolException} naming the field: payloads over
 * {@link Protocol#MAX_PAYLOAD_BYTES}; anything but one strictly UTF-8 JSON object (no byte-order mark, no
 * UTF-16/32, no overlong forms; trailing content and duplicate keys included); a {@code version} other than {@link Protocol#VERSION}; unknown fields; missing or
 * {@code null} fields (a component marked {@link OptionalField} may be left out, never {@code null}); wrong JSON types (no coercion: {@code "1"} is not a number, {@code 1} is not a
 * string, {@code 1.0} is not an integer); unknown enum constants; and values the records' constructors
 * refuse. The fields expected are exactly the components of the payload record, so the record is the
 * schema.
 *
 * <p>Thread-safe; stateless apart from a shared, immutable mapper.
 */
public final class JsonCodec {

    private static final ObjectMapper MAPPER = JsonMapper.builder()
        .enable(JsonParser.Feature.STRICT_DUPLICATE_DETECTION)
        .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
        .enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
        .enable(DeserializationFeature.FAIL_ON_NULL_FOR_PRIMITIVES)
        // absent and null fields: checkShape, run first, refuses every one but an absent @OptionalField,
        // which the mapper then passes as null (Jackson's FAIL_ON_MISSING/NULL_CREATOR_PROPERTIES would refuse it)
        .disable(MapperFeature.ALLOW_COERCION_OF_SCALARS)
        .build();

    /** How far into an oversized payload {@link #peekRequestId} looks. */
    static final int PEEK_LIMIT_BYTES = 64 * 1024;

    private JsonCodec() {
    }

    /** The payload bytes (UTF-8 JSON) of a message. */
    public static byte[] encode(Message message) {
        Objects.requireNonNull(message, "message");
        try {
            return MAPPER.writeValueAsBytes(message);
        } catch (JsonProcessingException e) {
            // records of strings, ints, enums and lists of strings always serialise; reaching this is a programming error
            throw new IllegalStateException("cannot encode " + message.type() + ": " + e.getMessage(), e);
        }
    }

    /** Decodes a payload of the given type (the type comes from the topic it arrived on). */
    public static Message decode(MessageType type, byte[] payload) throws ProtocolException {
        Objects.requireNonNull(type, "type");
        return decode(payload, type.payloadType());
    }

    public static LoginRequest decodeLoginRequest(byte[] payload) throws ProtocolException {
        return decode(payload, LoginRequest.class);
    }

    public static LoginAck decodeLoginAck(byte[] payload) throws ProtocolException {
        return decode(payload, LoginAck.class);
    }

    public static BindRequest decodeBindRequest(byte[] payload) throws ProtocolException {
        return decode(payload, BindRequest.class);
    }

    public static BindAck decodeBindAck(byte[] payload) throws ProtocolException {
        return decode(payload, BindAck.class);
    }

    public static EsimBatch decodeEsimBatch(byte[] payload) throws ProtocolException {
        return decode(payload, EsimBatch.class);
    }

    public static EsimResult decodeEsimResult(byte[] payload) throws ProtocolException {
        return decode(payload, EsimResult.class);
    }

    /**
     * Decodes a payload into {@code type}.
     *
     * @throws ProtocolException naming the problem and field; carries the requestId when the payload was
     *     an object with a well-formed {@code requestId}
     */
    public static <T extends Message> T decode(byte[] payload, Class<T> type) throws ProtocolException {
        Objects.requireNonNull(type, "type");
        String what = type.getSimpleName();
        if (payload == null) {
            throw fail(ProtocolException.Problem.MALFORMED_JSON, null, what + " payload is missing", null);
        }
        int limit = MessageType.of(type).maxPayloadBytes();
        if (payload.length > limit) {
            throw fail(ProtocolException.Problem.TOO_LARGE, null, what + " payload has " + payload.length
                + " bytes, limit " + limit, null).withRequestId(peekRequestId(payload));
        }
        String text = strictUtf8(payload, what);
        JsonNode root;
        try {
            root = MAPPER.readTree(text);
        } catch (IOException e) {
            throw fail(ProtocolException.Problem.MALFORMED_JSON, null,
                what + " payload is not valid JSON: " + firstLine(e.getMessage()), e);
        }
        if (root == null || !root.isObject()) {
            throw fail(ProtocolException.Problem.MALFORMED_JSON, null, what + " payload is "
                + (root == null || root.isMissingNode() ? "empty" : "a JSON " + kind(root)) + ", not a JSON object",
                null);
        }
        JsonNode rid = root.get("requestId");
        String requestId = rid != null && rid.isTextual() && Identifiers.isRequestId(rid.textValue())
            ? rid.textValue() : null;
        try {
            checkShape(root, type, what);
        } catch (ProtocolException e) {
            throw e.withRequestId(requestId);
        }
        try {
            return MAPPER.treeToValue(root, type);
        } catch (ValueInstantiationException e) {
            Throwable cause = e.getCause();
            String field = cause instanceof InvalidFieldException f ? f.field()
                : cause instanceof InvalidVinException ? "vin" : null;
            String detail = cause != null ? cause.getMessage() : firstLine(e.getOriginalMessage());
            throw fail(ProtocolException.Problem.INVALID_VALUE, field, what + ": " + detail, e)
                .withRequestId(requestId);
        } catch (JsonProcessingException e) {
            // checkShape has already vetted names and types, so this is a mapping rule we did not foresee
            throw fail(ProtocolException.Problem.INVALID_VALUE, null,
                what + " payload refused: " + firstLine(e.getOriginalMessage()), e).withRequestId(requestId);
        }
    }

    /**
     * The payload as text if it is UTF-8 exactly as RFC 3629 and RFC 8259 §8.1 define it: no byte-order mark,
     * no overlong forms, no encoded surrogates, nothing above U+10FFFF (the JDK's decoder, set to report
     * rather than replace, refuses all of these), and no NUL characters, which no JSON text contains outside
     * an escape and which are how UTF-16 and UTF-32 text looks when read as bytes. Jackson on its own would
     * detect UTF-16/32 and decode them, and decodes some malformed UTF-8 leniently. The requestId of a refused
     * payload is still looked for (by the byte-level scan, which does detect those encodings) so that the
     * refusal can be answered.
     */
    private static String strictUtf8(byte[] payload, String what) throws ProtocolException {
        String problem = null;
        String text = null;
        if (payload.length >= 3 && (payload[0] & 0xff) == 0xEF && (payload[1] & 0xff) == 0xBB
            && (payload[2] & 0xff) == 0xBF) {
            problem = "starts with a UTF-8 byte-order mark";
        } else {
            try {
                text = StandardCharsets.UTF_8.newDecoder()
                    .onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT)
                    .decode(ByteBuffer.wrap(payload)).toString();
            } catch (CharacterCodingException e) {
                problem = "is not UTF-8 (" + e.getMessage() + ")";
            }
            if (text != null && text.indexOf('\0') >= 0) {
                problem = "holds a NUL character (UTF-16 or UTF-32 text?)";
            }
        }
        if (problem != null) {
            throw fail(ProtocolException.Problem.MALFORMED_JSON, null, what + " payload " + problem
                + "; payloads are UTF-8 without a byte-order mark", null).withRequestId(peekRequestId(payload));
        }
        return text;
    }

    /**
     * Finds a top-level {@code requestId} in an oversized or wrongly encoded payload with a streaming scan that skips nested
     * values without building them, so a reply is still possible; gives up (null) past
     * {@link #PEEK_LIMIT_BYTES} or on any syntax error.
     */
    static String peekRequestId(byte[] payload) {
        int length = Math.min(payload.length, PEEK_LIMIT_BYTES);
        try (JsonParser p = MAPPER.getFactory().createParser(payload, 0, length)) {
            if (p.nextToken() != JsonToken.START_OBJECT) {
                return null;
            }
            JsonToken t;
            while ((t = p.nextToken()) == JsonToken.FIELD_NAME) {
                String name = p.currentName();
                JsonToken value = p.nextToken();
                if ("requestId".equals(name) && value == JsonToken.VALUE_STRING) {
                    String id = p.getText();
                    return Identifiers.isRequestId(id) ? id : null;
                }
                p.skipChildren();
            }
            return null;
        } catch (IOException e) {
            return null;
        }
    }

    /** A message record's components (name to type, in order) and which of them are optional. */
    private record Shape(Map<String, Class<?>> fields, java.util.Set<String> optional) {
    }

    /**
     * Each message type's shape, read by reflection once per type instead of at every decode (a server decodes
     * thousands of payloads a second; the record components and their annotations never change).
     */
    private static final ClassValue<Shape> SHAPES = new ClassValue<>() {
        @Override
        protected Shape computeValue(Class<?> type) {
            Map<String, Class<?>> fields = new LinkedHashMap<>();
            java.util.Set<String> optional = new java.util.HashSet<>();
            for (RecordComponent c : type.getRecordComponents()) {
                if (c.isAnnotationPresent(OptionalField.class)) {
                    if (c.getType() != String.class) {
                        throw new IllegalStateException(type + " has optional component " + c.getName()
                            + " that is no String");
                    }
                    optional.add(c.getName());
                }
                if (c.getType() == List.class && !(c.getGenericType() instanceof ParameterizedType p
                    && p.getActualTypeArguments()[0] == String.class)) {
                    throw new IllegalStateException(type + " has component " + c.getName() + " of unsupported type "
                        + c.getGenericType());
                }
                fields.put(c.getName(), c.getType());
            }
            return new Shape(java.util.Collections.unmodifiableMap(fields), java.util.Set.copyOf(optional));
        }
    };

    /** Version first (a newer version may legitimately have other fields), then names, then types. */
    private static void checkShape(JsonNode root, Class<?> type, String what) throws ProtocolException {
        Shape shape = SHAPES.get(type);
        Map<String, Class<?>> fields = shape.fields();
        java.util.Set<String> optional = shape.optional();
        JsonNode version = root.get("version");
        if (version != null && version.isIntegralNumber() && version.canConvertToInt()
            && version.intValue() != Protocol.VERSION) {
            throw fail(ProtocolException.Problem.UNSUPPORTED_VERSION, "version", what + " has version "
                + version.intValue() + ", this side speaks version " + Protocol.VERSION, null);
        }
        for (Iterator<String> names = root.fieldNames(); names.hasNext(); ) {
            String name = names.next();
            if (!fields.containsKey(name)) {
                throw fail(ProtocolException.Problem.UNKNOWN_FIELD, name, what + " has unknown field '"
                    + Identifiers.printable(name) + "' (fields: " + String.join(", ", fields.keySet()) + ")", null);
            }
        }
        for (Map.Entry<String, Class<?>> f : fields.entrySet()) {
            String name = f.getKey();
            JsonNode value = root.get(name);
            if (value == null && optional.contains(name)) {
                continue; // not reported
            }
            if (value != null && value.isNull() && optional.contains(name)) {
                throw fail(ProtocolException.Problem.WRONG_TYPE, name, what + " field '" + name
                    + "' is null; a field that is not reported is left out", null);
            }
            if (value == null || value.isNull()) {
                throw fail(ProtocolException.Problem.MISSING_FIELD, name,
                    what + " is missing field '" + name + "'", null);
            }
            Class<?> javaType = f.getValue();
            if (javaType == int.class) {
                if (!value.isIntegralNumber() || !value.canConvertToInt()) {
                    throw wrongType(what, name, "a 32-bit integer", value);
                }
            } else if (javaType == String.class) {
                if (!value.isTextual()) {
                    throw wrongType(what, name, "a string", value);
                }
            } else if (javaType == List.class) {
                // List<String> (checked above): an array of strings, no nulls, no other types
                if (!value.isArray()) {
                    throw wrongType(what, name, "an array of strings", value);
                }
                for (int i = 0; i < value.size(); i++) {
                    if (!value.get(i).isTextual()) {
                        throw wrongType(what, name + "[" + i + "]", "a string", value.get(i));
                    }
                }
            } else if (javaType.isEnum()) {
                if (!value.isTextual()) {
                    throw wrongType(what, name, "a string", value);
                }
                String allowed = Arrays.stream(javaType.getEnumConstants())
                    .map(e -> ((Enum<?>) e).name()).collect(Collectors.joining(", "));
                boolean known = Arrays.stream(javaType.getEnumConstants())
                    .anyMatch(e -> ((Enum<?>) e).name().equals(value.textValue()));
                if (!known) {
                    throw fail(ProtocolException.Problem.INVALID_VALUE, name, what + " field '" + name + "' is '"
                        + Identifiers.printable(value.textValue()) + "', expected one of " + allowed, null);
                }
            } else {
                throw new IllegalStateException(type + " has component " + name + " of unsupported type " + javaType);
            }
        }
    }

    private static ProtocolException wrongType(String what, String field, String expected, JsonNode value) {
        return fail(ProtocolException.Problem.WRONG_TYPE, field,
            what + " field '" + field + "' must be " + expected + ", got " + kind(value), null);
    }

    private static String kind(JsonNode node) {
        JsonNodeType t = node.getNodeType();
        if (t == JsonNodeType.NUMBER) {
            return node.isIntegralNumber() ? "an integer " + node.asText() : "a decimal number " + node.asText();
        }
        return switch (t) {
            case STRING -> "a string";
            case BOOLEAN -> "a boolean";
            case ARRAY -> "an array";
            case OBJECT -> "an object";
            default -> t.name().toLowerCase(java.util.Locale.ROOT);
        };
    }

    private static ProtocolException fail(ProtocolException.Problem problem, String field, String message,
                                          Throwable cause) {
        return new ProtocolException(problem, field, null, message, cause);
    }

    private static String firstLine(String s) {
        if (s == null) {
            return "";
        }
        int nl = s.indexOf('\n');
        return nl < 0 ? s : s.substring(0, nl);
    }
}
