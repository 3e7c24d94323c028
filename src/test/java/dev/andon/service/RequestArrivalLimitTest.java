package dev.andon.service;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** When the arrival clock of a connection runs: while its client owes the service bytes. */
class RequestArrivalLimitTest {
    @ParameterizedTest(name = "{0} exchanges, {1} bodies arriving, client done {2}: runs {3}")
    @CsvSource({
            // between requests (a fresh connection, or the last answer has left): the next one is awaited
            "0, 0, false, true",
            // a request whose body is still arriving, however its answer is doing
            "1, 1, false, true",
            // a request that has arrived whole and is being answered (an event stream for hours)
            "1, 0, false, false",
            // answered early (413, 400) while its body still arrives: still owed
            "0, 1, false, true",
            // pipelined: one answered, the next arrived whole
            "2, 0, false, false",
            // the client has closed its side: nothing more is awaited
            "0, 0, true, false",
            "1, 1, true, false",
    })
    void shouldRunOnlyWhileTheClientOwesBytes(int exchanges, int bodies, boolean clientDone, boolean runs) {
        assertEquals(runs, RequestArrivalLimit.clockRuns(exchanges, bodies, clientDone));
    }
}
