package io.vinbind.server;

import io.vinbind.protocol.VinPolicy;
import io.vinbind.server.binding.IdentityPolicy;
import io.vinbind.server.binding.RebindPolicy;
import io.vinbind.server.store.DbSettings;
import java.net.URI;
import java.nio.file.Path;
import java.util.Objects;
import java.util.Optional;

/**
 * How to run a {@link BindingServer}. Start from {@link #defaults(Path)} (the CLI's fixed ports) or
 * {@link #ephemeral(Path)} (free ports, for tests and benches) and adjust with the {@code with…} methods.
 *
 * @param dataDir directory for the H2 database, the embedded broker's work files and the instance id
 * @param externalBroker {@code ssl://host:port} of an external MQTT 5 broker (or {@code tcp://} on loopback
 *     only); empty = start the embedded one
 * @param embeddedMqttPort port of the embedded broker on {@code mqttListen} (0 = pick a free one)
 * @param httpPort port of the HTTP API on {@code httpListen} (0 = pick a free one)
 * @param database the database; empty = H2 file {@code vinbind.mv.db} in {@code dataDir}
 * @param rebindPolicy auto, hold or reject
 * @param vinPolicy strict or lenient check digit
 * @param instanceId MQTT client id of this instance (its persistent session); empty = the id stored in
 *     {@code dataDir/instance-id}, created on first start
 * @param mqttWorkers threads deciding requests concurrently
 * @param identityPolicy what a login does whose identities contradict what the server knows
 * @param mqttListen address the embedded broker listens on (loopback by default; anything else is TLS only)
 * @param httpListen address the HTTP API listens on (loopback by default; anything else is HTTPS)
 * @param pkiDir the PKI directory (CAs, the server's certificate, CRLs); empty = {@code dataDir/pki}, where a
 *     test PKI is created on first start
 * @param insecurePlaintext the embedded broker without TLS, identities by MQTT user name: loopback only, for
 *     measuring what TLS costs; refused together with an external broker
 */
public record ServerConfig(Path dataDir, Optional<URI> externalBroker, int embeddedMqttPort, int httpPort,
                           Optional<DbSettings> database, RebindPolicy rebindPolicy, VinPolicy vinPolicy,
                           Optional<String> instanceId, int mqttWorkers, IdentityPolicy identityPolicy,
                           String mqttListen, String httpListen, Optional<Path> pkiDir, boolean insecurePlaintext) {

    /** Default port of the embedded broker: near MQTT's 1883 but not on it (Mosquitto often holds 1883). */
    public static final int DEFAULT_MQTT_PORT = 18830;
    public static final int DEFAULT_HTTP_PORT = 18080;

    public ServerConfig {
        Objects.requireNonNull(dataDir, "dataDir");
        Objects.requireNonNull(externalBroker, "externalBroker");
        externalBroker.ifPresent(u -> {
            boolean known = "tcp".equals(u.getScheme()) || "ssl".equals(u.getScheme());
            if (!known || u.getHost() == null || u.getPort() < 1) {
                throw new IllegalArgumentException("MQTT broker '" + u + "' must look like ssl://host:port (or"
                    + " tcp://host:port on loopback)");
            }
            if ("tcp".equals(u.getScheme()) && !loopback(u.getHost())) {
                throw new IllegalArgumentException("MQTT broker '" + u + "' is plaintext and not on loopback: use"
                    + " ssl:// (terminals must not speak to a broker anyone on the network can read)");
            }
        });
        checkPort("MQTT", embeddedMqttPort);
        checkPort("HTTP", httpPort);
        Objects.requireNonNull(database, "database");
        Objects.requireNonNull(rebindPolicy, "rebindPolicy");
        Objects.requireNonNull(vinPolicy, "vinPolicy");
        Objects.requireNonNull(instanceId, "instanceId");
        instanceId.ifPresent(id -> {
            if (!id.matches("[A-Za-z0-9._-]{1,64}")) {
                throw new IllegalArgumentException("instance id '" + id + "' must be 1-64 characters A-Z a-z 0-9 . _ -");
            }
        });
        if (mqttWorkers < 1 || mqttWorkers > 64) {
            throw new IllegalArgumentException("MQTT workers " + mqttWorkers + " is not 1-64");
        }
        Objects.requireNonNull(identityPolicy, "identityPolicy");
        Objects.requireNonNull(mqttListen, "mqttListen");
        Objects.requireNonNull(httpListen, "httpListen");
        Objects.requireNonNull(pkiDir, "pkiDir");
        if (insecurePlaintext && externalBroker.isPresent()) {
            throw new IllegalArgumentException("--insecure-plaintext is for the embedded broker only and cannot be"
                + " combined with --mqtt " + externalBroker.get() + " (an external broker): drop one of them");
        }
        if (insecurePlaintext && !loopback(mqttListen)) {
            throw new IllegalArgumentException("the plaintext broker listener is for loopback only, not " + mqttListen);
        }
    }

    /** The PKI directory in use. */
    public Path pki() {
        return pkiDir.orElse(dataDir.resolve("pki"));
    }

    /** True for a name or address of this machine's loopback interface. */
    public static boolean loopback(String host) {
        try {
            return java.net.InetAddress.getByName(host).isLoopbackAddress();
        } catch (java.net.UnknownHostException e) {
            return false;
        }
    }

    /**
     * Embedded broker on 18830, HTTP on 18080, H2 under {@code dataDir}, rebind policy auto, strict VIN check,
     * identity policy hold.
     */
    public static ServerConfig defaults(Path dataDir) {
        return new ServerConfig(dataDir, Optional.empty(), DEFAULT_MQTT_PORT, DEFAULT_HTTP_PORT, Optional.empty(),
            RebindPolicy.AUTO, VinPolicy.STRICT, Optional.empty(), 4, IdentityPolicy.HOLD, "127.0.0.1", "127.0.0.1",
            Optional.empty(), false);
    }

    /** Like {@link #defaults} but on free ports. */
    public static ServerConfig ephemeral(Path dataDir) {
        return defaults(dataDir).withMqttPort(0).withHttpPort(0);
    }

    public ServerConfig withExternalBroker(URI broker) {
        return copy(b -> b.externalBroker = Optional.of(broker));
    }

    public ServerConfig withMqttPort(int port) {
        return copy(b -> b.embeddedMqttPort = port);
    }

    public ServerConfig withHttpPort(int port) {
        return copy(b -> b.httpPort = port);
    }

    public ServerConfig withDatabase(DbSettings db) {
        return copy(b -> b.database = Optional.of(db));
    }

    public ServerConfig withRebindPolicy(RebindPolicy policy) {
        return copy(b -> b.rebindPolicy = policy);
    }

    public ServerConfig withVinPolicy(VinPolicy policy) {
        return copy(b -> b.vinPolicy = policy);
    }

    public ServerConfig withInstanceId(String id) {
        return copy(b -> b.instanceId = Optional.of(id));
    }

    public ServerConfig withMqttWorkers(int workers) {
        return copy(b -> b.mqttWorkers = workers);
    }

    public ServerConfig withIdentityPolicy(IdentityPolicy policy) {
        return copy(b -> b.identityPolicy = policy);
    }

    public ServerConfig withMqttListen(String address) {
        return copy(b -> b.mqttListen = address);
    }

    public ServerConfig withHttpListen(String address) {
        return copy(b -> b.httpListen = address);
    }

    public ServerConfig withPkiDir(Path dir) {
        return copy(b -> b.pkiDir = Optional.of(dir));
    }

    /** The embedded broker in plaintext, identities by user name: loopback only, insecure (benchmarks). */
    public ServerConfig withInsecurePlaintext(boolean plaintext) {
        return copy(b -> b.insecurePlaintext = plaintext);
    }

    /** A copy with some components changed; the compact constructor checks the result. */
    private ServerConfig copy(java.util.function.Consumer<Fields> change) {
        Fields f = new Fields();
        f.dataDir = dataDir;
        f.externalBroker = externalBroker;
        f.embeddedMqttPort = embeddedMqttPort;
        f.httpPort = httpPort;
        f.database = database;
        f.rebindPolicy = rebindPolicy;
        f.vinPolicy = vinPolicy;
        f.instanceId = instanceId;
        f.mqttWorkers = mqttWorkers;
        f.identityPolicy = identityPolicy;
        f.mqttListen = mqttListen;
        f.httpListen = httpListen;
        f.pkiDir = pkiDir;
        f.insecurePlaintext = insecurePlaintext;
        change.accept(f);
        return new ServerConfig(f.dataDir, f.externalBroker, f.embeddedMqttPort, f.httpPort, f.database,
            f.rebindPolicy, f.vinPolicy, f.instanceId, f.mqttWorkers, f.identityPolicy, f.mqttListen, f.httpListen,
            f.pkiDir, f.insecurePlaintext);
    }

    /** The components, mutable, for {@link #copy}. */
    private static final class Fields {
        Path dataDir;
        Optional<URI> externalBroker;
        int embeddedMqttPort;
        int httpPort;
        Optional<DbSettings> database;
        RebindPolicy rebindPolicy;
        VinPolicy vinPolicy;
        Optional<String> instanceId;
        int mqttWorkers;
        IdentityPolicy identityPolicy;
        String mqttListen;
        String httpListen;
        Optional<Path> pkiDir;
        boolean insecurePlaintext;
    }

    private static void checkPort(String what, int port) {
        if (port < 0 || port > 65535) {
            throw new IllegalArgumentException(what + " port " + port + " is not 0-65535");
        }
    }
}
