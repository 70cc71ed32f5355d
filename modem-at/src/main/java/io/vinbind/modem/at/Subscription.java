package io.vinbind.modem.at;

/** A listener registration; {@link #close()} removes it. */
@FunctionalInterface
public interface Subscription extends AutoCloseable {
    @Override
    void close();
}
