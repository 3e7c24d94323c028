package dev.andon.service;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import akka.actor.testkit.typed.javadsl.ActorTestKit;
import akka.actor.testkit.typed.javadsl.TestProbe;
import dev.andon.run.CallReport;
import dev.andon.run.CallSpec;
import dev.andon.run.CallStatus;
import dev.andon.run.JobSpec;
import dev.andon.run.RunReport;
import dev.andon.run.RunSupervisor;
import java.time.Duration;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;

/**
 * {@code andon_abort_to_ack_seconds} gets the abort-to-ack at microsecond precision: a sub-millisecond
 * ack lands in its own bucket, not with every other one below 1 ms.
 */
class AbortToAckMetricTest {
    private static final ActorTestKit testKit = ActorTestKit.create("AbortToAckMetricTest");

    @AfterAll
    static void cleanup() {
        testKit.shutdownTestKit();
    }

    /** The cumulative count of the bucket {@code le} of {@code status}'s abort-to-ack histogram. */
    private static long bucket(String scrape, String status, String le) {
        Matcher m = Pattern.compile("(?m)^andon_abort_to_ack_seconds_bucket\\{(?=[^}]*le=\"" + Pattern.quote(le) + "\")"
                + "(?=[^}]*status=\"" + status + "\")[^}]*} (\\S+)$").matcher(scrape);
        assertTrue(m.find(), () -> "no bucket le=" + le + " for " + status + " in\n" + scrape);
        return (long) Double.parseDouble(m.group(1));
    }

    @Test
    void shouldRecordASubMillisecondAckInItsOwnBucket() {
        ServiceMetrics metrics = new ServiceMetrics(testKit.system());
        CallReport acked = CallReport.builder("c", CallStatus.ABORTED).attempts(1).abortToAckNanos(300_000).build();
        assertEquals(0L, acked.abortToAckMillis());
        assertEquals(300L, acked.abortToAckMicros());
        metrics.callFinished(acked, true);
        String scrape = metrics.scrape();
        assertEquals(0, bucket(scrape, "ABORTED", "2.5E-4"), scrape);
        assertEquals(1, bucket(scrape, "ABORTED", "5.0E-4"), scrape);
        assertEquals(1, bucket(scrape, "ABORTED", "0.001"), scrape);
    }

    @Test
    void theEngineShouldMeasureTheAckInMicroseconds() {
        JobSpec job = JobSpec.builder("j")
                .call(CallSpec.of("fails", ctx -> {
                    Thread.sleep(200);
                    throw new IllegalStateException("no");
                }))
                .call(CallSpec.of("waits", ctx -> {
                    while (true) {
                        ctx.checkpoint();
                        Thread.sleep(1);
                    }
                })).build();
        TestProbe<RunSupervisor.RunFinished> done = testKit.createTestProbe();
        testKit.spawn(RunSupervisor.create("r-micros", job, done.ref()), "r-micros");
        RunReport r = done.expectMessageClass(RunSupervisor.RunFinished.class, Duration.ofSeconds(20)).report();
        CallReport waits = r.call("waits");
        assertEquals(CallStatus.ABORTED, waits.status(), waits::toString);
        assertNotNull(waits.abortToAckMicros(), waits::toString);
        assertEquals(waits.abortToAckMillis().longValue(), waits.abortToAckMicros() / 1000, waits::toString);
        // a call that was not stopped by an abort has neither
        assertEquals(null, r.call("fails").abortToAckMicros());
    }
}
