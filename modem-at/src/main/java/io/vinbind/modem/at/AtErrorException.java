package io.vinbind.modem.at;

import java.util.List;
import java.util.Objects;

/** The modem answered with a final result other than {@code OK} where success was required. */
public final class AtErrorException extends AtException {

    private final FinalResult result;

    public AtErrorException(String command, List<String> rawLines, FinalResult result) {
        super(command, rawLines, "modem answered " + result.rawLine(), null);
        this.result = Objects.requireNonNull(result, "result");
    }

    public FinalResult result() {
        return result;
    }

    /** True if the modem answered {@code +CME ERROR} with {@code code}. */
    public boolean isCme(CmeErrorCode code) {
        return result instanceof FinalResult.CmeError cme && cme.is(code);
    }
}
