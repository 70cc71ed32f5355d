package io.vinbind.hil.bench;

import io.vinbind.protocol.BindRequest;
import io.vinbind.protocol.JsonCodec;
import io.vinbind.protocol.Protocol;
import io.vinbind.protocol.Topics;
import io.vinbind.protocol.UploadReason;
import io.vinbind.server.pki.PkiException;
import io.vinbind.server.pki.TlsMaterial;
import java.net.URI;
import java.util.Objects;
import java.util.UUID;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLSocketFactory;
import org.eclipse.paho.mqttv5.client.IMqttToken;
import org.eclipse.paho.mqttv5.client.MqttAsyncClient;
import org.eclipse.paho.mqttv5.client.MqttConnectionOptions;
import org.eclipse.paho.mqttv5.client.persist.MemoryPersistence;
import org.eclipse.paho.mqttv5.common.MqttException;
import org.tinylog.Logger;

/**
 * A device that tries to speak for a terminal it is not, as an attacker with a bench's credentials would: a
 * genuine terminal certificate of its own (one stolen from a scrapped head unit), and one attempt without any.
 * Each attempt reports what the broker answered, so the demo and tests show the refusals rather than assume
 * them (docs/security.md lists the attacks and the broker behaviour each relies on).
 */
public final class Impostor {

    /** How long one MQTT exchange may take. */
    static final long WAIT_MS = 5_000;
    /** Paho's "connection lost" pseudo reason: the broker closed the connection instead of answering. */
    public static final int CONNECTION_CLOSED = -1;

    private final BenchServer server;
    private final String ownId;
    private final BenchServer.TerminalCredentials own;

    /**
     * @param server the server whose broker is attacked
     * @param ownId  the impostor's own terminal id (a certificate is issued for it by the server's terminal CA)
     */
    public Impostor(BenchServer server, String ownId) {
        this.server = Objects.requireNonNull(server, "server");
        this.ownId = Objects.requireNonNull(ownId, "ownId");
        this.own = server.credentialsFor(ownId);
    }

    public String ownId() {
        return ownId;
    }

    /**
     * Connects as itself (its own valid certificate) and publishes a bind of {@code vin} for {@code victimId} on
     * the victim's topic, the payload naming the victim too.
     *
     * @return the PUBACK reason code (0 = accepted, 0x87 = not authorized) or {@link #CONNECTION_CLOSED}
     */
    public int publishBindAs(String victimId, String victimImsi, String vin) {
        BindRequest forged = BindRequest.of("forged-" + UUID.randomUUID(), victimId, victimImsi, "89860000000000000000",
                "860000000000000", vin, UploadReason.ASSEMBLY);
        MqttAsyncClient c = connect(ownId);
        try {
            IMqttToken t = c.publish(Topics.bind(victimId), JsonCodec.encode(forged), Protocol.QOS, false);
            t.waitForCompletion(WAIT_MS);
            int[] codes = t.getReasonCodes();
            return codes == null || codes.length == 0 ? 0 : codes[0];
        } catch (MqttException e) {
            return c.isConnected() ? e.getReasonCode() : CONNECTION_CLOSED;
        } finally {
            close(c);
        }
    }

    /**
     * Connects as itself and subscribes to the victim's bind acknowledgements (to read its VIN and follow it).
     *
     * @return the SUBACK reason code (0-1 granted, 0x87 not authorized) or {@link #CONNECTION_CLOSED}
     */
    public int subscribeToAcksOf(String victimId) {
        MqttAsyncClient c = connect(ownId);
        try {
            IMqttToken t = c.subscribe(Topics.bindAck(victimId), Protocol.QOS);
            t.waitForCompletion(WAIT_MS);
            return t.getReasonCodes()[0];
        } catch (MqttException e) {
            return c.isConnected() ? e.getReasonCode() : CONNECTION_CLOSED;
        } finally {
            close(c);
        }
    }

    /**
     * Connects with its own certificate but the victim's client id (to take over the victim's session).
     *
     * @return the CONNACK reason code (0 = accepted, 0x85 = client identifier not valid, 0x87 = not authorized)
     */
    public int connectWithClientIdOf(String victimId) {
        MqttAsyncClient c = null;
        try {
            c = new MqttAsyncClient(server.mqttUri().toString(), victimId, new MemoryPersistence());
            c.connect(options()).waitForCompletion(WAIT_MS);
            return 0;
        } catch (MqttException e) {
            return e.getReasonCode();
        } finally {
            close(c);
        }
    }

    /**
     * Opens TLS to the broker with no client certificate at all (a device with only the CA file).
     *
     * @return null when the broker let it in (a defect), else what refused it
     */
    public String connectWithoutCertificate() {
        URI broker = server.mqttUri();
        if (!server.tls()) {
            return null;
        }
        MqttAsyncClient c = null;
        try {
            SSLContext ctx = SSLContext.getInstance("TLS");
            javax.net.ssl.TrustManagerFactory tmf = javax.net.ssl.TrustManagerFactory.getInstance(
                    javax.net.ssl.TrustManagerFactory.getDefaultAlgorithm());
            java.security.KeyStore trust = java.security.KeyStore.getInstance("PKCS12");
            trust.load(null, null);
            int i = 0;
            for (java.security.cert.Certificate cert : io.vinbind.server.pki.PemFiles.readCertificates(
                    own.caFile().orElseThrow())) {
                trust.setCertificateEntry("ca" + i++, cert);
            }
            tmf.init(trust);
            ctx.init(null, tmf.getTrustManagers(), null);
            MqttConnectionOptions o = new MqttConnectionOptions();
            o.setCleanStart(true);
            o.setConnectionTimeout((int) (WAIT_MS / 1000));
            o.setSocketFactory(ctx.getSocketFactory());
            c = new MqttAsyncClient(broker.toString(), "no-certificate-" + UUID.randomUUID().toString().substring(0, 8),
                    new MemoryPersistence());
            c.connect(o).waitForCompletion(WAIT_MS);
            return null;
        } catch (MqttException e) {
            Throwable root = e;
            while (root.getCause() != null) {
                root = root.getCause();
            }
            return root.getClass().getSimpleName() + ": " + root.getMessage();
        } catch (java.security.GeneralSecurityException | java.io.IOException | PkiException e) {
            throw new BenchException("impostor: cannot build a TLS context from " + own.caFile() + ": " + e.getMessage(), e);
        } finally {
            close(c);
        }
    }

    private MqttAsyncClient connect(String clientId) {
        try {
            MqttAsyncClient c = new MqttAsyncClient(server.mqttUri().toString(), clientId, new MemoryPersistence());
            c.connect(options()).waitForCompletion(WAIT_MS);
            return c;
        } catch (MqttException e) {
            throw new BenchException("impostor " + clientId + " could not connect with its own certificate to "
                    + server.mqttUri() + ": " + e.getMessage(), e);
        }
    }

    private MqttConnectionOptions options() {
        MqttConnectionOptions o = new MqttConnectionOptions();
        o.setCleanStart(true);
        o.setSessionExpiryInterval(0L);
        o.setConnectionTimeout((int) (WAIT_MS / 1000));
        if (own.tls()) {
            o.setSocketFactory(socketFactory());
        } else {
            o.setUserName(ownId);
        }
        return o;
    }

    private SSLSocketFactory socketFactory() {
        try {
            return TlsMaterial.clientContext(own.caFile().orElseThrow(), own.certFile().orElseThrow(),
                    own.keyFile().orElseThrow()).getSocketFactory();
        } catch (PkiException e) {
            throw new BenchException("impostor: cannot load its own certificate: " + e.getMessage(), e);
        }
    }

    private static void close(MqttAsyncClient c) {
        if (c == null) {
            return;
        }
        try {
            if (c.isConnected()) {
                c.disconnect(1000).waitForCompletion(2000);
            }
        } catch (MqttException e) {
            Logger.debug("impostor: disconnect failed: {}", e.getMessage());
        }
        try {
            c.close(true);
        } catch (MqttException e) {
            Logger.debug("impostor: close failed: {}", e.getMessage());
        }
    }
}
