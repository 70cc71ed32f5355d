package io.vinbind.terminal.state;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;

/**
 * The file-system steps of an atomic save, one method per step, so tests can make any step fail or
 * "crash" between two steps.
 */
interface FileOps {

    /** Creates or truncates {@code file} and writes {@code data} to it. */
    void write(Path file, byte[] data) throws IOException;

    /** fsync: the content of {@code file} reaches the medium. */
    void sync(Path file) throws IOException;

    /** Renames {@code from} to {@code to} atomically, replacing {@code to}. */
    void moveAtomically(Path from, Path to) throws IOException;

    /** fsync of a directory: renames and deletions in it reach the medium. */
    void syncDirectory(Path dir) throws IOException;

    /** The real file system (POSIX semantics; directory fsync as Linux allows it). */
    FileOps REAL = new FileOps() {
        @Override
        public void write(Path file, byte[] data) throws IOException {
            Files.write(file, data, StandardOpenOption.CREATE, StandardOpenOption.TRUNCATE_EXISTING,
                    StandardOpenOption.WRITE);
        }

        @Override
        public void sync(Path file) throws IOException {
            try (FileChannel ch = FileChannel.open(file, StandardOpenOption.WRITE)) {
                ch.force(true);
            }
        }

        @Override
        public void moveAtomically(Path from, Path to) throws IOException {
            Files.move(from, to, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        }

        @Override
        public void syncDirectory(Path dir) throws IOException {
            try (FileChannel ch = FileChannel.open(dir, StandardOpenOption.READ)) {
                ch.force(true);
            }
        }
    };
}
