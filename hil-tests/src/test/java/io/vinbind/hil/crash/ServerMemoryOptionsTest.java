package io.vinbind.hil.crash;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The server's memory options (docs/server.md, "Memory") reach the server JVM both ways it is started: by the
 * launcher ({@code ./vinbind server}, run here with a stand-in {@code java} that records its command line and
 * environment) and by {@link ServerProcess}, which the benches use; and both carry the same list, so neither can
 * drop an option silently.
 */
class ServerMemoryOptionsTest {

    private static final Path ROOT = Path.of("..").toAbsolutePath().normalize();

    @Test
    void server_process_puts_the_launchers_options_first_and_the_launchs_own_after_them() {
        ServerProcess.Launch launch = new ServerProcess.Launch(Path.of("/opt/jdk/bin/java"), "a.jar:b.jar",
                List.of("-Xmx256m", "-XX:+UseSerialGC"), List.of("--data", "/tmp/d"), Path.of("/tmp/log"));
        List<String> cmd = ServerProcess.command(launch, Path.of("/tmp/tinylog.properties"));
        int n = ServerProcess.LAUNCHER_JVM_OPTIONS.size();
        assertEquals("/opt/jdk/bin/java", cmd.get(0));
        assertEquals(ServerProcess.LAUNCHER_JVM_OPTIONS, cmd.subList(1, 1 + n));
        assertEquals(List.of("-Xmx256m", "-XX:+UseSerialGC"), cmd.subList(1 + n, 3 + n), "the launch's own win");
        assertEquals(List.of(ServerProcess.MAIN_CLASS, "--data", "/tmp/d"), cmd.subList(cmd.size() - 3, cmd.size()));
        for (String o : List.of("-Xmx384m", "-XX:MaxMetaspaceSize=128m", "-XX:ReservedCodeCacheSize=64m",
                "-XX:MaxDirectMemorySize=96m", "-Dio.netty.maxDirectMemory=0")) {
            assertTrue(cmd.contains(o), o + " missing from " + cmd);
        }
    }

    @Test
    void server_process_adds_the_malloc_settings_unless_set() {
        Map<String, String> env = new HashMap<>(Map.of("PATH", "/bin"));
        ServerProcess.withLauncherEnvironment(env);
        assertEquals("2", env.get("MALLOC_ARENA_MAX"));
        assertEquals("131072", env.get("MALLOC_MMAP_THRESHOLD_"));
        Map<String, String> own = new HashMap<>(Map.of("MALLOC_ARENA_MAX", "1"));
        ServerProcess.withLauncherEnvironment(own);
        assertEquals("1", own.get("MALLOC_ARENA_MAX"), "a setting of the caller's wins");
    }

    @Test
    void the_launcher_gives_the_server_the_same_options_before_java_opts(@TempDir Path dir) throws Exception {
        Path root = fakeRoot(dir);
        Map<String, String> recorded = launch(root, dir, Map.of("JAVA_OPTS", "-Xmx200m -Dx=1"));
        List<String> args = List.of(recorded.get("args").split("\n"));
        int n = ServerProcess.LAUNCHER_JVM_OPTIONS.size();
        assertEquals(ServerProcess.LAUNCHER_JVM_OPTIONS, args.subList(0, n), "the launcher's jvm_defaults for server");
        assertEquals(List.of("-Xmx200m", "-Dx=1"), args.subList(n, n + 2), "JAVA_OPTS after them, so they win");
        assertEquals(List.of(ServerProcess.MAIN_CLASS, "--version"), args.subList(args.size() - 2, args.size()));
        assertEquals("MALLOC_ARENA_MAX=2\nMALLOC_MMAP_THRESHOLD_=131072\n", recorded.get("env"));
    }

    @Test
    void a_users_malloc_settings_win_over_the_launchers(@TempDir Path dir) throws Exception {
        Path root = fakeRoot(dir);
        Map<String, String> recorded = launch(root, dir, Map.of("MALLOC_ARENA_MAX", "4", "MALLOC_MMAP_THRESHOLD_", "65536"));
        assertEquals("MALLOC_ARENA_MAX=4\nMALLOC_MMAP_THRESHOLD_=65536\n", recorded.get("env"));
        assertTrue(recorded.get("args").startsWith(String.join("\n", ServerProcess.LAUNCHER_JVM_OPTIONS)));
    }

    /**
     * A copy of the real launcher in a directory that looks built (server-stub's main class and the class path
     * files of it and its upstream modules, newer than their sources), so that it dispatches without Maven.
     */
    private static Path fakeRoot(Path dir) throws IOException {
        Path root = Files.createDirectories(dir.resolve("root"));
        Files.copy(ROOT.resolve("vinbind"), root.resolve("vinbind"));
        Files.writeString(root.resolve("pom.xml"), "<project/>");
        FileTime old = FileTime.from(Instant.now().minusSeconds(3600));
        Files.setLastModifiedTime(root.resolve("pom.xml"), old);
        for (String m : List.of("log-support", "protocol", "esim", "server-stub")) { // the launcher's upstream of server-stub
            Path src = Files.createDirectories(root.resolve(m).resolve("src/main"));
            Files.writeString(src.resolve("Src.java"), "");
            Files.setLastModifiedTime(src.resolve("Src.java"), old);
            Path classes = Files.createDirectories(root.resolve(m).resolve("target/classes"));
            Files.writeString(root.resolve(m).resolve("target/classpath.txt"), "/nowhere.jar");
            if (m.equals("server-stub")) {
                Path cls = classes.resolve("io/vinbind/server/cli/ServerCli.class");
                Files.createDirectories(cls.getParent());
                Files.write(cls, new byte[0]);
            }
        }
        return root;
    }

    /** Runs {@code ROOT/vinbind server --version} with a stand-in java; returns its arguments and malloc settings. */
    private static Map<String, String> launch(Path root, Path dir, Map<String, String> extraEnv) throws Exception {
        Path jdk = Files.createDirectories(dir.resolve("jdk/bin"));
        Path java = jdk.resolve("java");
        Files.writeString(java, """
                #!/bin/sh
                printf '%s\\n' "$@" > "$VB_TEST_ARGS"
                printf 'MALLOC_ARENA_MAX=%s\\nMALLOC_MMAP_THRESHOLD_=%s\\n' "$MALLOC_ARENA_MAX" "$MALLOC_MMAP_THRESHOLD_" \\
                    > "$VB_TEST_ENV"
                """);
        Files.setPosixFilePermissions(java, PosixFilePermissions.fromString("rwx------"));
        Path args = dir.resolve("args.txt");
        Path env = dir.resolve("env.txt");
        ProcessBuilder pb = new ProcessBuilder("bash", root.resolve("vinbind").toString(), "server", "--version")
                .redirectErrorStream(true);
        Map<String, String> e = pb.environment();
        e.remove("MALLOC_ARENA_MAX");
        e.remove("MALLOC_MMAP_THRESHOLD_");
        e.remove("JAVA_OPTS");
        e.put("JAVA_HOME", dir.resolve("jdk").toString());
        e.put("VINBIND_NO_BUILD", "1");
        e.put("VB_TEST_ARGS", args.toString());
        e.put("VB_TEST_ENV", env.toString());
        e.putAll(extraEnv);
        Process p = pb.start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(30, TimeUnit.SECONDS), "launcher did not end");
        assertEquals(0, p.exitValue(), "launcher failed: " + out);
        return Map.of("args", Files.readString(args).strip(), "env", Files.readString(env));
    }
}
