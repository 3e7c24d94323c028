package dev.andon.config;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import dev.andon.call.BlockingCall;
import dev.andon.run.RetryPolicy;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.http.HttpClient;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

/** Parses one call block written to a real file, so that problems carry file and line. */
final class KindTesting {
    static final String PATH = "andon.jobs.j.calls[0]";
    static final CallSettings SETTINGS = new CallSettings(null, RetryPolicy.NONE, true, Duration.ofMillis(750), null);

    final Problems problems = new Problems();
    final Path file;
    final Config reference;

    KindTesting(Path dir, Config overrides) {
        this.file = dir.resolve("jobs.conf");
        this.reference = overrides.withFallback(ConfigFactory.defaultReference()).resolve();
    }

    KindTesting(Path dir) {
        this(dir, ConfigFactory.empty());
    }

    /** Parses {@code body}, the inside of the call block, which starts on line 2 of the file. */
    BlockingCall<?> parse(KindParser kind, String body) {
        try {
            Files.writeString(file, "call {\n" + body + "\n}\n");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        Config call = ConfigFactory.parseFile(file.toFile()).getConfig("call");
        return kind.parse(new ConfigBlock(call, PATH, call.origin(), problems), SETTINGS,
                new KindContext(reference, HttpClient::newHttpClient));
    }

    /** The problems {@code kind} finds in {@code body}, which must make it return no call. */
    static List<String> problemsOf(Path dir, KindParser kind, String body) {
        var t = new KindTesting(dir);
        if (t.parse(kind, body) != null) throw new AssertionError("parsed despite problems: " + body);
        return t.lines();
    }

    /** A problem line as expected at {@code line} for {@code key} of the call. */
    static String at(int line, String key, String message) {
        return "jobs.conf:" + line + ": " + PATH + "." + key + ": " + message;
    }

    /** The problems as a user sees them, with the file shown as {@code jobs.conf}. */
    List<String> lines() {
        return problems.list().stream().map(p -> p.toString().replace(file.toString(), "jobs.conf")).toList();
    }
}
