package io.vinbind.modem;

import java.util.Objects;

/**
 * The data connection to set up: access point name (3GPP TS 23.003 §9.1: labels of letters, digits and
 * hyphens separated by dots, at most 100 characters), PDP type and optional credentials.
 */
public record Apn(String name, PdpType pdpType, String user, String password, Auth auth) {

    /** {@code <PDP_type>} of {@code AT+CGDCONT} (27.007 §10.1.1); Quectel's {@code <context_type>} 1/2/3. */
    public enum PdpType {
        IP("IP", 1), IPV6("IPV6", 2), IPV4V6("IPV4V6", 3);

        private final String at;
        private final int quectel;

        PdpType(String at, int quectel) {
            this.at = at;
            this.quectel = quectel;
        }

        public String atName() {
            return at;
        }

        public int quectelCode() {
            return quectel;
        }
    }

    /** Authentication (Quectel {@code AT+QICSGP} and 27.007 {@code AT+CGAUTH}: 0 none, 1 PAP, 2 CHAP). */
    public enum Auth {
        NONE, PAP, CHAP
    }

    public Apn {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(pdpType, "pdpType");
        Objects.requireNonNull(user, "user");
        Objects.requireNonNull(password, "password");
        Objects.requireNonNull(auth, "auth");
        if (name.length() > 100) {
            throw new IllegalArgumentException("APN longer than 100 characters: " + name.length());
        }
        if (!name.isEmpty() && !name.matches("[A-Za-z0-9-]+(\\.[A-Za-z0-9-]+)*")) {
            throw new IllegalArgumentException("APN must be dot-separated labels of letters, digits and '-': '" + name + "'");
        }
        if (user.contains("\"") || password.contains("\"")) {
            throw new IllegalArgumentException("APN user/password must not contain '\"'");
        }
        if (auth == Auth.NONE && !(user.isEmpty() && password.isEmpty())) {
            throw new IllegalArgumentException("APN credentials given but auth is NONE");
        }
    }

    /** An IPv4 APN without credentials; the empty name asks the network for its default APN. */
    public static Apn of(String name) {
        return new Apn(name, PdpType.IP, "", "", Auth.NONE);
    }
}
