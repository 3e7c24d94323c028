package dev.andon.config;

import dev.andon.call.BlockingCall;
import dev.andon.call.SleepCall;
import java.time.Duration;
import java.util.Set;

/**
 * The {@code sleep} kind, a demonstration call (see {@link SleepCall}):
 * <pre>{@code
 * { name = c2, kind = sleep, duration = 2s, fail = "don't like 2", ignore-abort = off }
 * }</pre>
 * {@code duration} is required; {@code fail} and {@code ignore-abort} are optional.
 */
public final class SleepKind implements KindParser {
    @Override
    public String kind() {
        return "sleep";
    }

    @Override
    public Set<String> keys() {
        return Set.of("duration", "fail", "ignore-abort");
    }

    @Override
    public BlockingCall<?> parse(ConfigBlock b, CallSettings settings, KindContext ctx) {
        Problems problems = b.problems();
        int before = problems.size();
        Duration duration = b.require("duration") ? b.duration("duration", ConfigBlock.Range.NON_NEGATIVE) : null;
        String fail = b.string("fail");
        Boolean ignoreAbort = b.bool("ignore-abort");
        if (problems.size() > before) return null;
        return new SleepCall(duration, fail, Boolean.TRUE.equals(ignoreAbort));
    }
}
