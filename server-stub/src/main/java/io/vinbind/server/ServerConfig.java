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
 * @param externalBroker {@code tcp://host:port} of an external MQTT 5 broker; empty = start the embedded one
 * @param embeddedMqttPort port of the embedded broker on 127.0.0.1 (0 = pick a free one)
 * @param httpPort port of the HTTP API on 127.0.0.1 (0 = pick a free one)
 * @param database the database; empty = H2 file {@code vinbind.mv.db} in {@code dataDir}
 * @param rebindPolicy auto, hold or reject
 * @param vinPolicy strict or lenient check digit
 * @param instanceId MQTT client id of this instance (its persistent session); empty = the id stored in
 *     {@code dataDir/instance-id}, created on first start
 * @param mqttWorkers threads deciding requests concurrently
 * @param identityPolicy what a login does whose identities contradict what the server knows
 */
public record ServerConfig(Path dataDir, Optional<URI> externalBroker, int embeddedMqttPort, int httpPort,
                           Optional<DbSettings> database, RebindPolicy rebindPolicy, VinPolicy vinPolicy,
                           Optional<String> instanceId, int mqttWorkers, IdentityPolicy identityPolicy) {

    /** Default port of the embedded broker: near MQTT's 1883 but not on it (Mosquitto often holds 1883). */
    public static final int DEFAULT_MQTT_PORT = 18830;
    public static final int DEFAULT_HTTP_PORT = 18080;

    public ServerConfig {
        Objects.requireNonNull(dataDir, "dataDir");
        Objects.requireNonNull(externalBroker, "externalBroker");
        externalBroker.ifPresent(u -> {
            if (!"tcp".equals(u.getScheme()) || u.getHost() == null || u.getPort() < 1) {
                throw new IllegalArgumentException("MQTT broker '" + u + "' must look like tcp://host:port");
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
    }

    /**
     * Embedded broker on 18830, HTTP on 18080, H2 under {@code dataDir}, rebind policy auto, strict VIN check,
     * identity policy hold.
     */
    public static ServerConfig defaults(Path dataDir) {
        return new ServerConfig(dataDir, Optional.empty(), DEFAULT_MQTT_PORT, DEFAULT_HTTP_PORT, Optional.empty(),
            RebindPolicy.AUTO, VinPolicy.STRICT, Optional.empty(), 4, IdentityPolicy.HOLD);
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
        change.accept(f);
        return new ServerConfig(f.dataDir, f.externalBroker, f.embeddedMqttPort, f.httpPort, f.database,
            f.rebindPolicy, f.vinPolicy, f.instanceId, f.mqttWorkers, f.identityPolicy);
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
    }

    private static void checkPort(String what, int port) {
        if (port < 0 || port > 65535) {
            throw new IllegalArgumentException(what + " port " + port + " is not 0-65535");
        }
    }
}
