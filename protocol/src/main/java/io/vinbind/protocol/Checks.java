package io.vinbind.protocol;

/** Shared compact-constructor checks of the payload records. */
final class Checks {

    private Checks() {
    }

    static void version(int version) {
        if (version < 1) {
            throw new InvalidFieldException("version",
                "version " + version + " is not a protocol version (>= 1)");
        }
    }

    static <T> T notNull(T value, String field) {
        if (value == null) {
            throw new InvalidFieldException(field, field + " is missing");
        }
        return value;
    }

    /** The reason goes with the outcome: NONE exactly for successes. */
    static void reasonMatches(String outcomeName, boolean success, ReasonCode reason, ReasonCode required) {
        notNull(reason, "reason");
        if (required != null && reason != required) {
            throw new InvalidFieldException("reason", "outcome " + outcomeName + " requires reason " + required
                + ", got " + reason);
        }
        if (success && reason != ReasonCode.NONE) {
            throw new InvalidFieldException("reason",
                "outcome " + outcomeName + " requires reason NONE, got " + reason);
        }
        if (!success && reason == ReasonCode.NONE) {
            throw new InvalidFieldException("reason",
                "outcome " + outcomeName + " requires a reason other than NONE");
        }
    }
}
