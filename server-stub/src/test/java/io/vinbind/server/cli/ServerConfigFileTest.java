package io.vinbind.server.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Properties;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

class ServerConfigFileTest {

    static final Path EXAMPLE = Path.of("src/main/dist/server.properties");

    @TempDir
    Path dir;

    private final StringWriter out = new StringWriter();
    private final StringWriter err = new StringWriter();

    private int run(String... args) {
        CommandLine cl = ServerCli.commandLine();
        cl.setOut(new PrintWriter(out, true));
        cl.setErr(new PrintWriter(err, true));
        return cl.execute(args);
    }

    private static List<String> merged(Path file, String... args) throws Exception {
        CommandLine cl = ServerCli.commandLine();
        CommandLine.ParseResult parsed = cl.parseArgs(args);
        return ServerConfigFile.merge(file, cl.getCommandSpec(), parsed);
    }

    @Test
    void the_shipped_example_sets_every_option_of_server_and_nothing_else() throws Exception {
        Properties p = new Properties();
        try (var in = Files.newBufferedReader(EXAMPLE)) {
            p.load(in);
        }
        assertEquals(new TreeSet<>(ServerConfigFile.keys(ServerCli.commandLine().getCommandSpec())),
            new TreeSet<>(p.stringPropertyNames()));
        List<String> args = merged(EXAMPLE, "--config", EXAMPLE.toString());
        assertTrue(args.containsAll(List.of("--data", "/var/lib/vinbind-server", "--mqtt-port", "18830")), args.toString());
        assertTrue(!args.contains("--insecure-plaintext") && !args.contains("--db"), "false and empty stay unset: " + args);
    }

    @Test
    void the_command_line_wins_over_the_file_and_relative_paths_are_the_files() throws Exception {
        Path file = dir.resolve("server.properties");
        Files.writeString(file, "mqtt-port = 1883\nhttp-port = 8080\ndata = state\nvin-check = lenient\n");
        List<String> args = merged(file, "--config", file.toString(), "--http-port", "0");
        assertEquals(List.of("--data", dir.resolve("state").toString(), "--mqtt-port", "1883", "--vin-check", "lenient",
            "--http-port", "0"), args);
    }

    @Test
    void an_unknown_key_is_refused_with_exit_2_naming_it_and_the_known_keys() throws Exception {
        Path file = dir.resolve("server.properties");
        Files.writeString(file, "mqtt-prot = 1883\n");
        assertEquals(2, run("--config", file.toString()));
        assertTrue(err.toString().contains("unknown key 'mqtt-prot'") && err.toString().contains("mqtt-port"), err.toString());
    }

    @Test
    void a_key_twice_a_bad_value_a_bad_flag_and_a_missing_file_are_refused_naming_them() throws Exception {
        Path file = dir.resolve("server.properties");
        Files.writeString(file, "http-port = 1\nhttp-port = 2\n");
        var twice = assertThrows(ServerConfigFile.ConfigFileException.class, () -> merged(file, "--config", file.toString()));
        assertTrue(twice.getMessage().contains("'http-port' is given twice"), twice.getMessage());

        Files.writeString(file, "http-port = eighty\n");
        assertEquals(2, run("--config", file.toString()));
        assertTrue(err.toString().contains("http-port = 'eighty'") && err.toString().contains("not an int"), err.toString());

        Files.writeString(file, "rebind-policy = sometimes\n");
        var policy = assertThrows(ServerConfigFile.ConfigFileException.class, () -> merged(file, "--config", file.toString()));
        assertTrue(policy.getMessage().contains("rebind-policy = 'sometimes'")
            && policy.getMessage().contains("not auto, hold or reject"), policy.getMessage());

        Files.writeString(file, "insecure-plaintext = yes\n");
        var flag = assertThrows(ServerConfigFile.ConfigFileException.class, () -> merged(file, "--config", file.toString()));
        assertTrue(flag.getMessage().contains("insecure-plaintext = 'yes': expected true or false"), flag.getMessage());

        assertEquals(2, run("--config", dir.resolve("missing.properties").toString()));
        assertTrue(err.toString().contains("no such configuration file: " + dir.resolve("missing.properties")), err.toString());
    }

    @Test
    void a_combination_the_server_refuses_is_reported_as_from_the_command_line() throws Exception {
        Path file = dir.resolve("server.properties");
        Files.writeString(file, "insecure-plaintext = true\nmqtt = tcp://127.0.0.1:1\ndata = d\nhttp-port = 0\n");
        assertEquals(2, run("--config", file.toString()));
        assertTrue(err.toString().contains("--insecure-plaintext") && err.toString().contains("--mqtt"), err.toString());
        assertTrue(!Files.exists(dir.resolve("d").resolve("pki")), "refused before anything was set up");
    }
}
