package io.vinbind.hil.dist;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;

/**
 * A clean root made by {@code scripts/clean-root} (this machine's /usr under an overlay, Debian's default
 * accounts, its own empty /var and /opt), and commands and services run inside it.
 */
final class CleanRoot {

    private final Path script;
    private final Path dir;

    private CleanRoot(Path script, Path dir) {
        this.script = script;
        this.dir = dir;
    }

    static CleanRoot create(Path script, Path dir) throws IOException, InterruptedException {
        CleanRoot r = new CleanRoot(script, dir);
        r.check(r.exec(List.of(script.toString(), "init", dir.toString()), Duration.ofSeconds(60)), "clean-root init");
        return r;
    }

    /**
     * A path inside the root, as seen from this machine: under /usr (and /lib, /bin, /sbin, which link there) the
     * overlay's upper layer where the root changed it, else this machine's /usr; elsewhere the root's own tree.
     */
    Path path(String inRoot) {
        String p = inRoot.replaceFirst("^/+", "");
        for (String l : List.of("lib/", "lib64/", "bin/", "sbin/")) {
            if (p.startsWith(l)) {
                p = "usr/" + p;
            }
        }
        if (p.startsWith("usr/")) {
            Path upper = dir.resolve("usr-upper").resolve(p.substring(4));
            return Files.exists(upper) ? upper : Path.of("/").resolve(p);
        }
        return dir.resolve("root").resolve(p);
    }

    /** What a command printed (stdout and stderr) and its exit status. */
    record Result(int status, String output) {
    }

    /** Runs a command as root in the root with /usr writable (dpkg), to its end. */
    Result run(Duration bound, String... command) throws IOException, InterruptedException {
        return exec(command("run", List.of(command), List.of()), bound);
    }

    /** Runs a command in the root with /usr read-only (what several may do at once), to its end. */
    Result runRo(Duration bound, String... command) throws IOException, InterruptedException {
        return exec(command("run-ro", List.of(command), List.of()), bound);
    }

    Result check(Result r, String what) {
        if (r.status() != 0) {
            throw new AssertionError(what + " exited " + r.status() + ":\n" + r.output());
        }
        return r;
    }

    /**
     * Starts a long-running command in the root (/usr read-only), with host directories visible at the same
     * paths; its pid is the command's own (every step execs).
     */
    Service start(String name, List<String> command, List<Path> binds) throws IOException {
        Process p = new ProcessBuilder(command("run-ro", command, binds)).redirectErrorStream(true).start();
        return new Service(name, p);
    }

    private List<String> command(String mode, List<String> command, List<Path> binds) {
        List<String> c = new ArrayList<>(List.of(script.toString(), mode, dir.toString()));
        for (Path b : binds) {
            c.add("--bind");
            c.add(b.toString());
        }
        c.add("--");
        c.addAll(command);
        return c;
    }

    private Result exec(List<String> command, Duration bound) throws IOException, InterruptedException {
        Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        StringBuilder out = new StringBuilder();
        Thread reader = new Thread(() -> {
            try (BufferedReader r = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))) {
                String s;
                while ((s = r.readLine()) != null) {
                    synchronized (out) {
                        out.append(s).append('\n');
                    }
                }
            } catch (IOException e) {
                synchronized (out) {
                    out.append("(output ended: ").append(e.getMessage()).append(")\n");
                }
            }
        }, "clean-root-output");
        reader.setDaemon(true);
        reader.start();
        if (!p.waitFor(bound.toMillis(), TimeUnit.MILLISECONDS)) {
            p.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
            throw new AssertionError(String.join(" ", command) + " did not end within " + bound + ":\n" + out);
        }
        reader.join(5000);
        synchronized (out) {
            return new Result(p.exitValue(), out.toString());
        }
    }

    /** A process running in the root, its output collected line by line. */
    static final class Service implements AutoCloseable {
        private final String name;
        private final Process process;
        private final List<String> lines = new ArrayList<>(); // guarded by this
        private final Thread reader;

        Service(String name, Process process) {
            this.name = name;
            this.process = process;
            this.reader = new Thread(this::read, name + "-output");
            this.reader.setDaemon(true);
            this.reader.start();
        }

        private void read() {
            try (BufferedReader r = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
                String s;
                while ((s = r.readLine()) != null) {
                    synchronized (this) {
                        lines.add(s);
                        notifyAll();
                    }
                }
            } catch (IOException e) {
                synchronized (this) {
                    lines.add("(output ended: " + e.getMessage() + ")");
                }
            } finally {
                synchronized (this) {
                    notifyAll();
                }
            }
        }

        long pid() {
            return process.pid();
        }

        synchronized String output() {
            return String.join("\n", lines);
        }

        /** The first line matching, waiting up to the bound; fails with the output when the process ends first. */
        synchronized String await(Predicate<String> line, String what, Duration bound) throws InterruptedException {
            long deadline = System.nanoTime() + bound.toNanos();
            int seen = 0;
            while (true) {
                for (; seen < lines.size(); seen++) {
                    if (line.test(lines.get(seen))) {
                        return lines.get(seen);
                    }
                }
                long left = deadline - System.nanoTime();
                if (left <= 0 || (!process.isAlive() && !reader.isAlive())) {
                    throw new AssertionError(name + ": no " + what + " within " + bound + " (alive " + process.isAlive()
                        + "):\n" + String.join("\n", lines));
                }
                wait(Math.max(1, Math.min(200, TimeUnit.NANOSECONDS.toMillis(left))));
            }
        }

        /**
         * The exit status of a process expected to end by itself (a refused start), waiting up to the bound. A SIGTERM
         * here would race the JVM's own exit and report 143 for a process that was about to exit 1.
         */
        int exit(Duration bound) throws InterruptedException {
            if (!process.waitFor(bound.toMillis(), TimeUnit.MILLISECONDS)) {
                process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
                throw new AssertionError(name + " did not exit by itself within " + bound + ":\n" + output());
            }
            reader.join(5000);
            return process.exitValue();
        }

        /** SIGTERM, as systemd stops a unit; the exit status. */
        int stop(Duration bound) throws InterruptedException {
            process.destroy();
            if (!process.waitFor(bound.toMillis(), TimeUnit.MILLISECONDS)) {
                process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
                throw new AssertionError(name + " did not stop within " + bound + " of SIGTERM:\n" + output());
            }
            try {
                reader.join(5000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            return process.exitValue();
        }

        Optional<String> mapsLine(String fragment) throws IOException {
            return Files.readAllLines(Path.of("/proc", Long.toString(pid()), "maps")).stream()
                .filter(l -> l.contains(fragment)).findFirst();
        }

        @Override
        public void close() {
            if (process.isAlive()) {
                process.destroyForcibly();
                try {
                    process.waitFor(10, TimeUnit.SECONDS);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }
        }
    }
}
