package io.vinbind.esim.message;

/**
 * Bytes that do not decode as the SGP.22 structure expected: not DER, a wrong or missing tag, a field of the
 * wrong size. The message names the structure and the field, so a refusal can say what was wrong.
 */
public final class MalformedMessageException extends RuntimeException {

    private final String structure;

    public MalformedMessageException(String structure, String problem) {
        super(structure + ": " + problem);
        this.structure = structure;
    }

    public MalformedMessageException(String structure, String problem, Throwable cause) {
        super(structure + ": " + problem, cause);
        this.structure = structure;
    }

    /** The ASN.1 type (e.g. {@code AuthenticateServerRequest}) that did not decode. */
    public String structure() {
        return structure;
    }
}
