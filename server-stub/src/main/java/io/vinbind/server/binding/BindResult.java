package io.vinbind.server.binding;

import io.vinbind.protocol.BindAck;
import java.util.Objects;

/**
 * What a bind request got.
 *
 * @param ack the answer to publish
 * @param replayed true when the requestId had been answered before and the stored answer was repeated
 */
public record BindResult(BindAck ack, boolean replayed) {
    public BindResult {
        Objects.requireNonNull(ack, "ack");
    }
}
