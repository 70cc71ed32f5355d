package io.vinbind.server.broker;

import java.nio.file.Path;

/** Test access to the embedded broker without authentication, for tests of what the broker itself does. */
public final class OpenBroker {

    private OpenBroker() {
    }

    /** Anybody in, everything allowed, loopback only: never what a server runs. */
    public static EmbeddedBroker start(int port, Path workDir) throws BrokerStartException {
        return EmbeddedBroker.startWithoutAuthentication(port, workDir);
    }
}
