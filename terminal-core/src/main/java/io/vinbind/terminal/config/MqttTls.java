package io.vinbind.terminal.config;

import java.nio.file.Path;
import java.util.Objects;

/**
 * The TLS files of an {@code ssl://} broker, each checked when the configuration was loaded.
 *
 * @param caFile   {@code mqtt.ca-file}: PEM bundle of the CA(s) the broker's certificate must chain to (the OEM's
 *                 service CA)
 * @param certFile {@code mqtt.cert-file}: the terminal's certificate chain, PEM, leaf first
 *                 ({@code CN=<terminalId>, OU=vinbind-terminal})
 * @param keyFile  {@code mqtt.key-file}: the leaf's private key, unencrypted PKCS#8 PEM, readable by its owner
 *                 only
 */
public record MqttTls(Path caFile, Path certFile, Path keyFile) {

    public MqttTls {
        Objects.requireNonNull(caFile, "caFile");
        Objects.requireNonNull(certFile, "certFile");
        Objects.requireNonNull(keyFile, "keyFile");
    }
}
