package dev.andon.service;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** Which posted job bodies are read and parsed now, and which get 503 at once. */
class ParsingBudgetTest {
    @ParameterizedTest(name = "{0} in flight, a body of {1}, budget {2}: admitted {3}")
    @CsvSource({
            "0, 1000, 4000, true",
            "3000, 1000, 4000, true",   // fits exactly
            "3001, 1000, 4000, false",
            "0, 9000, 4000, true",      // larger than the budget, but alone
            "1, 9000, 4000, false",
            "4000, 1, 4000, false",     // full
            "3999, 0, 4000, true",      // an empty body always fits
    })
    void shouldAdmitWhatFitsOrWhatIsAlone(long inFlight, long bytes, long budget, boolean admitted) {
        assertEquals(admitted, ParsingBudget.admits(inFlight, bytes, budget));
    }

    @Test
    void shouldGiveBackWhatWasTaken() {
        ParsingBudget budget = new ParsingBudget(100);
        assertTrue(budget.take(60));
        assertFalse(budget.take(60));
        assertTrue(budget.take(40));
        budget.give(60);
        assertEquals(40, budget.inFlight());
        assertTrue(budget.take(60));
        budget.give(60);
        budget.give(40);
        assertEquals(0, budget.inFlight());
    }
}
