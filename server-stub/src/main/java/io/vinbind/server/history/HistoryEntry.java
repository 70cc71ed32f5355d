package io.vinbind.server.history;

import java.time.Instant;
import java.util.Objects;
import java.util.Optional;

/**
 * One history row.
 *
 * @param id database id, increasing in insertion order ({@code 0} for an entry not yet stored)
 * @param at when it happened
 * @param event what happened
 * @param imsi the IMSI concerned (the new one for a rebind)
 * @param vin the VIN concerned (the new one for a rebind)
 * @param previousImsi the IMSI the VIN was bound to before, when that changed
 * @param previousVin the VIN the IMSI was bound to before, when that changed
 * @param reason why (an upload reason, a policy, an operator's text)
 * @param source who caused it: {@code mqtt:<instance>}, {@code http:<operator>}
 * @param requestId the terminal request that caused it, if any
 * @param detail free text for people (e.g. registry vs reported ICCID)
 * @param terminalId the terminal concerned (the one that spoke, or the one acted on)
 * @param previousTerminalId the terminal that held the IMSI or made the binding before, when that changed
 */
public record HistoryEntry(long id, Instant at, HistoryEvent event, Optional<String> imsi, Optional<String> vin,
                           Optional<String> previousImsi, Optional<String> previousVin, Optional<String> reason,
                           String source, Optional<String> requestId, Optional<String> detail,
                           Optional<String> terminalId, Optional<String> previousTerminalId) {

    public HistoryEntry {
        Objects.requireNonNull(at, "at");
        Objects.requireNonNull(event, "event");
        Objects.requireNonNull(imsi, "imsi");
        Objects.requireNonNull(vin, "vin");
        Objects.requireNonNull(previousImsi, "previousImsi");
        Objects.requireNonNull(previousVin, "previousVin");
        Objects.requireNonNull(reason, "reason");
        Objects.requireNonNull(source, "source");
        Objects.requireNonNull(requestId, "requestId");
        Objects.requireNonNull(detail, "detail");
        Objects.requireNonNull(terminalId, "terminalId");
        Objects.requireNonNull(previousTerminalId, "previousTerminalId");
    }

    /** Starts an entry to append. */
    public static Builder of(HistoryEvent event, Instant at, String source) {
        return new Builder(event, at, source);
    }

    /** Fluent construction of an entry to append; unset optional fields stay empty. */
    public static final class Builder {
        private final HistoryEvent event;
        private final Instant at;
        private final String source;
        private String imsi;
        private String vin;
        private String previousImsi;
        private String previousVin;
        private String reason;
        private String requestId;
        private String detail;
        private String terminalId;
        private String previousTerminalId;

        private Builder(HistoryEvent event, Instant at, String source) {
            this.event = event;
            this.at = at;
            this.source = source;
        }

        public Builder imsi(String v) {
            imsi = v;
            return this;
        }

        public Builder vin(String v) {
            vin = v;
            return this;
        }

        public Builder previousImsi(String v) {
            previousImsi = v;
            return this;
        }

        public Builder previousVin(String v) {
            previousVin = v;
            return this;
        }

        public Builder reason(String v) {
            reason = v;
            return this;
        }

        public Builder requestId(String v) {
            requestId = v;
            return this;
        }

        public Builder detail(String v) {
            detail = v;
            return this;
        }

        public Builder terminalId(String v) {
            terminalId = v;
            return this;
        }

        public Builder previousTerminalId(String v) {
            previousTerminalId = v;
            return this;
        }

        public HistoryEntry build() {
            return new HistoryEntry(0, at, event, Optional.ofNullable(imsi), Optional.ofNullable(vin),
                Optional.ofNullable(previousImsi), Optional.ofNullable(previousVin), Optional.ofNullable(reason),
                source, Optional.ofNullable(requestId), Optional.ofNullable(detail),
                Optional.ofNullable(terminalId), Optional.ofNullable(previousTerminalId));
        }
    }
}
