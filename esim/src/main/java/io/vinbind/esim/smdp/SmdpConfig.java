package io.vinbind.esim.smdp;

import io.vinbind.esim.pki.SmdpCredentials;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Objects;

/**
 * How an SM-DP+ simulator is started.
 *
 * @param credentials DPauth, DPpb, DPtls and the trusted CIs
 * @param inventory the profiles it can deliver
 * @param bindHost the address to listen on (127.0.0.1 by default)
 * @param port the TCP port, 0 for a free one
 * @param es2Token the bearer token an ES2+ caller must send ({@code Authorization: Bearer <token>})
 * @param operatorCallback where handleDownloadProgressInfo goes, or null for nowhere
 * @param operatorCallbackToken the bearer token sent with each handleDownloadProgressInfo (the operator's endpoint
 *     authenticates the SM-DP+), or null to send none
 * @param orderTtl how long a download order stays valid after downloadOrder
 * @param confirmationCodeAttempts wrong confirmation codes allowed before the order is refused for good
 * @param stateFile where orders and sessions persist, or null for memory only
 * @param faults faults to show
 * @param profileProtectionKeys bind packages as pre-generated ones are: the profile elements under their own
 *     keys (PPK), sent to the eUICC in ReplaceSessionKeys (BPP A2, SGP.22 §2.5.4) — exercises that path
 */
public record SmdpConfig(SmdpCredentials credentials, List<InventoryProfile> inventory, String bindHost, int port,
                         String es2Token, URI operatorCallback, String operatorCallbackToken, Duration orderTtl, int confirmationCodeAttempts,
                         Path stateFile, SmdpFaults faults, boolean profileProtectionKeys) {

    public SmdpConfig {
        Objects.requireNonNull(credentials, "credentials");
        inventory = List.copyOf(inventory);
        Objects.requireNonNull(bindHost, "bindHost");
        if (port < 0 || port > 65535) {
            throw new IllegalArgumentException("port must be 0-65535");
        }
        if (es2Token == null || es2Token.length() < 16) {
            throw new IllegalArgumentException("the ES2+ bearer token must have at least 16 characters");
        }
        if (operatorCallbackToken != null && (operatorCallbackToken.isBlank()
            || operatorCallbackToken.chars().anyMatch(ch -> ch <= ' ' || ch > '~'))) {
            throw new IllegalArgumentException("the operator callback token must be printable ASCII without spaces");
        }
        Objects.requireNonNull(orderTtl, "orderTtl");
        if (confirmationCodeAttempts < 1) {
            throw new IllegalArgumentException("confirmationCodeAttempts must be at least 1");
        }
        Objects.requireNonNull(faults, "faults");
    }

    /** Loopback, a free port, a 24 h order TTL, 3 confirmation code attempts, no callback, memory only, no faults. */
    public static SmdpConfig of(SmdpCredentials credentials, List<InventoryProfile> inventory, String es2Token) {
        return new SmdpConfig(credentials, inventory, "127.0.0.1", 0, es2Token, null, null, Duration.ofHours(24), 3, null,
            SmdpFaults.NONE, false);
    }

    public SmdpConfig withFaults(SmdpFaults f) {
        return new SmdpConfig(credentials, inventory, bindHost, port, es2Token, operatorCallback, operatorCallbackToken, orderTtl,
            confirmationCodeAttempts, stateFile, f, profileProtectionKeys);
    }

    public SmdpConfig withOperatorCallback(URI u) {
        return withOperatorCallback(u, null);
    }

    /** Callbacks to {@code u} with {@code Authorization: Bearer token}. */
    public SmdpConfig withOperatorCallback(URI u, String token) {
        return new SmdpConfig(credentials, inventory, bindHost, port, es2Token, u, token, orderTtl,
            confirmationCodeAttempts, stateFile, faults, profileProtectionKeys);
    }

    public SmdpConfig withStateFile(Path p) {
        return new SmdpConfig(credentials, inventory, bindHost, port, es2Token, operatorCallback, operatorCallbackToken, orderTtl,
            confirmationCodeAttempts, p, faults, profileProtectionKeys);
    }

    public SmdpConfig withProfileProtectionKeys(boolean ppk) {
        return new SmdpConfig(credentials, inventory, bindHost, port, es2Token, operatorCallback, operatorCallbackToken, orderTtl,
            confirmationCodeAttempts, stateFile, faults, ppk);
    }

    public SmdpConfig withPort(int p) {
        return new SmdpConfig(credentials, inventory, bindHost, p, es2Token, operatorCallback, operatorCallbackToken, orderTtl,
            confirmationCodeAttempts, stateFile, faults, profileProtectionKeys);
    }
}
