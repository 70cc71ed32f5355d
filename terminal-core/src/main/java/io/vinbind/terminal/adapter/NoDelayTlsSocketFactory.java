package io.vinbind.terminal.adapter;

import io.vinbind.terminal.tls.TerminalTls;
import java.io.IOException;
import java.net.InetAddress;
import java.net.Socket;
import java.util.Objects;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.SSLSocketFactory;

/**
 * TLS sockets for {@code ssl://} brokers, made by a terminal's {@link SSLContext}: Nagle's algorithm off, for the
 * reason {@link NoDelaySocketFactory} gives, and only TLS 1.2 and 1.3 ({@link TerminalTls#PROTOCOLS}). Paho asks
 * for an unconnected socket ({@link #createSocket()}), connects it, sets the server name (SNI) and, with
 * {@code setHttpsHostnameVerificationEnabled(true)}, endpoint identification {@code HTTPS} before the handshake;
 * both leave the protocols set here as they are.
 */
final class NoDelayTlsSocketFactory extends SSLSocketFactory {

    private final SSLSocketFactory delegate;
    private final String[] protocols;

    NoDelayTlsSocketFactory(SSLContext context) {
        this.delegate = Objects.requireNonNull(context, "context").getSocketFactory();
        this.protocols = TerminalTls.protocols(context.getSupportedSSLParameters().getProtocols());
    }

    private Socket harden(Socket s) throws IOException {
        s.setTcpNoDelay(true);
        if (s instanceof SSLSocket tls) {
            tls.setEnabledProtocols(protocols.clone());
        }
        return s;
    }

    @Override
    public String[] getDefaultCipherSuites() {
        return delegate.getDefaultCipherSuites();
    }

    @Override
    public String[] getSupportedCipherSuites() {
        return delegate.getSupportedCipherSuites();
    }

    @Override
    public Socket createSocket() throws IOException {
        return harden(delegate.createSocket());
    }

    @Override
    public Socket createSocket(Socket s, String host, int port, boolean autoClose) throws IOException {
        s.setTcpNoDelay(true);
        return harden(delegate.createSocket(s, host, port, autoClose));
    }

    @Override
    public Socket createSocket(String host, int port) throws IOException {
        return harden(delegate.createSocket(host, port));
    }

    @Override
    public Socket createSocket(String host, int port, InetAddress localHost, int localPort) throws IOException {
        return harden(delegate.createSocket(host, port, localHost, localPort));
    }

    @Override
    public Socket createSocket(InetAddress host, int port) throws IOException {
        return harden(delegate.createSocket(host, port));
    }

    @Override
    public Socket createSocket(InetAddress address, int port, InetAddress localAddress, int localPort)
            throws IOException {
        return harden(delegate.createSocket(address, port, localAddress, localPort));
    }

    /** The protocols sockets are restricted to (for tests). */
    String[] protocols() {
        return protocols.clone();
    }
}
