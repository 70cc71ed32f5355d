package io.vinbind.terminal.state;

import java.io.IOException;
import java.nio.file.Path;
import java.util.Objects;

/** Saving the terminal state failed at a named step; see {@link StateStore#save} for what is left behind. */
public final class StateStoreException extends IOException {

    private static final long serialVersionUID = 1L;

    /** The steps of an atomic save, in order. */
    public enum Step {
        /** writing the new content to the temporary file */
        WRITE_TEMP,
        /** fsync of the temporary file, so its bytes are on the medium before it gets the real name */
        SYNC_TEMP,
        /** atomic rename of the temporary file over the state file */
        RENAME,
        /** fsync of the directory, so the rename itself survives a power loss */
        SYNC_DIRECTORY,
        /** removing a file that is no longer wanted (a taken service request) */
        DELETE
    }

    private final Step step;
    private final Path path;

    public StateStoreException(Step step, Path path, IOException cause) {
        super("saving terminal state failed at " + step + " (" + path + "): " + cause.getMessage(), cause);
        this.step = Objects.requireNonNull(step, "step");
        this.path = Objects.requireNonNull(path, "path");
    }

    public Step step() {
        return step;
    }

    public Path path() {
        return path;
    }
}
