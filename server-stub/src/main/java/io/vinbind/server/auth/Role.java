package io.vinbind.server.auth;

import com.fasterxml.jackson.annotation.JsonValue;
import java.util.Locale;

/**
 * What a credential of the HTTP API may do. Each route names the role it needs; {@link #permits} says whether
 * a credential's role covers it.
 */
public enum Role {
    /** Reads: bindings, history, registry, holds, terminals, conflicts, counters. */
    VIEWER,
    /** Workshop and after-sales: everything a viewer does, plus unbind, decide held rebinds and identity conflicts, user links. */
    AFTER_SALES,
    /** Terminal factory: everything a viewer does, plus importing modem registrations. */
    FACTORY,
    /** Provisioning staff: everything a viewer does, plus the device-model and configuration libraries and operator orders. */
    PROVISIONING,
    /**
     * An operator platform (SM-DP+) reporting download progress (ES2+ HandleDownloadProgressInfo) — that alone: a
     * platform's credential reads nothing of the fleet.
     */
    OPERATOR_PLATFORM,
    /** Everything, including credentials and revoking terminals. */
    ADMIN;

    /** True when a credential with this role may use a route that needs {@code required}. */
    public boolean permits(Role required) {
        return this == ADMIN || this == required || (required == VIEWER && this != OPERATOR_PLATFORM);
    }

    /**
     * The name on the command line and in JSON: {@code viewer}, {@code after-sales}, {@code factory}, {@code admin}
     * (Jackson writes a role as this, so every answer of the HTTP API names roles the way requests do).
     */
    @JsonValue
    public String label() {
        return name().toLowerCase(Locale.ROOT).replace('_', '-');
    }

    /** From {@link #label()} (or the constant's name), case-insensitive. */
    public static Role parse(String text) {
        String t = text == null ? "" : text.trim().toUpperCase(Locale.ROOT).replace('-', '_');
        for (Role r : values()) {
            if (r.name().equals(t)) {
                return r;
            }
        }
        throw new IllegalArgumentException("role '" + text + "' is not one of viewer, after-sales, factory, provisioning, operator-platform, admin");
    }
}
