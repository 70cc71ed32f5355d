package io.vinbind.modem.link;

import java.io.IOException;

/**
 * Opens (or re-opens) a link. The AT engine keeps one so it can come back after the device vanished and
 * returned, which is how a USB modem looks after it resets.
 */
@FunctionalInterface
public interface LinkOpener {

    /** Opens a fresh link, or throws if the device is not there (yet). */
    SerialLink open() throws IOException;
}
