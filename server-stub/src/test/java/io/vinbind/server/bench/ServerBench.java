package io.vinbind.server.bench;

import io.vinbind.protocol.BindAck;
import io.vinbind.server.BindingServer;
import io.vinbind.server.ExternalServices;
import io.vinbind.server.Fixtures;
import io.vinbind.server.MosquittoBroker;
import io.vinbind.server.ServerConfig;
import io.vinbind.server.TestTerminal;
import io.vinbind.server.store.DbSettings;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

/**
 * Measures the server over real MQTT (not a test; no assertions). Prints a Markdown table.
 *
 * <pre>
 * mvn -B -pl server-stub -am verify -DskipTests      # or any build that leaves test-classes
 * java -cp server-stub/target/test-classes:server-stub/target/classes:$(cat server-stub/target/classpath.txt) \
 *      -Dtinylog.writer.level=warn io.vinbind.server.bench.ServerBench [rounds] [terminals]
 * </pre>
 * Scenarios: embedded defaults (HiveMQ CE + H2), and one instance on Mosquitto + PostgreSQL when both are
 * reachable. Each bind alternates a terminal between two VINs of its own, so every request is a REBOUND
 * (release + bind + three history rows + stored answer): the full write path.
 */
public final class ServerBench {

    private ServerBench() {
    }

    public static void main(String[] args) throws Exception {
        int rounds = args.length > 0 ? Integer.parseInt(args[0]) : 200;
        int terminals = args.length > 1 ? Integer.parseInt(args[1]) : 16;
        System.out.println("| setup | measure | value |");
        System.out.println("|---|---|---|");
        Path dir = Files.createTempDirectory("vinbind-bench");
        long t0 = System.nanoTime();
        ServerConfig embedded = ServerConfig.ephemeral(dir.resolve("embedded"));
        int port;
        try (BindingServer server = BindingServer.start(embedded)) {
            row("embedded HiveMQ CE + H2", "start, first time (broker, migrations, MQTT, HTTP)",
                ms(System.nanoTime() - t0));
            run("embedded HiveMQ CE + H2", server, server.mqttUri(), rounds, terminals);
            port = server.mqttUri().getPort();
            long c0 = System.nanoTime();
            server.close();
            row("embedded HiveMQ CE + H2", "stop (planned)", ms(System.nanoTime() - c0));
        }
        long r0 = System.nanoTime();
        try (BindingServer again = BindingServer.start(embedded.withMqttPort(port))) {
            row("embedded HiveMQ CE + H2", "start again on the same data and port", ms(System.nanoTime() - r0));
        }
        StringBuilder why = new StringBuilder();
        Files.createDirectories(dir.resolve("mosquitto"));
        java.util.Optional<MosquittoBroker> mosquitto = MosquittoBroker.startPrivate(dir.resolve("mosquitto"), why);
        java.util.Optional<String> problem = mosquitto.isEmpty() ? java.util.Optional.of(why.toString())
            : ExternalServices.postgresProblem();
        problem.ifPresent(p -> System.out.println("| Mosquitto + PostgreSQL | skipped | " + p + " |"));
        if (problem.isEmpty()) {
            DbSettings db = ExternalServices.freshSchema();
            URI broker = mosquitto.get().uri();
            try (BindingServer server = BindingServer.start(ServerConfig.ephemeral(dir.resolve("external"))
                .withExternalBroker(broker).withDatabase(db).withInstanceId("bench-" + System.nanoTime()))) {
                run("Mosquitto 2.0 + PostgreSQL 15", server, broker, rounds, terminals);
            } finally {
                ExternalServices.dropSchema(db);
            }
        }
        if (mosquitto.isPresent()) {
            mosquitto.get().close();
        }
    }

    private static void run(String setup, BindingServer server, URI broker, int rounds, int terminals) throws Exception {
        List<TestTerminal> ts = new ArrayList<>();
        try {
            for (int i = 0; i < terminals; i++) {
                String imsi = Fixtures.imsi(800_000 + i);
                server.registry().register(Fixtures.modem(imsi, Fixtures.iccidOf(imsi), Fixtures.imeiOf(imsi)));
                TestTerminal t = new TestTerminal(broker, imsi, Fixtures.iccidOf(imsi), Fixtures.imeiOf(imsi));
                t.login();
                ts.add(t);
            }
            // sequential: one terminal, one request at a time
            long[] rtt = new long[rounds];
            TestTerminal one = ts.get(0);
            for (int i = 0; i < rounds; i++) {
                long s = System.nanoTime();
                BindAck ack = one.bind(Fixtures.vin(800_000 + (i % 2)));
                rtt[i] = System.nanoTime() - s;
                if (!ack.outcome().isBound()) {
                    throw new IllegalStateException("unexpected " + ack);
                }
            }
            Arrays.sort(rtt);
            row(setup, "bind round trip, 1 terminal, n=" + rounds + ": p50 / p95 / max",
                ms(rtt[rounds / 2]) + " / " + ms(rtt[(int) (rounds * 0.95)]) + " / " + ms(rtt[rounds - 1]));

            // concurrent: every terminal binds back-to-back
            int perTerminal = Math.max(1, rounds / terminals * 2);
            ExecutorService pool = Executors.newFixedThreadPool(terminals, r -> {
                Thread t = new Thread(r, "bench-terminal");
                t.setDaemon(true);
                return t;
            });
            long s = System.nanoTime();
            List<Future<Integer>> done = new ArrayList<>();
            for (int i = 0; i < terminals; i++) {
                TestTerminal t = ts.get(i);
                int n = i;
                done.add(pool.submit(() -> {
                    for (int k = 0; k < perTerminal; k++) {
                        t.bind(Fixtures.vin(810_000 + 2 * n + (k % 2)));
                    }
                    return perTerminal;
                }));
            }
            int total = 0;
            for (Future<Integer> f : done) {
                total += f.get(300, TimeUnit.SECONDS);
            }
            double seconds = (System.nanoTime() - s) / 1e9;
            pool.shutdown();
            row(setup, "throughput, " + terminals + " terminals x " + perTerminal + " binds",
                String.format("%.0f binds/s (%d in %.1f s)", total / seconds, total, seconds));
        } finally {
            for (TestTerminal t : ts) {
                t.close();
            }
        }
    }

    private static String ms(long nanos) {
        return String.format("%.1f ms", nanos / 1e6);
    }

    private static void row(String setup, String measure, String value) {
        System.out.println("| " + setup + " | " + measure + " | " + value + " |");
    }
}
