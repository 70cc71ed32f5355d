package io.vinbind.server.cli;

import java.io.IOException;
import java.io.Reader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Properties;
import java.util.TreeMap;
import java.util.TreeSet;
import picocli.CommandLine;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Model.OptionSpec;

/**
 * {@code server --config FILE}: a properties file in which every option of {@code server} can be set, keyed
 * by its long name without the dashes ({@code mqtt-port = 8883}). A packaged server is started by systemd with
 * one fixed command line, so its settings need a file an administrator edits; the command line still wins
 * over the file, so a one-off {@code --http-port 0} needs no edit.
 *
 * <p>Strict in the way the terminal's configuration is: an unknown key (a typo would silently fall back to a
 * default), a key given twice and a value its option refuses are errors naming the file, the key and the
 * value. An empty value leaves the option unset. Relative paths are relative to the file's directory, so a
 * configuration means the same whatever the working directory.
 */
final class ServerConfigFile {

    /** Options that are not settings: the file itself, and help. */
    private static final java.util.Set<String> NOT_KEYS = java.util.Set.of("config", "help", "version");

    /** A configuration file that cannot be used; the message names the file, and the key and value if one is at fault. */
    static final class ConfigFileException extends Exception {
        private static final long serialVersionUID = 1L;

        ConfigFileException(String message) {
            super(message);
        }
    }

    private ServerConfigFile() {
    }

    /** The keys a configuration file may hold for this command, sorted. */
    static List<String> keys(CommandSpec spec) {
        TreeSet<String> keys = new TreeSet<>();
        for (OptionSpec o : spec.options()) {
            String key = key(o);
            if (!NOT_KEYS.contains(key)) {
                keys.add(key);
            }
        }
        return List.copyOf(keys);
    }

    private static String key(OptionSpec o) {
        return o.longestName().replaceFirst("^-+", "");
    }

    /**
     * The arguments to run with: the file's settings for every option the command line did not set, then the
     * command line's own arguments without {@code --config}.
     *
     * @throws ConfigFileException when the file cannot be read or holds an unknown key, a key twice, or a value
     *     its option refuses
     */
    static List<String> merge(Path file, CommandSpec spec, CommandLine.ParseResult commandLine) throws ConfigFileException {
        Map<String, String> settings = read(file);
        Map<String, OptionSpec> byKey = new TreeMap<>();
        for (OptionSpec o : spec.options()) {
            if (!NOT_KEYS.contains(key(o))) {
                byKey.put(key(o), o);
            }
        }
        List<String> args = new ArrayList<>();
        Path base = file.toAbsolutePath().getParent();
        for (Map.Entry<String, String> e : settings.entrySet()) {
            String key = e.getKey();
            String value = e.getValue();
            OptionSpec option = byKey.get(key);
            if (option == null) {
                throw new ConfigFileException(file + ": unknown key '" + key + "'; the keys are the long options of "
                    + "'server' without the dashes: " + String.join(", ", byKey.keySet()));
            }
            if (value.isEmpty() || commandLine.hasMatchedOption(option)) {
                continue; // unset, or the command line says otherwise
            }
            if (option.arity().max() == 0) { // a flag
                String v = value.toLowerCase(Locale.ROOT);
                if (!v.equals("true") && !v.equals("false")) {
                    throw new ConfigFileException(file + ": " + key + " = '" + value + "': expected true or false");
                }
                if (v.equals("true")) {
                    args.add(option.longestName());
                }
                continue;
            }
            if (option.type() == Path.class) {
                value = base.resolve(value).normalize().toString();
            }
            check(file, key, value, option);
            args.add(option.longestName());
            args.add(value);
        }
        List<String> original = commandLine.originalArgs();
        for (int i = 0; i < original.size(); i++) {
            String a = original.get(i);
            if (a.equals("--config")) {
                i++; // and its value
            } else if (!a.startsWith("--config=")) {
                args.add(a);
            }
        }
        return args;
    }

    /** The value as the option alone would take it, so a bad one is reported with the file's key, not an option. */
    private static void check(Path file, String key, String value, OptionSpec option) throws ConfigFileException {
        try {
            new CommandLine(new ServerCli()).parseArgs(option.longestName(), value);
        } catch (CommandLine.ParameterException e) {
            throw new ConfigFileException(file + ": " + key + " = '" + value + "': " + e.getMessage());
        }
    }

    private static Map<String, String> read(Path file) throws ConfigFileException {
        Map<String, String> settings = new TreeMap<>();
        Properties p = new Properties() {
            private static final long serialVersionUID = 1L;

            @Override
            public synchronized Object put(Object k, Object v) {
                String key = k.toString();
                if (settings.containsKey(key)) {
                    throw new IllegalStateException(key);
                }
                settings.put(key, v.toString().strip());
                return super.put(k, v);
            }
        };
        try (Reader in = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
            p.load(in);
        } catch (NoSuchFileException e) {
            throw new ConfigFileException("no such configuration file: " + file);
        } catch (IOException e) {
            throw new ConfigFileException("cannot read configuration file " + file + ": " + e.getMessage());
        } catch (IllegalStateException e) {
            throw new ConfigFileException(file + ": key '" + e.getMessage() + "' is given twice (the second would "
                + "win unnoticed)");
        } catch (IllegalArgumentException e) { // a malformed \\uXXXX escape
            throw new ConfigFileException(file + ": " + e.getMessage());
        }
        return settings;
    }
}
