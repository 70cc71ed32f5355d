package io.vinbind.server.binding;

import io.vinbind.protocol.LoginAck;
import java.util.Objects;

/**
 * What a login got.
 *
 * @param ack the answer to publish
 * @param replayed true when the requestId had been answered before and the stored answer was repeated
 */
public record LoginResult(LoginAck ack, boolean replayed) {
    public LoginResult {
        Objects.requireNonNull(ack, "ack");
    }
}
