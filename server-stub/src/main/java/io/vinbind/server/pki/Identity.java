package io.vinbind.server.pki;

import java.math.BigInteger;
import java.security.cert.X509Certificate;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.regex.Pattern;
import org.bouncycastle.asn1.ASN1Encodable;
import org.bouncycastle.asn1.ASN1ObjectIdentifier;
import org.bouncycastle.asn1.ASN1String;
import org.bouncycastle.asn1.x500.AttributeTypeAndValue;
import org.bouncycastle.asn1.x500.RDN;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x500.style.BCStyle;

/**
 * Who a verified certificate speaks for: a terminal (subject {@code CN=<terminalId>, OU=vinbind-terminal}) or a
 * service (subject {@code CN=svc:<name>, OU=vinbind-service}).
 *
 * <p>Names are 1–64 characters of {@code A-Z a-z 0-9 . _ -} starting with a letter or digit: the broker keys a
 * terminal's topics by this name (Mosquitto's {@code use_identity_as_username} turns the CN into the user name
 * that {@code %u} substitutes in ACL patterns), so it can never hold an MQTT wildcard {@code + #}, a level
 * separator {@code /}, or the {@code svc:} prefix that marks a service.
 *
 * @param kind terminal or service
 * @param name the terminal id, or the service name without {@code svc:}
 * @param serial the certificate's serial number (RFC 5280 §4.1.2.2)
 * @param notAfter end of the certificate's validity
 */
public record Identity(Kind kind, String name, BigInteger serial, Instant notAfter) {

    /** The two kinds of party, each with its own OU and its own CA. */
    public enum Kind {
        TERMINAL(TERMINAL_OU),
        SERVICE(SERVICE_OU);

        private final String organizationalUnit;

        Kind(String organizationalUnit) {
            this.organizationalUnit = organizationalUnit;
        }

        /** The subject OU that marks this kind. */
        public String organizationalUnit() {
            return organizationalUnit;
        }
    }

    /** Subject OU of a terminal certificate. */
    public static final String TERMINAL_OU = "vinbind-terminal";
    /** Subject OU of a service certificate. */
    public static final String SERVICE_OU = "vinbind-service";
    /** CN prefix of a service certificate. */
    public static final String SERVICE_PREFIX = "svc:";
    /** A terminal id or a service name. */
    public static final Pattern NAME = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]{0,63}");

    private static final String NAME_RULE = "1-64 of A-Z a-z 0-9 . _ -, starting with a letter or digit";

    public Identity {
        Objects.requireNonNull(kind, "kind");
        requireName(kind, name);
        Objects.requireNonNull(serial, "serial");
        if (serial.signum() <= 0) {
            throw new IllegalArgumentException("serial " + serial + " is not positive (RFC 5280 §4.1.2.2)");
        }
        Objects.requireNonNull(notAfter, "notAfter");
    }

    /** The subject CN this identity has: the terminal id, or {@code svc:<name>}. */
    public String commonName() {
        return kind == Kind.SERVICE ? SERVICE_PREFIX + name : name;
    }

    /**
     * Checks a terminal id or service name (without {@code svc:}) before a certificate is issued for it.
     *
     * @return the name
     * @throws IllegalArgumentException naming what is wrong with it
     */
    public static String requireName(Kind kind, String name) {
        Objects.requireNonNull(name, "name");
        String what = kind == Kind.TERMINAL ? "terminal id" : "service name";
        if (kind == Kind.TERMINAL && name.startsWith(SERVICE_PREFIX)) {
            throw new IllegalArgumentException("terminal id '" + printable(name) + "' starts with '" + SERVICE_PREFIX
                + "', which marks a service");
        }
        if (!NAME.matcher(name).matches()) {
            throw new IllegalArgumentException(what + " '" + printable(name) + "' is not " + NAME_RULE
                + " (never an MQTT wildcard + #, a / or a space)");
        }
        return name;
    }

    /**
     * Reads the identity of a leaf certificate from its subject: exactly one CN and exactly one OU, the OU one of
     * {@value #TERMINAL_OU} and {@value #SERVICE_OU}, the CN a valid name of that kind. Other attributes (O, C)
     * are allowed, so an OEM's CA may add its own. This does not verify the certificate: {@link ChainCheck} does,
     * then calls this.
     *
     * @throws PkiException ({@link PkiException.Reason#NOT_IN_MODEL}) saying what does not fit
     */
    public static Identity of(X509Certificate leaf) throws PkiException {
        Objects.requireNonNull(leaf, "leaf");
        X500Name subject = X500Name.getInstance(leaf.getSubjectX500Principal().getEncoded());
        String shown = printable(leaf.getSubjectX500Principal().getName());
        List<String> cns = values(subject, BCStyle.CN, shown);
        List<String> ous = values(subject, BCStyle.OU, shown);
        if (cns.isEmpty()) {
            throw notInModel("certificate subject '" + shown + "' has no CN");
        }
        if (cns.size() > 1) {
            throw notInModel("certificate subject '" + shown + "' has " + cns.size() + " CNs; exactly one names the party");
        }
        if (ous.size() != 1) {
            throw notInModel("certificate subject '" + shown + "' has " + ous.size() + " OUs; exactly one ("
                + TERMINAL_OU + " or " + SERVICE_OU + ") says which kind of party it is");
        }
        String cn = cns.get(0);
        String ou = ous.get(0);
        Kind kind;
        String name;
        if (TERMINAL_OU.equals(ou)) {
            kind = Kind.TERMINAL;
            name = cn;
        } else if (SERVICE_OU.equals(ou)) {
            kind = Kind.SERVICE;
            if (!cn.startsWith(SERVICE_PREFIX)) {
                throw notInModel("service certificate CN '" + printable(cn) + "' does not start with '"
                    + SERVICE_PREFIX + "'");
            }
            name = cn.substring(SERVICE_PREFIX.length());
        } else {
            throw notInModel("certificate subject '" + shown + "' has OU '" + printable(ou) + "', neither "
                + TERMINAL_OU + " nor " + SERVICE_OU);
        }
        try {
            return new Identity(kind, name, leaf.getSerialNumber(), leaf.getNotAfter().toInstant());
        } catch (IllegalArgumentException e) {
            throw notInModel("certificate CN '" + printable(cn) + "' (" + ou + "): " + e.getMessage());
        }
    }

    private static List<String> values(X500Name subject, ASN1ObjectIdentifier type, String shown) throws PkiException {
        List<String> out = new ArrayList<>();
        for (RDN rdn : subject.getRDNs()) {
            for (AttributeTypeAndValue atv : rdn.getTypesAndValues()) {
                if (atv.getType().equals(type)) {
                    ASN1Encodable value = atv.getValue();
                    if (!(value instanceof ASN1String s)) {
                        throw notInModel("certificate subject '" + shown + "' has a " + BCStyle.INSTANCE.oidToDisplayName(type)
                            + " that is not a string");
                    }
                    out.add(s.getString());
                }
            }
        }
        return out;
    }

    private static PkiException notInModel(String message) {
        return new PkiException(PkiException.Reason.NOT_IN_MODEL, message);
    }

    /**
     * Untrusted text made safe to log or show on one line: control and non-ASCII characters as {@code \\uXXXX},
     * cut after 100 characters.
     */
    static String printable(String text) {
        StringBuilder b = new StringBuilder();
        int i = 0;
        for (; i < text.length() && b.length() < 100; i++) {
            char c = text.charAt(i);
            if (c >= 0x20 && c < 0x7f && c != '\\') {
                b.append(c);
            } else {
                b.append(String.format("\\u%04x", (int) c));
            }
        }
        return i < text.length() ? b + "..." : b.toString();
    }
}
