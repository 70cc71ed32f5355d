package io.vinbind.hil.euicc;

import io.vinbind.esim.pki.CertificateCheckException;
import io.vinbind.esim.pki.EuiccCredentials;
import io.vinbind.esim.pki.TestPki;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;

/**
 * An eUICC identity from a directory: one written by {@code ./vinbind esim pki init DIR} (pki.properties, ci.pem,
 * eum.pem, euicc-&lt;EID&gt;.pem and its key), choosing the EID or taking the first; or four files as published test
 * identities come (the GSMA SGP.26 test eUICC): {@code euicc.pem}, {@code euicc.key.pem}, {@code eum.pem},
 * {@code ci.pem}.
 */
public final class EuiccIdentity {

    private EuiccIdentity() {
    }

    public static EuiccCredentials load(Path dir, Optional<String> eid) throws IOException, CertificateCheckException {
        if (Files.exists(dir.resolve(TestPki.PROPERTIES))) {
            List<String> eids = TestPki.eidsIn(dir);
            if (eids.isEmpty()) {
                throw new IOException(dir + "/" + TestPki.PROPERTIES + " lists no eUICC");
            }
            String chosen = eid.orElse(eids.get(0));
            if (!eids.contains(chosen)) {
                throw new IOException("no eUICC " + chosen + " in " + dir + " (it has " + eids + ")");
            }
            return EuiccCredentials.fromPkiDirectory(dir, chosen);
        }
        Path cert = dir.resolve("euicc.pem");
        if (Files.exists(cert)) {
            EuiccCredentials c = EuiccCredentials.fromFiles(cert, dir.resolve("euicc.key.pem"), dir.resolve("eum.pem"),
                    List.of(dir.resolve("ci.pem")));
            if (eid.isPresent() && !eid.get().equals(c.eid())) {
                throw new IOException("the eUICC in " + dir + " is " + c.eid() + ", not " + eid.get());
            }
            return c;
        }
        throw new IOException(dir + " holds no eUICC identity (neither " + TestPki.PROPERTIES
                + " from ./vinbind esim pki init nor euicc.pem, euicc.key.pem, eum.pem, ci.pem)");
    }
}
