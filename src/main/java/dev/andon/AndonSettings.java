package dev.andon;

import com.typesafe.config.Config;
import dev.andon.run.JobDefaults;
import java.net.http.HttpClient;
import java.time.Duration;
import java.util.Objects;

/**
 * An Andon's settings, read once from {@code andon.*} (every key is documented in
 * {@code reference.conf}).
 *
 * @param snapshotTimeout     {@code andon.snapshot-timeout}: how long a live run may take to
 *                            answer for its state
 * @param shutdownMargin      {@code andon.shutdown.margin}: added to the longest abort grace
 *                            when shutdown waits for the live runs' reports
 * @param httpConnectTimeout  {@code andon.http-client.connect-timeout}
 * @param httpFollowRedirects {@code andon.http-client.follow-redirects}
 * @param httpWarmUp          {@code andon.http-client.warm-up}: whether {@code andon run} and
 *                            {@code andon serve} warm the JVM up for http calls as they start
 *                            ({@link dev.andon.call.HttpWarmUp})
 * @param jobDefaults         {@code andon.job-defaults}
 */
public record AndonSettings(Duration snapshotTimeout, Duration shutdownMargin, Duration httpConnectTimeout,
                            HttpClient.Redirect httpFollowRedirects, boolean httpWarmUp, JobDefaults jobDefaults) {

    public AndonSettings {
        Objects.requireNonNull(snapshotTimeout, "snapshotTimeout");
        Objects.requireNonNull(shutdownMargin, "shutdownMargin");
        Objects.requireNonNull(httpConnectTimeout, "httpConnectTimeout");
        Objects.requireNonNull(httpFollowRedirects, "httpFollowRedirects");
        Objects.requireNonNull(jobDefaults, "jobDefaults");
        if (snapshotTimeout.isNegative() || snapshotTimeout.isZero())
            throw new IllegalArgumentException("snapshotTimeout must be positive: " + snapshotTimeout);
        if (shutdownMargin.isNegative()) throw new IllegalArgumentException("shutdownMargin must not be negative: " + shutdownMargin);
        if (httpConnectTimeout.isNegative() || httpConnectTimeout.isZero())
            throw new IllegalArgumentException("httpConnectTimeout must be positive: " + httpConnectTimeout);
    }

    /** Reads {@code andon.*} of {@code config} (the whole configuration, reference.conf included). */
    public static AndonSettings from(Config config) {
        return new AndonSettings(config.getDuration("andon.snapshot-timeout"), config.getDuration("andon.shutdown.margin"),
                config.getDuration("andon.http-client.connect-timeout"),
                HttpClient.Redirect.valueOf(config.getString("andon.http-client.follow-redirects")),
                config.getBoolean("andon.http-client.warm-up"), JobDefaults.from(config));
    }
}
