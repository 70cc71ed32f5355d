package io.vinbind.can;

import java.util.Objects;

/**
 * An acceptance filter as SocketCAN defines it: a frame passes when it has the same identifier format
 * and {@code (frame.id & mask) == (id & mask)}.
 *
 * @param id   identifier (with format) to compare against
 * @param mask bits of the identifier that must match
 */
public record CanFilter(CanId id, int mask) {

    public CanFilter {
        Objects.requireNonNull(id, "id");
    }

    /** Passes exactly one identifier. */
    public static CanFilter exact(CanId id) {
        return new CanFilter(id, id.extended() ? CanId.MAX_EXTENDED : CanId.MAX_STANDARD);
    }

    /** True when the frame passes this filter. */
    public boolean matches(CanFrame frame) {
        CanId other = frame.id();
        return other.extended() == id.extended() && (other.value() & mask) == (id.value() & mask);
    }

    @Override
    public String toString() {
        return id + "/" + Integer.toHexString(mask).toUpperCase(java.util.Locale.ROOT);
    }
}
