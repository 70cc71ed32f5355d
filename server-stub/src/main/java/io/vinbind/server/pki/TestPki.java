package io.vinbind.server.pki;

import java.io.IOException;
import java.math.BigInteger;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.PrivateKey;
import java.security.cert.X509CRL;
import java.security.cert.X509CRLEntry;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.Period;
import java.time.ZoneOffset;
import java.time.format.DateTimeParseException;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.locks.ReentrantLock;
import java.util.regex.Pattern;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x509.Extension;
import org.tinylog.Logger;

/**
 * The test/demo PKI of a deployment, kept in one directory: a terminal CA and a service CA, the certificates
 * issued from them, the revocation list and the CRLs. The server creates it on first start; an OEM plugs in its
 * own CAs by putting their files in the same layout (docs/security.md, "PKI and identities").
 *
 * <pre>
 * DIR/                       0700
 *   terminal-ca.pem          terminal CA certificate (the OEM's, in production)
 *   terminal-ca.key          its PKCS#8 key, 0600; absent where the OEM keeps it at the terminal factory
 *   terminal-ca.crl.pem      CRL signed by the terminal CA (RFC 5280 §5)
 *   service-ca.pem           service CA certificate
 *   service-ca.key           its key, 0600; absent where services are issued elsewhere
 *   service-ca.crl.pem       CRL signed by the service CA
 *   crls.pem                 both CRLs in one file, for brokers that take one CRL file (Mosquitto crlfile)
 *   revoked.txt              the revocations this directory made: serial (hex), time, CA, what
 *   services/NAME.pem .key   service certificates (leaf then CA) and keys
 *   terminals/ID.pem .key    terminal certificates (leaf then CA) and keys
 * </pre>
 *
 * <p>Issuing and revoking need the CA key; opening does not. Changes are serialised per directory, also between
 * processes (a lock file), so a {@code ./vinbind pki revoke} while the server runs loses nothing. Revocations are
 * read from the files on every {@link #revokedSerials()} call, so a running server sees them at once.
 */
public final class TestPki {

    public static final String TERMINAL_CA = "terminal-ca.pem";
    public static final String TERMINAL_CA_KEY = "terminal-ca.key";
    public static final String TERMINAL_CRL = "terminal-ca.crl.pem";
    public static final String SERVICE_CA = "service-ca.pem";
    public static final String SERVICE_CA_KEY = "service-ca.key";
    public static final String SERVICE_CRL = "service-ca.crl.pem";
    public static final String CRL_BUNDLE = "crls.pem";
    public static final String REVOKED = "revoked.txt";
    public static final String SERVICES = "services";
    public static final String TERMINALS = "terminals";

    /** How far notBefore lies before issuance, so that a peer whose clock is a little behind accepts it. */
    static final Duration BACKDATE = Duration.ofHours(1);

    private static final String ORGANIZATION = "vinbind test PKI";
    private static final String LOCK = ".lock";
    private static final Pattern DNS_LABEL = Pattern.compile("[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?");
    private static final Map<Path, ReentrantLock> LOCKS = new ConcurrentHashMap<>();
    /** 127.0.0.1 itself ({@code InetAddress.getLoopbackAddress()} is ::1 where IPv6 is preferred). */
    private static final InetAddress LOOPBACK_V4 = loopbackV4();

    /**
     * Validities and the clock.
     *
     * @param caValidity validity of a new CA (default 20 years: longer than any certificate it issues)
     * @param serviceValidity validity of service certificates (default 2 years: servers and tools are renewed by
     *     operators, often, and a stolen service key should not work for long)
     * @param terminalValidity validity of terminal certificates (default 15 years: a TBOX lives as long as the
     *     car, and a parked car may not renew for years)
     * @param crlValidity a CRL's nextUpdate after its thisUpdate (default 7 days; re-sign with
     *     {@link #refreshCrls()} before then)
     * @param clock the time certificates and CRLs are issued at
     */
    public record Settings(Period caValidity, Period serviceValidity, Period terminalValidity, Duration crlValidity,
                           Clock clock) {

        public Settings {
            requirePositive("CA validity", caValidity);
            requirePositive("service validity", serviceValidity);
            requirePositive("terminal validity", terminalValidity);
            Objects.requireNonNull(crlValidity, "crlValidity");
            if (crlValidity.isNegative() || crlValidity.isZero()) {
                throw new IllegalArgumentException("CRL validity " + crlValidity + " is not positive");
            }
            Objects.requireNonNull(clock, "clock");
        }

        public static Settings defaults() {
            return new Settings(Period.ofYears(20), Period.ofYears(2), Period.ofYears(15), Duration.ofDays(7),
                Clock.systemUTC());
        }

        public Settings withClock(Clock c) {
            return new Settings(caValidity, serviceValidity, terminalValidity, crlValidity, c);
        }

        public Settings withCaValidity(Period p) {
            return new Settings(p, serviceValidity, terminalValidity, crlValidity, clock);
        }

        public Settings withServiceValidity(Period p) {
            return new Settings(caValidity, p, terminalValidity, crlValidity, clock);
        }

        public Settings withTerminalValidity(Period p) {
            return new Settings(caValidity, serviceValidity, p, crlValidity, clock);
        }

        public Settings withCrlValidity(Duration d) {
            return new Settings(caValidity, serviceValidity, terminalValidity, d, clock);
        }

        private static void requirePositive(String what, Period p) {
            Objects.requireNonNull(p, what);
            if (p.isNegative() || p.isZero()) {
                throw new IllegalArgumentException(what + " " + p + " is not positive");
            }
        }
    }

    /**
     * A certificate issued into the directory, with its key and where both are.
     *
     * @param certificate the leaf
     * @param key its private key
     * @param certificateFile the chain file (leaf then issuing CA)
     * @param keyFile the PKCS#8 key file (0600)
     */
    public record Issued(X509Certificate certificate, PrivateKey key, Path certificateFile, Path keyFile) {

        public Issued {
            Objects.requireNonNull(certificate, "certificate");
            Objects.requireNonNull(key, "key");
            Objects.requireNonNull(certificateFile, "certificateFile");
            Objects.requireNonNull(keyFile, "keyFile");
        }

        /** Names the certificate and the files, never the key. */
        @Override
        public String toString() {
            return "Issued[" + Certificates.describe(certificate) + ", " + certificateFile + ", key " + keyFile + "]";
        }
    }

    private enum Ca {
        TERMINAL("terminal-ca", TERMINAL_CA, TERMINAL_CA_KEY, TERMINAL_CRL),
        SERVICE("service-ca", SERVICE_CA, SERVICE_CA_KEY, SERVICE_CRL);

        final String label;
        final String certFile;
        final String keyFile;
        final String crlFile;

        Ca(String label, String certFile, String keyFile, String crlFile) {
            this.label = label;
            this.certFile = certFile;
            this.keyFile = keyFile;
            this.crlFile = crlFile;
        }

        static Ca of(String label) {
            for (Ca ca : values()) {
                if (ca.label.equals(label)) {
                    return ca;
                }
            }
            return null;
        }
    }

    /** One line of revoked.txt. */
    private record Revocation(BigInteger serial, Instant at, Ca ca, String what) {
    }

    private final Path dir;
    private final Settings settings;
    private final X509Certificate terminalCa;
    private final Optional<PrivateKey> terminalCaKey;
    private final X509Certificate serviceCa;
    private final Optional<PrivateKey> serviceCaKey;

    private TestPki(Path dir, Settings settings, X509Certificate terminalCa, Optional<PrivateKey> terminalCaKey,
                    X509Certificate serviceCa, Optional<PrivateKey> serviceCaKey) {
        this.dir = dir;
        this.settings = settings;
        this.terminalCa = terminalCa;
        this.terminalCaKey = terminalCaKey;
        this.serviceCa = serviceCa;
        this.serviceCaKey = serviceCaKey;
    }

    /** Creates a new PKI with the default settings; see {@link #create(Path, Settings)}. */
    public static TestPki create(Path dir) throws PkiException {
        return create(dir, Settings.defaults());
    }

    /**
     * Creates a terminal CA and a service CA (P-256, self-signed, basicConstraints CA:true pathLen 0), empty CRLs
     * and the directory layout. Each call makes CAs with new keys and names, so a second directory is a foreign
     * PKI to the first. A new or empty {@code dir} is made 0700; one that already holds other files keeps its
     * permissions (changing those of a directory it does not own is not this method's business).
     *
     * @throws PkiException ({@link PkiException.Reason#STATE}) when {@code dir} already has a CA file
     */
    public static TestPki create(Path dir, Settings settings) throws PkiException {
        Objects.requireNonNull(dir, "dir");
        Objects.requireNonNull(settings, "settings");
        for (String f : List.of(TERMINAL_CA, TERMINAL_CA_KEY, SERVICE_CA, SERVICE_CA_KEY)) {
            if (Files.exists(dir.resolve(f))) {
                throw new PkiException(PkiException.Reason.STATE, dir + " already has a CA (" + f + "); open it, or"
                    + " create the PKI in an empty directory");
            }
        }
        if (isEmptyOrAbsent(dir)) {
            PemFiles.createPrivateDirectory(dir);
        } else {
            Logger.warn("creating a test PKI in {}, which already holds other files: its permissions are left as"
                + " they are (the PKI's own subdirectories are 0700, its keys 0600)", dir);
        }
        PemFiles.createPrivateDirectory(dir.resolve(SERVICES));
        PemFiles.createPrivateDirectory(dir.resolve(TERMINALS));
        return withLock(dir, () -> {
            Instant now = settings.clock().instant();
            String tag = Certificates.hex(Certificates.newSerial()).substring(0, 8);
            KeyPair terminalKeys = Certificates.newKeyPair();
            KeyPair serviceKeys = Certificates.newKeyPair();
            X509Certificate terminal = selfSigned(terminalKeys, "vinbind test terminal CA " + tag, now, settings.caValidity());
            X509Certificate service = selfSigned(serviceKeys, "vinbind test service CA " + tag, now, settings.caValidity());
            PemFiles.writePrivateKey(dir.resolve(TERMINAL_CA_KEY), terminalKeys.getPrivate());
            PemFiles.writePrivateKey(dir.resolve(SERVICE_CA_KEY), serviceKeys.getPrivate());
            PemFiles.writeCertificates(dir.resolve(TERMINAL_CA), List.of(terminal));
            PemFiles.writeCertificates(dir.resolve(SERVICE_CA), List.of(service));
            TestPki pki = new TestPki(dir, settings, terminal, Optional.of(terminalKeys.getPrivate()), service,
                Optional.of(serviceKeys.getPrivate()));
            pki.writeRevoked(List.of());
            pki.writeCrl(Ca.TERMINAL);
            pki.writeCrl(Ca.SERVICE);
            pki.writeCrlBundle();
            Logger.info("test PKI created in {}: terminal CA '{}', service CA '{}', valid until {}", dir,
                terminal.getSubjectX500Principal().getName(), service.getSubjectX500Principal().getName(),
                terminal.getNotAfter().toInstant());
            return pki;
        });
    }

    /** Opens an existing PKI with the default settings; see {@link #open(Path, Settings)}. */
    public static TestPki open(Path dir) throws PkiException {
        return open(dir, Settings.defaults());
    }

    /**
     * Opens an existing PKI: the two CA certificates must be there; each CA key is loaded when present (refused
     * when group or others can read it, or when it does not belong to its certificate) and may be absent (an
     * OEM's terminal CA: then this directory cannot issue or revoke terminal certificates, and the OEM supplies
     * {@value #TERMINAL_CRL}).
     */
    public static TestPki open(Path dir, Settings settings) throws PkiException {
        Objects.requireNonNull(dir, "dir");
        Objects.requireNonNull(settings, "settings");
        if (!Files.isDirectory(dir) || !Files.exists(dir.resolve(TERMINAL_CA))) {
            throw new PkiException(PkiException.Reason.STATE, "no PKI in " + dir + " (no " + TERMINAL_CA
                + "); create one with: ./vinbind pki init " + dir);
        }
        X509Certificate terminal = readCa(dir.resolve(TERMINAL_CA));
        X509Certificate service = readCa(dir.resolve(SERVICE_CA));
        TestPki pki = new TestPki(dir, settings, terminal, readCaKey(dir.resolve(TERMINAL_CA_KEY), terminal), service,
            readCaKey(dir.resolve(SERVICE_CA_KEY), service));
        pki.readRevoked(); // a broken revoked.txt is reported now, not at the first connection
        return pki;
    }

    /** Opens the PKI in {@code dir}, or creates one there when it has no CA yet (the server's first start). */
    public static TestPki openOrCreate(Path dir) throws PkiException {
        return openOrCreate(dir, Settings.defaults());
    }

    /** As {@link #openOrCreate(Path)} with the given settings. */
    public static TestPki openOrCreate(Path dir, Settings settings) throws PkiException {
        if (Files.exists(dir.resolve(TERMINAL_CA)) || Files.exists(dir.resolve(SERVICE_CA))) {
            return open(dir, settings);
        }
        return create(dir, settings);
    }

    /**
     * Issues a server certificate: subject {@code CN=svc:<name>, OU=vinbind-service}, EKU serverAuth + clientAuth
     * (the broker's TLS identity and the server's own MQTT client credential), subjectAltNames {@code localhost},
     * {@code 127.0.0.1} and the given DNS names and addresses. Writes {@code services/<name>.pem} (leaf then service
     * CA) and {@code services/<name>.key}, replacing an earlier certificate of that name (which stays valid until
     * it expires or is revoked).
     *
     * @throws IllegalArgumentException for a bad name or DNS name
     * @throws PkiException ({@link PkiException.Reason#STATE}) without the service CA key
     */
    public Issued issueServer(String name, List<String> dnsNames, List<InetAddress> addresses) throws PkiException {
        Identity.requireName(Identity.Kind.SERVICE, name);
        Set<String> dns = new LinkedHashSet<>();
        dns.add("localhost");
        for (String d : Objects.requireNonNull(dnsNames, "dnsNames")) {
            dns.add(requireDnsName(d));
        }
        Set<InetAddress> ips = new LinkedHashSet<>();
        ips.add(LOOPBACK_V4);
        ips.addAll(Objects.requireNonNull(addresses, "addresses"));
        Instant now = settings.clock().instant();
        return issue(Ca.SERVICE, Identity.Kind.SERVICE, name, now.minus(BACKDATE), plus(now, settings.serviceValidity()),
            Certificates.serverExtensions(List.copyOf(dns), List.copyOf(ips)));
    }

    /**
     * Issues a service certificate for a tool (factory, after-sales): {@code CN=svc:<name>, OU=vinbind-service},
     * EKU clientAuth only; {@code services/<name>.pem} and {@code .key}.
     */
    public Issued issueService(String name) throws PkiException {
        Identity.requireName(Identity.Kind.SERVICE, name);
        Instant now = settings.clock().instant();
        return issue(Ca.SERVICE, Identity.Kind.SERVICE, name, now.minus(BACKDATE), plus(now, settings.serviceValidity()),
            Certificates.clientExtensions());
    }

    /**
     * Issues a terminal certificate as the terminal factory does: {@code CN=<terminalId>, OU=vinbind-terminal},
     * EKU clientAuth, keyUsage digitalSignature, a new P-256 key; {@code terminals/<terminalId>.pem} (leaf then
     * terminal CA) and {@code .key}.
     */
    public Issued issueTerminal(String terminalId) throws PkiException {
        Instant now = settings.clock().instant();
        return issueTerminal(terminalId, now.minus(BACKDATE), plus(now, settings.terminalValidity()));
    }

    /** As {@link #issueTerminal(String)} with the given validity (tests make expired and future certificates). */
    public Issued issueTerminal(String terminalId, Instant notBefore, Instant notAfter) throws PkiException {
        Identity.requireName(Identity.Kind.TERMINAL, terminalId);
        if (!notAfter.isAfter(notBefore)) {
            throw new IllegalArgumentException("notAfter " + notAfter + " is not after notBefore " + notBefore);
        }
        return issue(Ca.TERMINAL, Identity.Kind.TERMINAL, terminalId, notBefore, notAfter, Certificates.clientExtensions());
    }

    /** The certificate and key already issued into this directory for a terminal or service, if any. */
    public Optional<Issued> issued(Identity.Kind kind, String name) throws PkiException {
        Identity.requireName(kind, name);
        Path folder = dir.resolve(kind == Identity.Kind.TERMINAL ? TERMINALS : SERVICES);
        Path cert = folder.resolve(name + ".pem");
        Path key = folder.resolve(name + ".key");
        if (!Files.exists(cert)) {
            return Optional.empty();
        }
        X509Certificate leaf = PemFiles.readCertificates(cert).get(0);
        PrivateKey k = PemFiles.readPrivateKey(key);
        if (!Certificates.matches(k, leaf)) {
            throw new PkiException(PkiException.Reason.FILE, "key " + key + " does not belong to certificate " + cert);
        }
        return Optional.of(new Issued(leaf, k, cert, key));
    }

    /** The identities of every certificate in {@code services/} and {@code terminals/}, services first, by name. */
    public List<Identity> issued() throws PkiException {
        List<Identity> out = new ArrayList<>();
        for (String folder : List.of(SERVICES, TERMINALS)) {
            Path d = dir.resolve(folder);
            if (!Files.isDirectory(d)) {
                continue;
            }
            try (DirectoryStream<Path> files = Files.newDirectoryStream(d, "*.pem")) {
                for (Path f : files) {
                    out.add(Identity.of(PemFiles.readCertificates(f).get(0)));
                }
            } catch (IOException e) {
                throw new PkiException(PkiException.Reason.FILE, "cannot list " + d + ": " + e, e);
            }
        }
        out.sort(Comparator.comparing(Identity::kind).reversed().thenComparing(Identity::name));
        return List.copyOf(out);
    }

    /**
     * Revokes the certificate in {@code terminals/<terminalId>.pem} by its serial; see {@link #revoke(BigInteger)}.
     *
     * @throws PkiException ({@link PkiException.Reason#STATE}) when this directory has no certificate for it (a
     *     terminal issued elsewhere is revoked by serial)
     */
    public X509CRL revokeTerminal(String terminalId) throws PkiException {
        Identity.requireName(Identity.Kind.TERMINAL, terminalId);
        Path cert = dir.resolve(TERMINALS).resolve(terminalId + ".pem");
        if (!Files.exists(cert)) {
            throw new PkiException(PkiException.Reason.STATE, "no certificate for terminal " + terminalId + " in "
                + cert.getParent() + "; revoke it by serial instead");
        }
        return revoke(Ca.TERMINAL, PemFiles.readCertificates(cert).get(0).getSerialNumber(), "terminal:" + terminalId);
    }

    /**
     * Revokes a terminal certificate by serial (one the terminal factory issued, wherever its file is): adds it to
     * {@value #REVOKED} and re-signs {@value #TERMINAL_CRL} and {@value #CRL_BUNDLE}. Revoking a revoked serial
     * again changes nothing but the CRL's dates.
     *
     * @return the new CRL
     * @throws PkiException ({@link PkiException.Reason#STATE}) without the terminal CA key
     */
    public X509CRL revoke(BigInteger serial) throws PkiException {
        return revoke(Ca.TERMINAL, serial, "serial");
    }

    /** Revokes the service certificate in {@code services/<name>.pem}; re-signs {@value #SERVICE_CRL}. */
    public X509CRL revokeService(String name) throws PkiException {
        Identity.requireName(Identity.Kind.SERVICE, name);
        Path cert = dir.resolve(SERVICES).resolve(name + ".pem");
        if (!Files.exists(cert)) {
            throw new PkiException(PkiException.Reason.STATE, "no certificate for service " + name + " in "
                + cert.getParent());
        }
        return revoke(Ca.SERVICE, PemFiles.readCertificates(cert).get(0).getSerialNumber(), "service:" + name);
    }

    /**
     * Re-signs the CRLs whose CA key is here, with thisUpdate now and nextUpdate {@link Settings#crlValidity()}
     * later, and rewrites {@value #CRL_BUNDLE}. A broker that checks CRLs refuses every client once its CRL's
     * nextUpdate has passed, so the server calls this at start and then daily (or cron runs
     * {@code ./vinbind pki crl DIR}).
     *
     * @return the CRLs now in the directory
     */
    public List<X509CRL> refreshCrls() throws PkiException {
        return withLock(dir, () -> {
            if (terminalCaKey.isPresent()) {
                writeCrl(Ca.TERMINAL);
            }
            if (serviceCaKey.isPresent()) {
                writeCrl(Ca.SERVICE);
            }
            return writeCrlBundle();
        });
    }

    /**
     * Every revoked serial: those in {@value #REVOKED} and those in the CRL files (each checked to be signed by its
     * CA, so an OEM's CRL dropped into the directory counts). Read from the files on each call.
     */
    public Set<BigInteger> revokedSerials() throws PkiException {
        Set<BigInteger> out = new TreeSet<>();
        for (Revocation r : readRevoked()) {
            out.add(r.serial());
        }
        for (Ca ca : Ca.values()) {
            Path f = dir.resolve(ca.crlFile);
            if (Files.exists(f)) {
                X509CRL crl = readVerifiedCrl(ca, f);
                Set<? extends X509CRLEntry> entries = crl.getRevokedCertificates();
                if (entries != null) {
                    for (X509CRLEntry e : entries) {
                        out.add(e.getSerialNumber());
                    }
                }
            }
        }
        return Set.copyOf(out);
    }

    /** Both CAs with their roles, for {@link ChainCheck#verify(X509Certificate[], TrustAnchors, Set, Instant, ChainCheck.Purpose)}. */
    public TrustAnchors trustAnchors() {
        return new TrustAnchors(List.of(terminalCa), List.of(serviceCa));
    }

    public X509Certificate terminalCaCertificate() {
        return terminalCa;
    }

    public X509Certificate serviceCaCertificate() {
        return serviceCa;
    }

    public Path terminalCaFile() {
        return dir.resolve(TERMINAL_CA);
    }

    public Path serviceCaFile() {
        return dir.resolve(SERVICE_CA);
    }

    /** The terminal CA's CRL, {@value #TERMINAL_CRL}. */
    public Path crlFile() {
        return dir.resolve(TERMINAL_CRL);
    }

    /** The service CA's CRL, {@value #SERVICE_CRL}. */
    public Path serviceCrlFile() {
        return dir.resolve(SERVICE_CRL);
    }

    /** Both CRLs in one PEM file, {@value #CRL_BUNDLE}. */
    public Path crlBundleFile() {
        return dir.resolve(CRL_BUNDLE);
    }

    public Path dir() {
        return dir;
    }

    /** Whether this directory holds the terminal CA key (so it can issue and revoke terminal certificates). */
    public boolean canIssueTerminals() {
        return terminalCaKey.isPresent();
    }

    /** Whether this directory holds the service CA key. */
    public boolean canIssueServices() {
        return serviceCaKey.isPresent();
    }

    // ---- internals ----

    private Issued issue(Ca ca, Identity.Kind kind, String name, Instant notBefore, Instant notAfter,
                         List<Extension> extensions) throws PkiException {
        X509Certificate caCert = ca == Ca.TERMINAL ? terminalCa : serviceCa;
        PrivateKey caKey = requireKey(ca);
        return withLock(dir, () -> {
            KeyPair keys = Certificates.newKeyPair();
            String cn = kind == Identity.Kind.SERVICE ? Identity.SERVICE_PREFIX + name : name;
            X500Name subject = Certificates.name(null, kind.organizationalUnit(), cn);
            X509Certificate leaf = Certificates.sign(caCert, caKey, subject, keys.getPublic(), notBefore, notAfter,
                extensions);
            Path folder = dir.resolve(kind == Identity.Kind.TERMINAL ? TERMINALS : SERVICES);
            PemFiles.createPrivateDirectory(folder);
            Path keyFile = folder.resolve(name + ".key");
            Path certFile = folder.resolve(name + ".pem");
            boolean replaced = Files.exists(certFile);
            PemFiles.writePrivateKey(keyFile, keys.getPrivate());
            PemFiles.writeCertificates(certFile, List.of(leaf, caCert));
            Logger.info("issued {} certificate {} serial {} valid until {}{}", kind.name().toLowerCase(Locale.ROOT), cn,
                Certificates.hex(leaf.getSerialNumber()), notAfter, replaced ? " (replaces the earlier one)" : "");
            return new Issued(leaf, keys.getPrivate(), certFile, keyFile);
        });
    }

    private X509CRL revoke(Ca ca, BigInteger serial, String what) throws PkiException {
        Objects.requireNonNull(serial, "serial");
        if (serial.signum() <= 0) {
            throw new IllegalArgumentException("serial " + serial + " is not positive (RFC 5280 §4.1.2.2)");
        }
        requireKey(ca);
        return withLock(dir, () -> {
            List<Revocation> list = new ArrayList<>(readRevoked());
            boolean known = list.stream().anyMatch(r -> r.ca() == ca && r.serial().equals(serial));
            if (!known) {
                list.add(new Revocation(serial, settings.clock().instant().truncatedTo(ChronoUnit.SECONDS), ca, what));
                writeRevoked(list);
            }
            X509CRL crl = writeCrl(ca);
            writeCrlBundle();
            Logger.info("{} serial {} ({}) {}; CRL {} next update {}", ca.label, Certificates.hex(serial), what,
                known ? "was already revoked" : "revoked", dir.resolve(ca.crlFile), crl.getNextUpdate().toInstant());
            return crl;
        });
    }

    private X509CRL writeCrl(Ca ca) throws PkiException {
        X509Certificate caCert = ca == Ca.TERMINAL ? terminalCa : serviceCa;
        Map<BigInteger, Instant> entries = new LinkedHashMap<>();
        for (Revocation r : readRevoked()) {
            if (r.ca() == ca) {
                entries.put(r.serial(), r.at());
            }
        }
        Path file = dir.resolve(ca.crlFile);
        BigInteger number = BigInteger.ONE;
        if (Files.exists(file)) {
            number = Certificates.crlNumber(readVerifiedCrl(ca, file)).add(BigInteger.ONE);
        }
        Instant now = settings.clock().instant();
        X509CRL crl = Certificates.signCrl(caCert, requireKey(ca), entries, number, now, now.plus(settings.crlValidity()));
        PemFiles.writeCrls(file, List.of(crl));
        return crl;
    }

    private List<X509CRL> writeCrlBundle() throws PkiException {
        List<X509CRL> crls = new ArrayList<>();
        for (Ca ca : Ca.values()) {
            Path f = dir.resolve(ca.crlFile);
            if (Files.exists(f)) {
                crls.add(readVerifiedCrl(ca, f));
            }
        }
        if (!crls.isEmpty()) {
            PemFiles.writeCrls(dir.resolve(CRL_BUNDLE), crls);
        }
        return List.copyOf(crls);
    }

    private X509CRL readVerifiedCrl(Ca ca, Path file) throws PkiException {
        X509CRL crl = PemFiles.readCrl(file);
        X509Certificate caCert = ca == Ca.TERMINAL ? terminalCa : serviceCa;
        try {
            crl.verify(caCert.getPublicKey());
        } catch (GeneralSecurityException e) {
            throw new PkiException(PkiException.Reason.FILE, "CRL " + file + " is not signed by the " + ca.label + " "
                + Certificates.describe(caCert) + ": " + e.getMessage(), e);
        }
        return crl;
    }

    private List<Revocation> readRevoked() throws PkiException {
        Path file = dir.resolve(REVOKED);
        if (!Files.exists(file)) {
            return List.of();
        }
        List<String> lines;
        try {
            lines = Files.readAllLines(file, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new PkiException(PkiException.Reason.FILE, "cannot read " + file + ": " + e, e);
        }
        List<Revocation> out = new ArrayList<>();
        for (int i = 0; i < lines.size(); i++) {
            String line = lines.get(i).strip();
            if (line.isEmpty() || line.startsWith("#")) {
                continue;
            }
            String[] f = line.split("\\s+", 4);
            try {
                if (f.length < 3) {
                    throw new IllegalArgumentException("has " + f.length + " fields, expected: serial time CA [what]");
                }
                Ca ca = Ca.of(f[2]);
                if (ca == null) {
                    throw new IllegalArgumentException("CA '" + Identity.printable(f[2]) + "' is not terminal-ca or service-ca");
                }
                out.add(new Revocation(parseSerial(f[0]), Instant.parse(f[1]), ca, f.length > 3 ? f[3] : ""));
            } catch (IllegalArgumentException | DateTimeParseException e) {
                throw new PkiException(PkiException.Reason.FILE, file + " line " + (i + 1) + ": " + e.getMessage(), e);
            }
        }
        return out;
    }

    private void writeRevoked(List<Revocation> list) throws PkiException {
        StringBuilder b = new StringBuilder("# vinbind revoked certificates: serial (hex), revoked at (UTC), CA, what\n");
        for (Revocation r : list) {
            b.append(Certificates.hex(r.serial())).append(' ').append(r.at()).append(' ').append(r.ca().label);
            if (!r.what().isEmpty()) {
                b.append(' ').append(r.what());
            }
            b.append('\n');
        }
        PemFiles.writeAtomically(dir.resolve(REVOKED), b.toString().getBytes(StandardCharsets.UTF_8), false);
    }

    private PrivateKey requireKey(Ca ca) throws PkiException {
        Optional<PrivateKey> key = ca == Ca.TERMINAL ? terminalCaKey : serviceCaKey;
        return key.orElseThrow(() -> new PkiException(PkiException.Reason.STATE, "the " + ca.label + " key "
            + dir.resolve(ca.keyFile) + " is not here, so this directory cannot issue or revoke "
            + (ca == Ca.TERMINAL ? "terminal" : "service") + " certificates; do it where that CA's key is"));
    }

    /**
     * Parses a serial in hex as the CLI, revoked.txt and {@code openssl x509 -serial} show it; colons (as in
     * {@code openssl x509 -text}) and a {@code 0x} prefix are allowed.
     */
    public static BigInteger parseSerial(String hex) {
        String h = hex.strip().replace(":", "");
        if (h.startsWith("0x") || h.startsWith("0X")) {
            h = h.substring(2);
        }
        if (h.isEmpty() || h.length() > 40 || !h.chars().allMatch(c -> Character.digit(c, 16) >= 0)) {
            throw new IllegalArgumentException("serial '" + Identity.printable(hex) + "' is not 1-40 hex digits");
        }
        BigInteger serial = new BigInteger(h, 16);
        if (serial.signum() == 0) {
            throw new IllegalArgumentException("serial 0 is not positive (RFC 5280 §4.1.2.2)");
        }
        return serial;
    }

    /** A DNS name for a subjectAltName: LDH labels (RFC 1123), at most 253 characters, lower-cased. */
    public static String requireDnsName(String name) {
        String n = Objects.requireNonNull(name, "dns name").toLowerCase(Locale.ROOT);
        if (n.endsWith(".")) {
            n = n.substring(0, n.length() - 1);
        }
        boolean ok = !n.isEmpty() && n.length() <= 253;
        for (String label : n.split("\\.", -1)) {
            ok &= DNS_LABEL.matcher(label).matches();
        }
        if (!ok) {
            throw new IllegalArgumentException("DNS name '" + Identity.printable(name) + "' is not a host name of"
                + " letters, digits and hyphens (RFC 1123)");
        }
        return n;
    }

    private static InetAddress loopbackV4() {
        try {
            return InetAddress.getByAddress("localhost", new byte[] {127, 0, 0, 1});
        } catch (UnknownHostException e) {
            throw new IllegalStateException("4 bytes are an IPv4 address", e);
        }
    }

    private static boolean isEmptyOrAbsent(Path dir) throws PkiException {
        if (!Files.exists(dir)) {
            return true;
        }
        try (DirectoryStream<Path> entries = Files.newDirectoryStream(dir)) {
            return !entries.iterator().hasNext();
        } catch (IOException e) {
            throw new PkiException(PkiException.Reason.FILE, "cannot read directory " + dir + ": " + e, e);
        }
    }

    private static X509Certificate selfSigned(KeyPair keys, String commonName, Instant now, Period validity)
        throws PkiException {
        return Certificates.sign(null, keys.getPrivate(), Certificates.name(ORGANIZATION, null, commonName),
            keys.getPublic(), now.minus(BACKDATE), plus(now, validity), Certificates.caExtensions());
    }

    private static Instant plus(Instant t, Period p) {
        return t.atZone(ZoneOffset.UTC).plus(p).toInstant();
    }

    private static X509Certificate readCa(Path file) throws PkiException {
        X509Certificate ca = PemFiles.readCertificates(file).get(0);
        if (ca.getBasicConstraints() < 0) {
            throw new PkiException(PkiException.Reason.FILE, file + " holds " + Certificates.describe(ca)
                + ", which is not a CA certificate (no basicConstraints CA:true)");
        }
        return ca;
    }

    private static Optional<PrivateKey> readCaKey(Path file, X509Certificate ca) throws PkiException {
        if (!Files.exists(file)) {
            return Optional.empty();
        }
        PrivateKey key = PemFiles.readPrivateKey(file);
        if (!Certificates.matches(key, ca)) {
            throw new PkiException(PkiException.Reason.FILE, "key " + file + " does not belong to the CA certificate "
                + Certificates.describe(ca));
        }
        return Optional.of(key);
    }

    /** Work done while holding the directory's lock. */
    private interface Locked<T> {
        T run() throws PkiException;
    }

    /**
     * Runs {@code work} holding the directory's lock: a lock per directory in this JVM (a file lock is held by the
     * whole process, so two threads would not exclude each other through it), then the lock file against other
     * processes.
     */
    private static <T> T withLock(Path dir, Locked<T> work) throws PkiException {
        Path key = dir.toAbsolutePath().normalize();
        ReentrantLock lock = LOCKS.computeIfAbsent(key, k -> new ReentrantLock());
        lock.lock();
        try (FileChannel ch = FileChannel.open(key.resolve(LOCK), StandardOpenOption.CREATE, StandardOpenOption.WRITE)) {
            FileLock held = ch.lock();
            try {
                return work.run();
            } finally {
                held.release();
            }
        } catch (IOException e) {
            throw new PkiException(PkiException.Reason.FILE, "cannot lock " + key.resolve(LOCK) + ": " + e, e);
        } finally {
            lock.unlock();
        }
    }
}
