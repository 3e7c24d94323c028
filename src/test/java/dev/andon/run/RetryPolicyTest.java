package dev.andon.run;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.andon.call.RetryKeyed;
import java.io.FileNotFoundException;
import java.io.IOException;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** How long a retry waits, and which failures are retried. */
class RetryPolicyTest {

    @ParameterizedTest(name = "backoff {0} ms, max {1} ms: after attempt {2}, {3} ms")
    @CsvSource(textBlock = """
            100, 1000, 1,   100
            100, 1000, 2,   200
            100, 1000, 3,   400
            100, 1000, 4,   800
            100, 1000, 5,  1000
            100, 1000, 60, 1000
            100,   50, 1,   100
            0,   1000, 7,     0
            300,  500, 2,   500
            """)
    void shouldDoubleTheBackoffUpToItsMaximum(long backoff, long max, int attempt, long expected) {
        RetryPolicy p = new RetryPolicy(100, Duration.ofMillis(backoff), Duration.ofMillis(max), List.of());
        assertEquals(Duration.ofMillis(expected), p.delayAfter(attempt));
    }

    private static final class Exit3 extends RuntimeException implements RetryKeyed {
        @Override
        public List<String> retryKeys() {
            return List.of("exit=3");
        }
    }

    @ParameterizedTest(name = "on {0}, after attempt {1} of 3: {2} -> {3}")
    @CsvSource(delimiter = '|', textBlock = """
            ''                              | 1 | io       | true
            ''                              | 2 | io       | true
            ''                              | 3 | io       | false
            IOException                     | 1 | notFound | true
            java.io.IOException             | 1 | notFound | true
            FileNotFoundException           | 1 | io       | false
            IOException                     | 1 | state    | false
            exit=3                          | 1 | exit3    | true
            exit=4                          | 1 | exit3    | false
            IllegalStateException,exit=3    | 2 | exit3    | true
            """)
    void shouldRetryWhatItsListNamesWhileAttemptsAreLeft(String on, int attempt, String failure, boolean expected) {
        List<String> keys = on.isEmpty() ? List.of() : List.of(on.split(","));
        RetryPolicy p = new RetryPolicy(3, Duration.ZERO, Duration.ZERO, keys);
        Throwable t = switch (failure) {
            case "io" -> new IOException("x");
            case "notFound" -> new FileNotFoundException("x");
            case "state" -> new IllegalStateException("x");
            default -> new Exit3();
        };
        assertEquals(expected, p.shouldRetry(attempt, t));
    }
}
