package io.vinbind.hil.dist;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;

/**
 * The [Service] settings of an installed systemd unit that decide how its process runs, turned into the
 * command that runs it the way systemd would (user, groups, environment, working directory, umask, the cache
 * and state directories it creates): this machine has no running systemd to start it.
 */
record UnitFile(String user, String group, List<String> environment, List<String> execStart,
        Optional<String> workingDirectory, Optional<String> umask, Optional<String> cacheDirectory,
        Optional<String> stateDirectory) {

    static UnitFile read(Path file) throws IOException {
        String user = null;
        String group = null;
        List<String> env = new ArrayList<>();
        List<String> exec = null;
        String wd = null;
        String umask = null;
        String cache = null;
        String state = null;
        for (String raw : Files.readAllLines(file)) {
            String line = raw.strip();
            int eq = line.indexOf('=');
            if (line.startsWith("#") || eq < 0) {
                continue;
            }
            String key = line.substring(0, eq);
            String value = line.substring(eq + 1);
            switch (key) {
                case "User" -> user = value;
                case "Group" -> group = value;
                case "Environment" -> env.add(value.startsWith("\"") && value.endsWith("\"")
                    ? value.substring(1, value.length() - 1) : value);
                case "ExecStart" -> exec = Arrays.asList(value.split("\\s+"));
                case "WorkingDirectory" -> wd = value;
                case "UMask" -> umask = value;
                case "CacheDirectory" -> cache = value;
                case "StateDirectory" -> state = value;
                default -> {
                    // not about how the process runs
                }
            }
        }
        if (user == null || exec == null) {
            throw new IOException(file + " has no User= or ExecStart=");
        }
        return new UnitFile(user, group == null ? user : group, env, exec, Optional.ofNullable(wd),
            Optional.ofNullable(umask), Optional.ofNullable(cache), Optional.ofNullable(state));
    }

    /** The command inside the root, with extra environment after the unit's. */
    List<String> command(List<String> extraEnvironment) {
        return command(extraEnvironment, List.of());
    }

    /** The command inside the root, with extra environment after the unit's and arguments after ExecStart's. */
    List<String> command(List<String> extraEnvironment, List<String> extraArguments) {
        List<String> c = new ArrayList<>(List.of("/usr/bin/setpriv", "--reuid=" + user, "--regid=" + group,
            "--init-groups", "--", "/usr/bin/env"));
        c.add("HOME=/nonexistent");
        cacheDirectory.ifPresent(d -> c.add("CACHE_DIRECTORY=/var/cache/" + d));
        stateDirectory.ifPresent(d -> c.add("STATE_DIRECTORY=/var/lib/" + d));
        c.addAll(environment);
        c.addAll(extraEnvironment);
        c.add("/bin/sh");
        c.add("-c");
        c.add("cd " + workingDirectory.orElse("/") + " && umask " + umask.orElse("0022") + " && exec \"$@\"");
        c.add(execStart.get(0));
        c.addAll(execStart);
        c.addAll(extraArguments);
        return c;
    }
}
