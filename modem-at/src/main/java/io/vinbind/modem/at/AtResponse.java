package io.vinbind.modem.at;

import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * A command's complete answer: the information lines that belong to it (echo and URCs already removed)
 * and the final result code.
 *
 * @param command the command line that was sent
 * @param lines   information lines in arrival order
 * @param result  the final result code
 * @param elapsed time from sending to the final result code
 */
public record AtResponse(String command, List<String> lines, FinalResult result, Duration elapsed) {

    public AtResponse {
        Objects.requireNonNull(command, "command");
        Objects.requireNonNull(result, "result");
        Objects.requireNonNull(elapsed, "elapsed");
        lines = List.copyOf(lines);
    }

    public boolean isOk() {
        return result.isOk();
    }

    /** This response if it ended in {@code OK}, otherwise an {@link AtErrorException} naming the command. */
    public AtResponse requireOk() throws AtErrorException {
        if (!result.isOk()) {
            throw new AtErrorException(command, lines, result);
        }
        return this;
    }

    /** The first line starting with {@code prefix} (case-insensitive). */
    public Optional<String> firstWithPrefix(String prefix) {
        for (String l : lines) {
            if (l.regionMatches(true, 0, prefix, 0, prefix.length())) {
                return Optional.of(l);
            }
        }
        return Optional.empty();
    }

    /** The one line this command was expected to answer with, or a typed error naming what arrived. */
    public String singleLine() throws AtResponseFormatException {
        if (lines.size() != 1) {
            throw new AtResponseFormatException(command, lines, "expected exactly one information line, got " + lines.size());
        }
        return lines.get(0);
    }
}
