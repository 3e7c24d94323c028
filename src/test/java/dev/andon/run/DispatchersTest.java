package dev.andon.run;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import java.util.Optional;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** Which dispatchers a job's blocking calls may run on: one rule for every job, and one more for posted ones. */
class DispatchersTest {
    private static final Config CONFIG = ConfigFactory.parseString("""
            pools {
              andon = ${andon.blocking-dispatcher}
              plain { type = Dispatcher, executor = thread-pool-executor }
              actors { type = Dispatcher, executor = fork-join-executor }
              untyped { executor = thread-pool-executor }
            }
            """).withFallback(ConfigFactory.load()).resolve();

    @ParameterizedTest(name = "{0}: {1} / posted: {2}")
    @CsvSource(nullValues = "-", delimiter = '|', textBlock = """
            andon.blocking-dispatcher | -                                                            | -
            pools.andon               | -                                                            | -
            pools.plain               | -                                                            | "pools.plain" is not a blocking dispatcher (executor = "dev.andon.run.BlockingExecutorConfigurator")
            pools.actors              | "pools.actors" is a fork-join pool meant for actors; blocking calls need a thread pool (executor = "dev.andon.run.BlockingExecutorConfigurator" or "thread-pool-executor") | "pools.actors" is a fork-join pool meant for actors; blocking calls need a thread pool (executor = "dev.andon.run.BlockingExecutorConfigurator" or "thread-pool-executor")
            pools.untyped             | "pools.untyped" is not a dispatcher (it has no type, e.g. type = Dispatcher) | "pools.untyped" is not a dispatcher (it has no type, e.g. type = Dispatcher)
            pools.none                | no dispatcher configured at "pools.none"                    | no dispatcher configured at "pools.none"
            andon.abort-hook-dispatcher | "andon.abort-hook-dispatcher" serves abort hooks alone; a job's calls may not run there | "andon.abort-hook-dispatcher" serves abort hooks alone; a job's calls may not run there
            andon.http.job-parser-dispatcher | "andon.http.job-parser-dispatcher" serves the service's parsing of posted jobs alone; a job's calls may not run there | "andon.http.job-parser-dispatcher" serves the service's parsing of posted jobs alone; a job's calls may not run there
            akka.actor.default-dispatcher | "akka.actor.default-dispatcher" is a fork-join pool meant for actors; blocking calls need a thread pool (executor = "dev.andon.run.BlockingExecutorConfigurator" or "thread-pool-executor") | "akka.actor.default-dispatcher" is a fork-join pool meant for actors; blocking calls need a thread pool (executor = "dev.andon.run.BlockingExecutorConfigurator" or "thread-pool-executor")
            """)
    void shouldTellTheProblemOfADispatcherForAnyJobAndForAPostedOne(String path, String problem, String posted) {
        assertEquals(Optional.ofNullable(problem), Dispatchers.problem(CONFIG, path));
        assertEquals(Optional.ofNullable(posted), Dispatchers.postedProblem(CONFIG, path));
    }
}
