package io.vinbind.hil.dist;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.vinbind.can.vehicle.PowerMode;
import io.vinbind.hil.bench.Bench;
import io.vinbind.hil.bench.BenchServer;
import io.vinbind.hil.bench.CanTransport;
import io.vinbind.hil.bench.ModemTransport;
import io.vinbind.modem.link.SocatPtyPair;
import java.io.IOException;
import java.io.StringWriter;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The packages as a user gets them: the Debian packages {@code mvn package} built (terminal-dist, server-dist)
 * are installed with dpkg into a clean root ({@code scripts/clean-root}: this machine's /usr under an overlay,
 * Debian's default accounts, an empty /var and /opt; maintainer scripts run chrooted as root, without a
 * running systemd, as in an image build), their units pass {@code systemd-analyze verify}, the installed
 * terminal runs as its unit says against the bench's ECU and modem simulators on ptys and binds, the installed
 * server runs on its shipped configuration (ports changed) and answers its API; an upgrade to a newer version
 * keeps the configuration (changed by the administrator and by the package), the terminal's state file and the
 * server's data; remove keeps the state, purge deletes it.
 */
class PackagesIT {

    private static final Duration DPKG = Duration.ofSeconds(120);
    private static final Duration START = Duration.ofSeconds(90);
    private static final String TERMINAL_UNIT = "/lib/systemd/system/vinbind-terminal.service";
    private static final String SERVER_UNIT = "/lib/systemd/system/vinbind-server.service";

    @TempDir
    Path tmp;

    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    @Test
    @Timeout(value = 6, unit = TimeUnit.MINUTES)
    void installed_packages_run_bind_answer_and_keep_configuration_and_state_across_an_upgrade() throws Exception {
        Path repo = Path.of("").toAbsolutePath().getParent();
        Path script = repo.resolve("scripts/clean-root");
        assumeTrue("0".equals(run("id", "-u").strip()), "skipped: installing into a clean root needs root (mounts, chroot)");
        assumeTrue(Files.isDirectory(Path.of("/sys/module/overlay")) || Files.readString(Path.of("/proc/filesystems"))
            .contains("overlay"), "skipped: no overlayfs for the clean root's /usr");
        assumeTrue(SocatPtyPair.socatAvailable(), "skipped: socat is needed for the bench's ptys");
        Path terminalDeb = onlyOne(repo.resolve("terminal-dist/target"), "vinbind-terminal_", "_amd64.deb");
        Path serverDeb = onlyOne(repo.resolve("server-dist/target"), "vinbind-server_", "_all.deb");
        assumeTrue(System.getProperty("os.arch").equals("amd64"), "skipped: the test installs the amd64 package");

        // the other CPUs' packages: the same files but JavaCAN's one JNI jar, which is theirs
        List<String> amd64 = jars(terminalDeb);
        assertTrue(amd64.contains("javacan-core-3.5.0-x86_64.jar"), amd64.toString());
        for (String[] arch : new String[][] {{"arm64", "aarch64"}, {"armhf", "armv7"}}) {
            Path deb = onlyOne(terminalDeb.getParent(), "vinbind-terminal_", "_" + arch[0] + ".deb");
            List<String> jars = jars(deb);
            assertTrue(jars.contains("javacan-core-3.5.0-" + arch[1] + ".jar"), arch[0] + ": " + jars);
            assertEquals(amd64.stream().map(j -> j.replace("x86_64", arch[1])).sorted().toList(), jars, arch[0]);
            assertTrue(run("dpkg-deb", "-f", deb.toString(), "Architecture").strip().equals(arch[0]), arch[0]);
        }
        CleanRoot root = CleanRoot.create(script, tmp.resolve("box"));
        Path pkgs = root.path("/tmp/pkgs");
        Files.createDirectories(pkgs);
        Files.copy(terminalDeb, pkgs.resolve("terminal-1.deb"));
        Files.copy(serverDeb, pkgs.resolve("server-1.deb"));
        step("clean root made");
        // ---- install
        root.check(root.run(DPKG, "dpkg", "-i", "/tmp/pkgs/terminal-1.deb", "/tmp/pkgs/server-1.deb"), "dpkg -i");
        String passwd = Files.readString(root.path("/etc/passwd"));
        assertTrue(passwd.contains("\nvinbind:") && passwd.contains("\nvinbind-server:"), passwd);
        assertTrue(Files.readString(root.path("/etc/group")).lines().anyMatch(l -> l.startsWith("dialout:")
            && l.matches(".*[:,]vinbind(,.*)?$")), "vinbind is in dialout");
        assertEquals("rwxr-x---", mode(root.path("/var/lib/vinbind")));
        assertEquals("vinbind:vinbind", owner(root, "/var/lib/vinbind"));
        assertEquals("root:vinbind", owner(root, "/etc/vinbind/terminal.properties"));
        assertEquals("vinbind-server:vinbind-server", owner(root, "/var/lib/vinbind-server"));
        String conffiles = root.check(root.runRo(DPKG, "dpkg-query", "-W", "-f=${Conffiles}\n", "vinbind-terminal",
            "vinbind-server"), "dpkg-query").output();
        assertTrue(conffiles.contains("/etc/vinbind/terminal.properties")
            && conffiles.contains("/etc/vinbind-server/server.properties"), conffiles);
        assertTrue(Files.isSymbolicLink(root.path("/etc/systemd/system/multi-user.target.wants/vinbind-terminal.service")),
            "the unit is enabled");

        // ---- both units as systemd reads them, in the root where their programs are
        if (Files.isExecutable(Path.of("/usr/bin/systemd-analyze"))) {
            CleanRoot.Result verify = root.runRo(DPKG, "systemd-analyze", "verify", TERMINAL_UNIT, SERVER_UNIT);
            assertEquals(0, verify.status(), verify.output());
            assertEquals("", verify.output().strip(), "systemd-analyze verify reports nothing");
        } else {
            step("systemd-analyze is not installed (Debian package systemd; .ci/run installs it): units not verified");
        }

        // ---- the server: shipped configuration, ports changed by the administrator
        int mqttPort = freePort();
        int httpPort = freePort();
        Path serverConfig = root.path("/etc/vinbind-server/server.properties");
        Files.writeString(serverConfig, Files.readString(serverConfig)
            .replaceFirst("(?m)^mqtt-port = .*$", "mqtt-port = " + mqttPort)
            .replaceFirst("(?m)^http-port = .*$", "http-port = " + httpPort));
        byte[] serverConfigBytes = Files.readAllBytes(serverConfig);
        UnitFile serverUnit = UnitFile.read(root.path(SERVER_UNIT));
        String token;
        URI api = URI.create("http://127.0.0.1:" + httpPort);
        String imsi = "001019876543210";
        step("installed, units verified");
        try (CleanRoot.Service server = root.start("server", serverUnit.command(List.of()), List.of())) {
            server.await(l -> l.contains(" ready"), "ready line", START);
            token = Files.readString(root.path("/var/lib/vinbind-server/admin.token")).strip();
            assertEquals("rw-------", mode(root.path("/var/lib/vinbind-server/admin.token")));
            assertEquals(200, get(api, "/health", null).statusCode());
            HttpResponse<String> imported = http.send(HttpRequest.newBuilder(api.resolve("/modems/import"))
                .header("Authorization", "Bearer " + token).header("Content-Type", "text/csv")
                .POST(HttpRequest.BodyPublishers.ofString("imsi,batch\n" + imsi + ",dist-it\n")).build(),
                HttpResponse.BodyHandlers.ofString());
            assertEquals(200, imported.statusCode(), imported.body());
            HttpResponse<String> modem = get(api, "/modems/" + imsi, token);
            assertEquals(200, modem.statusCode(), modem.body());
            assertTrue(modem.body().contains("dist-it"), modem.body());
            assertEquals(143, server.stop(Duration.ofSeconds(40)), server.output());
        }

        step("installed server answered");
        Path terminalConfig = root.path("/etc/vinbind/terminal.properties");
        Path state = root.path("/var/lib/vinbind/terminal.state");
        byte[] terminalConfigBytes;
        // the bench only while a terminal reads its ptys: the ECU simulator's broadcast would fill them otherwise
        try (Bench bench = Bench.builder().name("dist").can(CanTransport.SLCAN_PTY).modem(ModemTransport.PTY)
                .startTerminal(false).build()) {
            Path benchDir = bench.terminalDir().getParent();
            // ---- the terminal: the bench's configuration, the credential installed as docs/install.md says
            BenchServer.TerminalCredentials cred = bench.server().credentialsFor(bench.terminalId());
            Path credDir = root.path("/tmp/cred");
            Files.createDirectories(credDir);
            Files.copy(cred.caFile().orElseThrow(), credDir.resolve("ca.pem"));
            Files.copy(cred.certFile().orElseThrow(), credDir.resolve("terminal.pem"));
            Files.copy(cred.keyFile().orElseThrow(), credDir.resolve("terminal.key"));
            root.check(root.runRo(DPKG, "install", "-m", "644", "/tmp/cred/ca.pem", "/tmp/cred/terminal.pem",
                "/etc/vinbind/"), "install ca.pem terminal.pem");
            root.check(root.runRo(DPKG, "install", "-m", "600", "-o", "vinbind", "-g", "vinbind", "/tmp/cred/terminal.key",
                "/etc/vinbind/terminal.key"), "install terminal.key");
            Properties p = bench.terminalProperties();
            p.setProperty("mqtt.broker", bench.server().mqttUri().toString());
            p.setProperty("mqtt.ca-file", "/etc/vinbind/ca.pem");
            p.setProperty("mqtt.cert-file", "/etc/vinbind/terminal.pem");
            p.setProperty("mqtt.key-file", "/etc/vinbind/terminal.key");
            p.setProperty("data.dir", "/var/lib/vinbind");
            StringWriter w = new StringWriter();
            p.store(w, "the head unit's configuration (written by PackagesIT)");
            Files.writeString(terminalConfig, w.toString());
            terminalConfigBytes = Files.readAllBytes(terminalConfig);
            // the bench's directories are root's 0700 temp directories; the service user must reach the pty links
            Files.setPosixFilePermissions(benchDir, PosixFilePermissions.fromString("rwxr-xr-x"));
            Files.setPosixFilePermissions(bench.terminalModemPort().getParent(), PosixFilePermissions.fromString("rwxr-xr-x"));
            for (String link : List.of(bench.terminalModemPort().toString(),
                    bench.terminalCanSpec().replaceFirst("^slcan:", "").replaceFirst("@.*$", ""))) {
                // the pty socat made is root's; on a head unit udev gives the adapter to group dialout
                Files.setPosixFilePermissions(Path.of(link).toRealPath(), PosixFilePermissions.fromString("rw-rw-rw-"));
            }
            UnitFile terminalUnit = UnitFile.read(root.path(TERMINAL_UNIT));
            assertTrue(String.join(" ", terminalUnit.environment()).contains("-Xms8m -Xmx48m"), terminalUnit.toString());
            // what systemd does for CacheDirectory=
            root.check(root.runRo(DPKG, "install", "-d", "-m", "0750", "-o", "vinbind", "-g", "vinbind",
                "/var/cache/vinbind-terminal"), "cache directory");
            bench.ignition(PowerMode.ON);
            try (CleanRoot.Service terminal = root.start("terminal", terminalUnit.command(List.of()), List.of(benchDir))) {
                terminal.await(l -> l.contains("-> BOUND"), "transition to BOUND", START);
                assertEquals(bench.vin(), bench.api().bindingOfImsi(bench.modemIdentity().imsi().value()).orElseThrow().vin());
                assertTrue(terminal.mapsLine("/var/cache/vinbind-terminal/").isEmpty(),
                    "the first start has no archive of its own yet");
                assertEquals(143, terminal.stop(Duration.ofSeconds(30)), terminal.output());
            }
            // the JVM wrote the classes it loaded at that exit; the next start maps them
            try (Stream<Path> cache = Files.list(root.path("/var/cache/vinbind-terminal"))) {
                assertEquals(1, cache.filter(f -> f.getFileName().toString().endsWith(".jsa.tmp")).count());
            }
            try (CleanRoot.Service terminal = root.start("terminal-2", terminalUnit.command(List.of()), List.of(benchDir))) {
                terminal.await(l -> l.contains("terminal daemon running"), "daemon running", START);
                assertTrue(terminal.mapsLine("/var/cache/vinbind-terminal/terminal-").isPresent(),
                    "the archive is mapped:\n" + terminal.output());
                assertEquals(143, terminal.stop(Duration.ofSeconds(30)), terminal.output());
            }
            // the tools through the command on PATH, as an after-sales technician would
            CleanRoot.Result status = root.check(root.runRo(DPKG, "vinbind-terminal", "status", "--data",
                "/var/lib/vinbind"), "vinbind-terminal status");
            assertTrue(status.output().contains(bench.vin()), status.output());
            step("installed terminal bound, restarted on its archive");
        }
        byte[] stateBytes = Files.readAllBytes(state);
        // ---- upgrade: newer versions, whose shipped configuration changed too
        Path terminal2 = repack(terminalDeb, pkgs.resolve("terminal-2.deb"), "etc/vinbind/terminal.properties");
        Path server2 = repack(serverDeb, pkgs.resolve("server-2.deb"), "etc/vinbind-server/server.properties");
        root.check(root.run(DPKG, "dpkg", "-i", "--force-confold", "/tmp/pkgs/" + terminal2.getFileName(),
            "/tmp/pkgs/" + server2.getFileName()), "dpkg -i (upgrade)");
        String versions = root.check(root.runRo(DPKG, "dpkg-query", "-W", "-f=${Version}\n", "vinbind-terminal",
            "vinbind-server"), "dpkg-query").output();
        assertTrue(versions.lines().allMatch(v -> v.endsWith("+it2")), versions);
        assertArrayEquals(terminalConfigBytes, Files.readAllBytes(terminalConfig), "terminal.properties kept");
        assertTrue(Files.exists(root.path("/etc/vinbind/terminal.properties.dpkg-dist")), "the new one beside it");
        assertArrayEquals(serverConfigBytes, Files.readAllBytes(serverConfig), "server.properties kept");
        assertArrayEquals(stateBytes, Files.readAllBytes(state), "terminal.state untouched");
        assertTrue(Files.exists(root.path("/etc/vinbind/terminal.key")), "the credential stays");
        try (Stream<Path> cache = Files.list(root.path("/var/cache/vinbind-terminal"))) {
            assertEquals(0, cache.count(), "the old jars' archive is gone");
        }
        try (CleanRoot.Service server = root.start("server-2", serverUnit.command(List.of()), List.of())) {
            server.await(l -> l.contains(" ready"), "ready line", START);
            assertEquals(token, Files.readString(root.path("/var/lib/vinbind-server/admin.token")).strip());
            HttpResponse<String> modem = get(api, "/modems/" + imsi, token);
            assertEquals(200, modem.statusCode(), "the registry survived the upgrade: " + modem.body());
            assertEquals(143, server.stop(Duration.ofSeconds(40)), server.output());
        }

        step("upgraded, server restarted on its data");

        // ---- PostgreSQL by configuration (here: the command line, which wins over server.properties)
        if (portOpen(5432)) {
            String schema = "dist_it_" + Long.toHexString(System.nanoTime());
            try (CleanRoot.Service server = root.start("server-pg", serverUnit.command(List.of(), List.of(
                    "--db", "jdbc:postgresql://127.0.0.1:5432/test", "--db-user", "postgres", "--db-schema", schema)),
                    List.of())) {
                server.await(l -> l.contains("  db     jdbc:postgresql://127.0.0.1:5432/test"), "PostgreSQL", START);
                HttpResponse<String> health = get(api, "/health", null);
                assertEquals(200, health.statusCode(), health.body());
                assertTrue(health.body().replace(" ", "").contains("\"database\":\"UP\""), health.body());
                assertEquals(143, server.stop(Duration.ofSeconds(40)), server.output());
            }
            step("server on PostgreSQL");
        } else {
            step("PostgreSQL is not running on 127.0.0.1:5432: the PostgreSQL start is left out");
        }

        // ---- a key group or others may read is refused, naming the file
        Path key;
        try (Stream<Path> keys = Files.walk(root.path("/var/lib/vinbind-server/pki/services"))) {
            key = keys.filter(f -> f.getFileName().toString().equals("vinbind-server.key")).findFirst().orElseThrow();
        }
        Files.setPosixFilePermissions(key, PosixFilePermissions.fromString("rw-r-----"));
        try (CleanRoot.Service server = root.start("server-key", serverUnit.command(List.of()), List.of())) {
            server.await(l -> l.contains("group or others may access it") && l.contains("vinbind-server.key"),
                "the refused key", START);
            assertEquals(1, server.exit(Duration.ofSeconds(40)), server.output());
        }
        Files.setPosixFilePermissions(key, PosixFilePermissions.fromString("rw-------"));
        step("a readable key refused");
        // ---- remove keeps the state, purge deletes it
        root.check(root.run(DPKG, "dpkg", "-r", "vinbind-terminal"), "dpkg -r");
        assertFalse(Files.exists(root.path("/opt/vinbind-terminal/bin/vinbind-terminal")));
        assertArrayEquals(stateBytes, Files.readAllBytes(state), "terminal.state kept by remove");
        assertTrue(Files.exists(terminalConfig), "configuration kept by remove");
        root.check(root.run(DPKG, "dpkg", "--purge", "vinbind-terminal"), "dpkg --purge");
        assertFalse(Files.exists(state), "purge deletes the state");
        assertFalse(Files.exists(terminalConfig), "purge deletes the configuration");
        assertTrue(Files.exists(root.path("/etc/vinbind/terminal.key")), "but never the factory's credential");
        step("removed, purged");
    }

    private final long t0 = System.nanoTime();

    /** Progress with the time since the start, in the test's output (where the minutes go). */
    private void step(String what) {
        System.out.printf("PackagesIT %6.1f s: %s%n", (System.nanoTime() - t0) / 1e9, what);
    }

    private HttpResponse<String> get(URI api, String path, String token) throws IOException, InterruptedException {
        HttpRequest.Builder b = HttpRequest.newBuilder(api.resolve(path)).timeout(Duration.ofSeconds(10)).GET();
        if (token != null) {
            b.header("Authorization", "Bearer " + token);
        }
        return http.send(b.build(), HttpResponse.BodyHandlers.ofString());
    }

    /** The package as the next version: same content, version +it2, and its shipped configuration file changed. */
    private static Path repack(Path deb, Path out, String conffile) throws IOException, InterruptedException {
        Path dir = out.resolveSibling(out.getFileName() + ".d");
        run("dpkg-deb", "-R", deb.toString(), dir.toString());
        Path control = dir.resolve("DEBIAN/control");
        Files.writeString(control, Files.readString(control).replaceFirst("(?m)^Version: (.*)$", "Version: $1+it2"));
        Files.writeString(dir.resolve(conffile), "\n# a key the next version documents\n",
            java.nio.file.StandardOpenOption.APPEND);
        run("sh", "-c", "cd '" + dir + "' && find . -type f ! -path './DEBIAN/*' -printf '%P\\0' | sort -z "
            + "| xargs -0 md5sum > DEBIAN/md5sums");
        run("dpkg-deb", "--root-owner-group", "-Zgzip", "-z1", "-b", dir.toString(), out.toString());
        return out;
    }

    private static Path onlyOne(Path dir, String prefix, String suffix) throws IOException {
        assumeTrue(Files.isDirectory(dir), "skipped: " + dir + " missing; build the packages first: "
            + "mvn -B package -DskipTests -pl terminal-dist,server-dist -am");
        List<Path> found = new ArrayList<>();
        try (Stream<Path> s = Files.list(dir)) {
            s.filter(f -> f.getFileName().toString().startsWith(prefix) && f.getFileName().toString().endsWith(suffix))
                .forEach(found::add);
        }
        assumeTrue(!found.isEmpty(), "skipped: no " + prefix + "*" + suffix + " in " + dir
            + "; build the packages first: mvn -B package -DskipTests -pl terminal-dist,server-dist -am");
        assertEquals(1, found.size(), "one package in " + dir + ": " + found);
        return found.get(0);
    }

    /** The jar names in a package's /opt/vinbind-terminal/lib, sorted. */
    private static List<String> jars(Path deb) throws IOException, InterruptedException {
        return run("dpkg-deb", "-c", deb.toString()).lines().map(l -> l.replaceFirst("^.* \\./", "/"))
            .filter(p -> p.startsWith("/opt/vinbind-terminal/lib/") && p.endsWith(".jar"))
            .map(p -> p.substring(p.lastIndexOf('/') + 1)).sorted().toList();
    }

    private static String mode(Path p) throws IOException {
        return PosixFilePermissions.toString(Files.getPosixFilePermissions(p));
    }

    /** user:group by the root's own account databases. */
    private static String owner(CleanRoot root, String path) throws IOException, InterruptedException {
        return root.check(root.runRo(DPKG, "stat", "-c", "%U:%G", path), "stat").output().strip();
    }

    private static boolean portOpen(int port) {
        try (java.net.Socket s = new java.net.Socket()) {
            s.connect(new java.net.InetSocketAddress("127.0.0.1", port), 1000);
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    private static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        }
    }

    private static String run(String... command) throws IOException, InterruptedException {
        Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!p.waitFor(60, TimeUnit.SECONDS) || p.exitValue() != 0) {
            throw new AssertionError(String.join(" ", command) + " failed:\n" + out);
        }
        return out;
    }
}
