package dev.andon.run;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import org.junit.jupiter.api.Test;

/** The output limit, line by line: what each line at each moment becomes. */
class OutputLimiterTest {
    private static final long MS = 1_000_000L;

    @Test
    void shouldLetThroughTheLimitEachSecondAndTellTheRestWithTheNextLine() {
        OutputLimiter limiter = new OutputLimiter(2);
        // at (ms)   answer: -1 dropped, else lines skipped before it
        long[][] table = {
                {0, 0},
                {10, 0},
                {20, -1},
                {999, -1},
                {1000, 2},    // a new window: the two dropped are told with this line
                {1001, 0},
                {1500, -1},
                {5000, 1},
                {5001, 0},
        };
        for (long[] row : table) assertEquals(row[1], limiter.offer(row[0] * MS), "line at " + row[0] + " ms");
        assertEquals(0, limiter.takeSkipped());
        assertEquals(-1, limiter.offer(5002 * MS));
        assertEquals(-1, limiter.offer(5003 * MS));
        assertEquals(2, limiter.takeSkipped(), "told at the end");
        assertEquals(0, limiter.takeSkipped(), "once");
    }

    @Test
    void shouldDropEveryLineUnderALimitOfZero() {
        OutputLimiter limiter = new OutputLimiter(0);
        for (int i = 0; i < 5; i++) assertEquals(-1, limiter.offer(i * 2000 * MS));
        assertEquals(5, limiter.takeSkipped());
    }

    @Test
    void shouldRefuseANegativeLimit() {
        assertThrows(IllegalArgumentException.class, () -> new OutputLimiter(-1));
    }
}
