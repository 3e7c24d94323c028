package dev.andon.config;

import com.typesafe.config.Config;
import dev.andon.call.BlockingCall;
import java.util.Set;

/**
 * Turns one call's configuration block of a given {@code kind} into the {@link BlockingCall} that
 * runs it, reporting every problem it finds rather than stopping at the first.
 */
public interface KindParser {

    /** The {@code kind = ...} value this parser handles. */
    String kind();

    /**
     * The keys specific to this kind. The keys every call may have ({@code name}, {@code kind},
     * {@code timeout}, {@code retry}, {@code interrupt-on-abort}, {@code kill-grace}) are checked
     * by the catalog; any other key is reported as unknown.
     */
    Set<String> keys();

    /**
     * Builds the call.
     *
     * @param call     the call's block, at its path (e.g. {@code andon.jobs.demo.calls[2]}): its
     *                 values' origins give file and line for problems, which go to its
     *                 {@link ConfigBlock#problems()}
     * @param settings the call-level settings after job defaults were applied
     * @param ctx      what the Andon instance shares with calls
     * @return the call, or {@code null} when problems were reported
     */
    BlockingCall<?> parse(ConfigBlock call, CallSettings settings, KindContext ctx);
}
