package io.vinbind.terminal.state;

import java.io.IOException;
import java.nio.file.Path;
import java.util.Arrays;

/** Real file operations that fail at one chosen step of an atomic save, as a full disk or I/O error would. */
final class FaultyFileOps implements FileOps {

    private final StateStoreException.Step failAt;
    private final boolean tornWrite;

    /**
     * @param failAt    the step that throws
     * @param tornWrite for WRITE_TEMP: leave half the bytes in the temp file before throwing (power cut mid-write)
     */
    FaultyFileOps(StateStoreException.Step failAt, boolean tornWrite) {
        this.failAt = failAt;
        this.tornWrite = tornWrite;
    }

    @Override
    public void write(Path file, byte[] data) throws IOException {
        if (failAt == StateStoreException.Step.WRITE_TEMP) {
            if (tornWrite) {
                REAL.write(file, Arrays.copyOf(data, data.length / 2));
            }
            throw new IOException("injected: No space left on device");
        }
        REAL.write(file, data);
    }

    @Override
    public void sync(Path file) throws IOException {
        fail(StateStoreException.Step.SYNC_TEMP);
        REAL.sync(file);
    }

    @Override
    public void moveAtomically(Path from, Path to) throws IOException {
        fail(StateStoreException.Step.RENAME);
        REAL.moveAtomically(from, to);
    }

    @Override
    public void syncDirectory(Path dir) throws IOException {
        fail(StateStoreException.Step.SYNC_DIRECTORY);
        REAL.syncDirectory(dir);
    }

    private void fail(StateStoreException.Step step) throws IOException {
        if (failAt == step) {
            throw new IOException("injected: Input/output error at " + step);
        }
    }
}
