package io.vinbind.server.mqtt;

import java.util.Objects;
import java.util.Optional;
import javax.net.ssl.SSLContext;
import org.eclipse.paho.mqttv5.client.MqttConnectionOptions;

/**
 * How an MQTT client of the server proves who it is: a TLS client certificate (the norm; the broker maps it
 * to the identity), or on the insecure loopback plaintext listener a user name and password. Hostname
 * verification of the broker's certificate is always on.
 *
 * @param tls the TLS context holding the client certificate and the CAs the broker must chain to
 * @param userName the MQTT user name (plaintext identity)
 * @param password the MQTT password
 */
public record MqttCredentials(Optional<SSLContext> tls, Optional<String> userName, Optional<char[]> password) {

    public MqttCredentials {
        Objects.requireNonNull(tls, "tls");
        Objects.requireNonNull(userName, "userName");
        password = Objects.requireNonNull(password, "password").map(char[]::clone);
    }

    /** Mutual TLS with this context's key and trust material. */
    public static MqttCredentials tls(SSLContext context) {
        return new MqttCredentials(Optional.of(context), Optional.empty(), Optional.empty());
    }

    /** User name and password over plaintext (loopback only, insecure). */
    public static MqttCredentials plaintext(String userName, char[] password) {
        return new MqttCredentials(Optional.empty(), Optional.of(userName), Optional.ofNullable(password));
    }

    /** Nothing: a broker that authenticates nobody (external test brokers). */
    public static MqttCredentials none() {
        return new MqttCredentials(Optional.empty(), Optional.empty(), Optional.empty());
    }

    /** Sets the socket factory (TCP_NODELAY either way) and the user name and password. */
    public void applyTo(MqttConnectionOptions options) {
        if (tls.isPresent()) {
            options.setSocketFactory(new NoDelaySslSocketFactory(tls.get().getSocketFactory()));
            options.setHttpsHostnameVerificationEnabled(true);
        } else {
            options.setSocketFactory(NoDelaySocketFactory.INSTANCE);
        }
        userName.ifPresent(options::setUserName);
        password.ifPresent(p -> options.setPassword(new String(p).getBytes(java.nio.charset.StandardCharsets.UTF_8)));
    }

    @Override
    public String toString() {
        return tls.isPresent() ? "TLS client certificate" : userName.map(u -> "user " + u).orElse("anonymous");
    }
}
