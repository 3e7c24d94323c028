package dev.andon.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.andon.run.CallReport;
import dev.andon.run.CallStatus;
import org.junit.jupiter.api.Test;

/** A sub-millisecond ack reads as what it was ({@code 0.3 ms}), not {@code 0 ms}. */
class AckTimeTest {
    private static CallReport acked(long nanos) {
        return CallReport.builder("c", CallStatus.ABORTED).abortToAckNanos(nanos).build();
    }

    @Test
    void shouldShowTenthsBelowTenMillisecondsAndWholeMillisecondsAbove() {
        assertEquals("0.3 ms", RunDisplay.ackTime(acked(300_000)));
        assertEquals("0.0 ms", RunDisplay.ackTime(acked(20_000)));
        assertEquals("9.9 ms", RunDisplay.ackTime(acked(9_949_000)));
        assertEquals("12 ms", RunDisplay.ackTime(acked(12_300_000)));
        // a report with whole milliseconds only (read from an older store), and none
        assertEquals("5 ms", RunDisplay.ackTime(CallReport.builder("c", CallStatus.ABORTED).abortToAckMillis(5L).build()));
        assertEquals("-", RunDisplay.ackTime(CallReport.builder("c", CallStatus.SUCCEEDED).build()));
        assertEquals("c ABORTED dev.andon.call.AbortedException: x (acked 0.3 ms after the abort)", RunDisplay.describe(
                CallReport.builder("c", CallStatus.ABORTED).error("dev.andon.call.AbortedException: x").abortToAckNanos(300_000).build()));
    }
}
