package io.vinbind.server.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code vinbind server} as a real process: prints where it listens, serves, stops on SIGTERM. */
class ServerCliIT {

    @TempDir
    Path dir;

    @Test
    void runs_on_embedded_defaults_prints_its_addresses_serves_http_and_stops_on_sigterm() throws Exception {
        Path java = Path.of(System.getProperty("java.home"), "bin", "java");
        Process p = new ProcessBuilder(java.toString(), "-cp", System.getProperty("java.class.path"),
            ServerCli.class.getName(), "--data", dir.resolve("data").toString(), "--mqtt-port", "0",
            "--http-port", "0").redirectError(dir.resolve("stderr.txt").toFile()).start();
        Thread watchdog = new Thread(() -> {
            try {
                if (!p.waitFor(90, TimeUnit.SECONDS)) {
                    p.destroyForcibly(); // bounds the blocking reads below if the server hangs silently
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }, "server-cli-watchdog");
        watchdog.setDaemon(true);
        watchdog.start();
        try {
            List<String> lines = new ArrayList<>();
            String http = null;
            BufferedReader out = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8));
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
            String line;
            while (System.nanoTime() < deadline && (line = out.readLine()) != null) {
                lines.add(line);
                if (line.trim().startsWith("http ")) {
                    http = line.trim().substring(5).trim();
                }
                if (line.startsWith("Ctrl-C")) {
                    break;
                }
            }
            assertTrue(lines.get(0).matches("vinbind server \\S+ ready"), lines + " / " + stderr());
            assertTrue(lines.stream().anyMatch(l -> l.trim().matches(
                "mqtt +ssl://127\\.0\\.0\\.1:\\d+ \\(embedded HiveMQ CE, TLS \\+ client certificates\\)")), lines.toString());
            assertTrue(lines.stream().anyMatch(l -> l.trim().startsWith("pki ")), "says where its PKI is: " + lines);
            assertTrue(lines.stream().anyMatch(l -> l.trim().startsWith("admin ") && l.contains("admin.token")),
                "says where the first admin token is: " + lines);
            HttpResponse<String> health = HttpClient.newHttpClient().send(
                HttpRequest.newBuilder(URI.create(http + "/health")).timeout(Duration.ofSeconds(10)).build(),
                HttpResponse.BodyHandlers.ofString());
            assertEquals(200, health.statusCode(), health.body());
            assertTrue(health.body().contains("\"status\" : \"UP\""), health.body());

            p.destroy(); // SIGTERM: the shutdown hook stops the server
            assertTrue(p.waitFor(30, TimeUnit.SECONDS), "stopped within 30 s");
            assertTrue(stderr().contains("stopped"), stderr());
        } finally {
            if (p.isAlive()) {
                p.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
            }
        }
    }

    private String stderr() throws Exception {
        Path f = dir.resolve("stderr.txt");
        return Files.exists(f) ? Files.readString(f) : "";
    }
}
