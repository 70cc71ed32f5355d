package io.vinbind.modem.link;

import java.io.IOException;

/** The link was closed locally or its device vanished (e.g. a USB modem re-enumerated after a reset). */
public final class LinkClosedException extends IOException {

    private final String link;

    public LinkClosedException(String link, String reason) {
        super("serial link " + link + " closed: " + reason);
        this.link = link;
    }

    public LinkClosedException(String link, String reason, Throwable cause) {
        super("serial link " + link + " closed: " + reason, cause);
        this.link = link;
    }

    /** The name of the link that closed. */
    public String link() {
        return link;
    }
}
