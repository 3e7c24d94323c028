package dev.andon.config;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigException;
import com.typesafe.config.ConfigValue;
import com.typesafe.config.ConfigValueType;
import dev.andon.call.BlockingCall;
import dev.andon.call.CommandCall;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The {@code command} kind, an external program (see {@link CommandCall}):
 * <pre>{@code
 * { name = export, kind = command, command = ["pg_dump", "-Fc", "shop"], env { PGHOST = db1 }, cwd = "/var/tmp" }
 * { name = tidy, kind = command, shell = "find . -name '*.tmp' -delete", kill-grace = 5s }
 * }</pre>
 * Exactly one of {@code command} (the program and its arguments, not run through a shell) and
 * {@code shell} (a script for {@code /bin/sh -c}) is required. {@code env} adds variables to the
 * inherited environment (strings; numbers and booleans are taken as written); {@code cwd} is the
 * working directory, checked when the call starts. How much output is kept comes from
 * {@code andon.command.output-tail}.
 */
public final class CommandKind implements KindParser {
    static final String OUTPUT_TAIL = "andon.command.output-tail";

    @Override
    public String kind() {
        return "command";
    }

    @Override
    public Set<String> keys() {
        return Set.of("command", "shell", "env", "cwd");
    }

    @Override
    public BlockingCall<?> parse(ConfigBlock b, CallSettings settings, KindContext ctx) {
        Problems problems = b.problems();
        int before = problems.size();
        List<String> argv = null;
        String script = null;
        if (!b.has("command") && !b.has("shell")) {
            b.problem("command", "missing: give command = [\"program\", \"arg\", ...] or shell = \"...\"");
        } else if (b.has("command") && b.has("shell")) {
            b.problem("shell", "command and shell exclude each other; give one");
        } else if (b.has("command")) {
            argv = argv(b);
        } else {
            script = b.string("shell");
            if (script != null && script.isBlank()) b.problem("shell", "must not be empty");
        }
        Map<String, String> env = env(b);
        Path cwd = cwd(b);
        long tail = memorySize(ctx.config(), OUTPUT_TAIL, problems);
        if (problems.size() > before) return null;
        Duration grace = settings.killGrace();
        return script != null ? CommandCall.shell(script, env, cwd, grace, tail)
                : new CommandCall(argv, env, cwd, grace, tail);
    }

    private static List<String> argv(ConfigBlock b) {
        ConfigValue v = b.config().root().get("command");
        if (v.valueType() == ConfigValueType.STRING) {
            b.problem("command", "must be a list [\"program\", \"arg\", ...]; for a command line run by a shell, "
                    + "write shell = " + v.render());
            return null;
        }
        List<String> argv = b.strings("command");
        if (argv == null) return null;
        if (argv.isEmpty()) {
            b.problem("command", "must not be empty: give the program and its arguments");
            return null;
        }
        if (argv.get(0).isBlank()) {
            b.problem("command", "the program (the first element) must not be empty");
            return null;
        }
        return argv;
    }

    private static Map<String, String> env(ConfigBlock b) {
        ConfigBlock env = b.object("env");
        Map<String, String> vars = new LinkedHashMap<>();
        if (env == null) return vars;
        for (var e : env.config().root().entrySet()) {
            ConfigValue v = e.getValue();
            switch (v.valueType()) {
                case STRING, NUMBER, BOOLEAN -> vars.put(e.getKey(), String.valueOf(v.unwrapped()));
                case LIST -> env.problem(e.getKey(), "must be a string, not a list");
                case OBJECT -> env.problem(e.getKey(), "must be a string, not an object");
                default -> env.problem(e.getKey(), "must be a string, not null");
            }
            if (e.getKey().isEmpty() || e.getKey().contains("=")) env.problem(e.getKey(), "is not a variable name");
        }
        return vars;
    }

    private static Path cwd(ConfigBlock b) {
        String cwd = b.string("cwd");
        if (cwd == null) return null;
        if (cwd.isBlank()) {
            b.problem("cwd", "must not be empty");
            return null;
        }
        try {
            return Path.of(cwd);
        } catch (InvalidPathException e) {
            b.problem("cwd", "not a path: " + e.getReason());
            return null;
        }
    }

    /** A size in bytes ({@code 4 KiB}) from the instance's settings, or -1 with a problem. */
    static long memorySize(Config config, String key, Problems problems) {
        try {
            long bytes = config.getMemorySize(key).toBytes();
            if (bytes <= 16 << 20) return bytes;
            problems.add(config.getValue(key).origin(), key, "must be at most 16 MiB");
        } catch (ConfigException e) {
            problems.add(e.origin(), key, "must be a size such as 4 KiB: " + e.getMessage());
        }
        return -1;
    }
}
