package io.vinbind.server.registry;

import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * The per-line result of a CSV import.
 *
 * @param lines one result per data line, in file order
 */
public record ImportReport(List<Line> lines) {

    public ImportReport {
        lines = List.copyOf(Objects.requireNonNull(lines, "lines"));
    }

    /**
     * @param line 1-based line number in the file
     * @param imsi the line's IMSI as written (may be empty or invalid for a rejected line)
     * @param status what happened
     * @param reason why it was rejected; empty otherwise
     */
    public record Line(int line, String imsi, ImportStatus status, Optional<String> reason) {
        public Line {
            Objects.requireNonNull(imsi, "imsi");
            Objects.requireNonNull(status, "status");
            Objects.requireNonNull(reason, "reason");
        }
    }

    public long count(ImportStatus status) {
        return lines.stream().filter(l -> l.status() == status).count();
    }

    /** e.g. {@code 3 added, 1 unchanged, 0 updated, 1 rejected}. */
    public String summary() {
        return count(ImportStatus.ADDED) + " added, " + count(ImportStatus.UNCHANGED) + " unchanged, "
            + count(ImportStatus.UPDATED) + " updated, " + count(ImportStatus.REJECTED) + " rejected";
    }
}
