package dev.andon.campaign;

import dev.andon.campaign.CallPlan.Behaviour;
import dev.andon.run.FailurePolicy;
import java.util.ArrayList;
import java.util.List;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;

/** jqwik generators of campaign scenarios; usable in properties and, through {@code sample}, in the soak. */
public final class Scenarios {
    private Scenarios() {
    }

    /** Scenarios with up to {@code maxCalls} calls; {@code processes} allows child-process calls. */
    public static Arbitrary<Scenario> scenarios(int maxCalls, boolean processes) {
        Arbitrary<List<CallPlan>> calls = callPlans(processes).list().ofMinSize(1).ofMaxSize(maxCalls).map(Scenarios::named);
        Arbitrary<FailurePolicy> policy = Arbitraries.of(FailurePolicy.class);
        Arbitrary<Integer> parallelism = Arbitraries.frequencyOf(
                net.jqwik.api.Tuple.of(3, Arbitraries.integers().between(1, 4)),
                net.jqwik.api.Tuple.of(3, Arbitraries.integers().between(5, 64)));
        Arbitrary<Integer> grace = Arbitraries.integers().between(20, 150);
        Arbitrary<Integer> deadline = Arbitraries.frequencyOf(
                net.jqwik.api.Tuple.of(4, Arbitraries.just(0)),
                net.jqwik.api.Tuple.of(1, Arbitraries.integers().between(5, 300)));
        Arbitrary<Scenario.Outside> outside = Arbitraries.frequencyOf(
                net.jqwik.api.Tuple.of(5, Arbitraries.just(Scenario.Outside.NONE)),
                net.jqwik.api.Tuple.of(2, Arbitraries.just(Scenario.Outside.ABORT)),
                net.jqwik.api.Tuple.of(2, Arbitraries.just(Scenario.Outside.SHUTDOWN)));
        Arbitrary<Integer> outsideAt = Arbitraries.integers().between(0, 200);
        return Combinators.combine(calls, policy, parallelism, grace, deadline, outside, outsideAt).as(Scenario::new);
    }

    private static Arbitrary<CallPlan> callPlans(boolean processes) {
        Arbitrary<Behaviour> behaviour = processes ? Arbitraries.frequencyOf(
                net.jqwik.api.Tuple.of(10, Arbitraries.just(Behaviour.SUCCEED)),
                net.jqwik.api.Tuple.of(2, Arbitraries.just(Behaviour.FAIL)),
                net.jqwik.api.Tuple.of(2, Arbitraries.just(Behaviour.FLAKY)),
                net.jqwik.api.Tuple.of(1, Arbitraries.just(Behaviour.DEAF)),
                net.jqwik.api.Tuple.of(2, Arbitraries.just(Behaviour.HOOK_THROWS)),
                net.jqwik.api.Tuple.of(2, Arbitraries.just(Behaviour.SWALLOW_INTERRUPT)),
                net.jqwik.api.Tuple.of(2, Arbitraries.just(Behaviour.FINISH_ON_ABORT)),
                net.jqwik.api.Tuple.of(1, Arbitraries.just(Behaviour.PROCESS)))
                : Arbitraries.of(Behaviour.SUCCEED, Behaviour.SUCCEED, Behaviour.SUCCEED, Behaviour.FAIL, Behaviour.FLAKY,
                Behaviour.DEAF, Behaviour.HOOK_THROWS, Behaviour.SWALLOW_INTERRUPT, Behaviour.FINISH_ON_ABORT);
        Arbitrary<Integer> millis = Arbitraries.integers().between(0, 120);
        Arbitrary<Integer> deaf = Arbitraries.integers().between(0, 250);
        Arbitrary<Integer> timeout = Arbitraries.frequencyOf(
                net.jqwik.api.Tuple.of(4, Arbitraries.just(0)),
                net.jqwik.api.Tuple.of(1, Arbitraries.integers().between(5, 150)));
        Arbitrary<Integer> attempts = Arbitraries.frequencyOf(
                net.jqwik.api.Tuple.of(3, Arbitraries.just(1)),
                net.jqwik.api.Tuple.of(1, Arbitraries.integers().between(2, 4)));
        Arbitrary<Integer> failures = Arbitraries.integers().between(1, 3);
        return Combinators.combine(behaviour, millis, deaf, timeout, attempts, failures)
                .as((b, m, d, t, a, f) -> new CallPlan("?", b, m, d, t, a, f));
    }

    private static List<CallPlan> named(List<CallPlan> plans) {
        List<CallPlan> named = new ArrayList<>(plans.size());
        for (int i = 0; i < plans.size(); i++) {
            CallPlan p = plans.get(i);
            named.add(new CallPlan("c" + i, p.behaviour(), p.millis(), p.deafMillis(), p.timeoutMillis(), p.attempts(),
                    p.failures()));
        }
        return named;
    }
}
