package dev.andon.campaign;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.andon.Andon;
import dev.andon.testutil.LogRecorder;
import java.util.List;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.ShrinkingMode;
import net.jqwik.api.lifecycle.AfterContainer;
import net.jqwik.api.lifecycle.BeforeContainer;

/**
 * The adversarial reliability campaign, in the normal test run: random jobs whose calls succeed,
 * fail, flake, ignore aborts for less or more than the grace, throw from hooks, swallow
 * interrupts, finish exactly as the abort arrives, and spawn processes; random external aborts
 * and system shutdowns at random moments. See {@link Campaign} for the invariants, and
 * {@code ReliabilitySoakTest} for the long version.
 */
class ReliabilityCampaignTest {
    private static Andon shared;
    private static LogRecorder log;
    private static final Campaign.Totals totals = new Campaign.Totals();

    @BeforeContainer
    static void start() {
        log = LogRecorder.attach();
        shared = Campaign.startAndon("campaign-blocking");
    }

    @AfterContainer
    static void stop() {
        shared.close();
        System.out.println("reliability campaign: " + totals);
        log.detach();
    }

    @Provide
    Arbitrary<Scenario> scenarios() {
        return Scenarios.scenarios(40, true);
    }

    @Property(tries = 150, shrinking = ShrinkingMode.OFF)
    void everyCallEndsWithExactlyOneTruthfulOutcome(@ForAll("scenarios") Scenario scenario) throws Exception {
        log.clear();
        Campaign.runAndCheck(scenario, shared, true, totals);
        assertEquals(List.of(), log.deadLetters(), "dead letters");
        assertEquals(List.of(), unexpectedWarnings(log), "unexpected warnings or errors");
    }

    /** WARN/ERROR lines other than the expected ABANDONED reports and throwing-hook notices. */
    static List<String> unexpectedWarnings(LogRecorder log) {
        return log.warningsAndErrors().stream()
                .filter(l -> !(l.startsWith("WARN") && (l.contains("ABANDONED") || l.contains("abort hook of call"))))
                .toList();
    }
}
