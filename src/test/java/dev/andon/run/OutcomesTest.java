package dev.andon.run;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.andon.run.Outcomes.Ending;
import dev.andon.run.Outcomes.Outcome;
import java.util.EnumSet;
import java.util.Set;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** README's outcomes table, row by row: which outcome a call gets. */
class OutcomesTest {

    @ParameterizedTest(name = "{0}: {1}, abort {2}, retry due {3}, ran earlier {4} -> failure {5}")
    @CsvSource(nullValues = "-", textBlock = """
            SUCCEEDED, RETURNED,          -,              false, false, false
            SUCCEEDED, RETURNED,          USER,           false, false, false
            SUCCEEDED, RETURNED,          TIMEOUT,        true,  true,  false
            FAILED,    THREW,             -,              false, false, true
            FAILED,    THREW,             -,              false, true,  true
            FAILED,    THREW,             SIBLING_FAILED, false, false, true
            FAILED,    THREW,             TIMEOUT,        false, false, true
            FAILED,    WORKER_STOPPED,    -,              false, false, true
            TIMED_OUT, THREW_AFTER_ABORT, TIMEOUT,        false, false, true
            TIMED_OUT, THREW_AFTER_ABORT, TIMEOUT,        true,  true,  true
            TIMED_OUT, THREW,             TIMEOUT,        true,  false, true
            TIMED_OUT, NEVER_STARTED,     TIMEOUT,        false, false, true
            TIMED_OUT, NEVER_STARTED,     TIMEOUT,        false, true,  true
            TIMED_OUT, THREW_AFTER_ABORT, HEARTBEAT,      false, false, true
            TIMED_OUT, THREW,             HEARTBEAT,      true,  false, true
            TIMED_OUT, NEVER_STARTED,     HEARTBEAT,      false, true,  true
            ABORTED,   THREW_AFTER_ABORT, USER,           false, false, false
            ABORTED,   THREW_AFTER_ABORT, SIBLING_FAILED, true,  false, false
            ABORTED,   THREW_AFTER_ABORT, DEADLINE,       false, true,  false
            ABORTED,   THREW_AFTER_ABORT, -,              false, false, false
            ABORTED,   THREW,             SHUTDOWN,       true,  false, false
            ABORTED,   NEVER_STARTED,     USER,           false, true,  false
            ABORTED,   NEVER_STARTED,     DEADLINE,       false, true,  false
            CANCELLED, NEVER_STARTED,     SIBLING_FAILED, false, false, false
            CANCELLED, NEVER_STARTED,     USER,           false, false, false
            CANCELLED, NEVER_STARTED,     SHUTDOWN,       false, false, false
            ABANDONED, NOT_STOPPED,       USER,           false, false, false
            ABANDONED, NOT_STOPPED,       SIBLING_FAILED, false, true,  false
            ABANDONED, NOT_STOPPED,       TIMEOUT,        false, false, true
            ABANDONED, NOT_STOPPED,       TIMEOUT,        false, true,  true
            ABANDONED, NOT_STOPPED,       HEARTBEAT,      false, false, true
            LOST,      ANDON_DIED,        -,              false, false, false
            LOST,      ANDON_DIED,        USER,           false, true,  false
            CANCELLED, NEVER_STARTED,     -,              false, false, false
            """)
    void shouldGiveTheOutcomeOfReadmesTable(CallStatus status, Ending ending, AbortKind abort, boolean retryDue,
                                            boolean ranEarlier, boolean failure) {
        assertEquals(new Outcome(status, failure), Outcomes.of(ending, abort, retryDue, ranEarlier));
    }

    @ParameterizedTest(name = "an earlier attempt ran: {0}")
    @CsvSource({"false", "true"})
    void shouldRetryAFailureThatNoAbortReachedWhenARetryIsDue(boolean ranEarlier) {
        assertEquals(Outcome.RETRY, Outcomes.of(Ending.THREW, null, true, ranEarlier));
    }

    @Test
    void shouldGiveEveryOutcomeOfReadmesTableToSomeEnding() {
        Set<CallStatus> given = Stream.of(Ending.values())
                .flatMap(e -> Stream.of(AbortKind.values()).map(k -> Outcomes.of(e, k, false, false).status()))
                .collect(Collectors.toCollection(() -> EnumSet.noneOf(CallStatus.class)));
        Set<CallStatus> outcomes = EnumSet.noneOf(CallStatus.class);
        for (CallStatus s : CallStatus.values()) if (s.isFinal()) outcomes.add(s);
        assertEquals(outcomes, given);
    }
}
