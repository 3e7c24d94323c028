package dev.andon.call;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

@Timeout(value = 20, unit = TimeUnit.SECONDS)
class CommandCallTest {
    private static final long TAIL = 4096;
    private static final Duration GRACE = Duration.ofSeconds(2);

    @TempDir
    Path tmp;

    @BeforeAll
    static void linuxOnly() {
        assumeTrue(ProcessTree.PROCESS_GROUPS, "process-tree tests need /proc and setsid");
    }

    private static CommandCall sh(String script) {
        return CommandCall.shell(script, Map.of(), null, GRACE, TAIL);
    }

    private static Throwable failure(Future<?> f) throws InterruptedException {
        try {
            f.get(15, TimeUnit.SECONDS);
        } catch (ExecutionException e) {
            return e.getCause();
        } catch (java.util.concurrent.TimeoutException e) {
            throw new AssertionError("call did not end", e);
        }
        throw new AssertionError("call succeeded");
    }

    @Test
    void shouldReadCommandsOneAfterAnotherOnThreadsKeptBetweenThem() throws Exception {
        // A reader thread of its own for each stream of each command would be 40 threads here,
        // each started and ended (an end unmaps its stack, which interrupts every other core).
        var readers = new java.util.HashSet<Thread>();
        for (int i = 0; i < 20; i++) {
            try (var ctx = new TestWorkContext("c" + i)) {
                assertEquals("exit 0", ctx.start(sh("echo out" + i + "; echo err" + i + " >&2")).get(15, TimeUnit.SECONDS));
                assertEquals("out" + i + "\n", ctx.details().get("stdoutTail"));
                assertEquals("err" + i + "\n", ctx.details().get("stderrTail"));
                assertEquals(2, ctx.outputThreads().size(), "one line of each stream told");
                readers.addAll(ctx.outputThreads());
            }
        }
        assertTrue(readers.size() <= 4, readers.size() + " reader threads for 20 commands");
        for (Thread t : readers) {
            assertTrue(t.isDaemon(), t + " is not a daemon");
            assertTrue(t.getName().startsWith("andon-output"), t.getName());
        }
    }

    @Test
    void shouldSucceedOnExitZeroAndKeepBothOutputTails() throws Exception {
        try (var ctx = new TestWorkContext("ok")) {
            assertEquals("exit 0", ctx.start(sh("echo hello; echo warning >&2")).get());
            assertEquals(0, ctx.details().get("exitCode"));
            assertEquals("hello\n", ctx.details().get("stdoutTail"));
            assertEquals("warning\n", ctx.details().get("stderrTail"));
            assertNull(ctx.details().get("signal"));
            assertTrue(ctx.progressMessages().get(0).startsWith("running, pid "));
        }
    }

    @Test
    void shouldRunArgvWithoutShellWithAddedEnvInCwd() throws Exception {
        var call = new CommandCall(List.of("sh", "-c", "echo \"$FOO $HOME\" $(pwd)", "$FOO"),
                Map.of("FOO", "bar baz"), tmp, GRACE, TAIL);
        try (var ctx = new TestWorkContext("argv")) {
            ctx.start(call).get();
            String home = System.getenv("HOME");
            assertEquals("bar baz " + home + " " + tmp.toRealPath() + "\n", ctx.details().get("stdoutTail"));
        }
        var literal = new CommandCall(List.of("echo", "$HOME", "*", "a b"), Map.of(), null, GRACE, TAIL);
        try (var ctx = new TestWorkContext("literal")) {
            ctx.start(literal).get();
            assertEquals("$HOME * a b\n", ctx.details().get("stdoutTail"));
        }
    }

    @Test
    void shouldFailWithExitCodeAndLastLinesOfStderr() throws Exception {
        try (var ctx = new TestWorkContext("fails")) {
            Throwable t = failure(ctx.start(sh("echo starting; echo first >&2; echo '  disk full  ' >&2; exit 3")));
            var e = assertInstanceOf(CommandFailedException.class, t);
            assertEquals("exit 3: first | disk full", e.getMessage()); // its stderr, not its stdout
            assertEquals(List.of("exit=3"), e.retryKeys());
            assertEquals(3, ctx.details().get("exitCode"));
            assertEquals("starting\n", ctx.details().get("stdoutTail"));
            assertEquals("first\n  disk full  \n", ctx.details().get("stderrTail"));
        }
    }

    @Test
    void shouldAnswerToItsExitCodeInRetryOnSoThatAFlakyCommandIsRetried() throws Exception {
        Path marker = tmp.resolve("failed-once");
        var call = sh("if [ -e " + marker + " ]; then echo ok; else touch " + marker + "; echo flaky >&2; exit 75; fi");
        var retry = new dev.andon.run.RetryPolicy(2, Duration.ZERO, Duration.ZERO, List.of("exit=75"));
        try (var ctx = new TestWorkContext("flaky")) {
            Throwable first = failure(ctx.start(call));
            assertTrue(retry.shouldRetry(1, first), first.toString());
            assertEquals("exit 0", ctx.start(call).get());
        }
        var other = new dev.andon.run.RetryPolicy(2, Duration.ZERO, Duration.ZERO, List.of("exit=1"));
        assertFalse(other.shouldRetry(1, new CommandFailedException(75, "")));
    }

    @Test
    void shouldNameTheSignalThatKilledTheProgram() throws Exception {
        try (var ctx = new TestWorkContext("signalled")) {
            Throwable t = failure(ctx.start(sh("echo bye >&2; kill -KILL $$")));
            var e = assertInstanceOf(CommandFailedException.class, t);
            assertEquals("killed by SIGKILL (exit 137): bye", e.getMessage());
            assertEquals("SIGKILL", e.signal());
            assertEquals("SIGKILL", ctx.details().get("signal"));
            assertEquals(137, ctx.details().get("exitCode"));
        }
    }

    @Test
    void shouldFailInOneLineWhenTheProgramCannotStart() throws Exception {
        Path notExecutable = Files.writeString(tmp.resolve("script.sh"), "echo hi\n");
        Files.setPosixFilePermissions(notExecutable, PosixFilePermissions.fromString("rw-r--r--"));
        Map<CommandCall, String> cases = Map.of(
                new CommandCall(List.of("nosuch-andon-program"), Map.of(), null, GRACE, TAIL),
                "cannot start \"nosuch-andon-program\": No such file or directory (searched PATH)",
                new CommandCall(List.of("./nosuch"), Map.of(), tmp, GRACE, TAIL),
                "cannot start \"./nosuch\": No such file or directory",
                new CommandCall(List.of(notExecutable.toString()), Map.of(), null, GRACE, TAIL),
                "cannot start \"" + notExecutable + "\": Permission denied",
                new CommandCall(List.of(tmp.toString()), Map.of(), null, GRACE, TAIL),
                "cannot start \"" + tmp + "\": Is a directory",
                new CommandCall(List.of("true"), Map.of(), tmp.resolve("nodir"), GRACE, TAIL),
                "cannot start \"true\": working directory " + tmp.resolve("nodir") + " does not exist");
        for (var c : cases.entrySet()) {
            try (var ctx = new TestWorkContext("nostart")) {
                Throwable t = failure(ctx.start(c.getKey()));
                var e = assertInstanceOf(CommandStartException.class, t);
                assertEquals(c.getValue(), e.getMessage());
                assertEquals(0, e.getStackTrace().length, "no stack trace for a user's mistake");
                assertFalse(ctx.details().containsKey("exitCode"));
            }
        }
    }

    @Test
    void shouldDrainHugeOutputIntoBoundedTailsWithoutBlocking() throws Exception {
        // 200 MB on stdout and 50 MB on stderr: a pipe that is not drained blocks after 64 KiB.
        var call = sh("head -c 200000000 /dev/zero | tr '\\0' x; head -c 50000000 /dev/zero >&2; echo END");
        try (var ctx = new TestWorkContext("huge")) {
            long t0 = System.nanoTime();
            assertEquals("exit 0", ctx.start(call).get(15, TimeUnit.SECONDS));
            long ms = (System.nanoTime() - t0) / 1_000_000;
            String out = (String) ctx.details().get("stdoutTail");
            assertTrue(out.startsWith("…") && out.endsWith("xxxxEND\n"), out.substring(0, 20));
            assertEquals(TAIL, out.length() - 1);
            assertEquals(TAIL, ((String) ctx.details().get("stderrTail")).length() - 1);
            System.out.println("[figure] 250 MB of output drained in " + ms + " ms");
        }
    }

    @Test
    void shouldKillWholeProcessTreeOnAbort() throws Exception {
        Path pids = tmp.resolve("pids");
        // sh, a background child, an orphan re-parented away from sh (by a subshell that exits),
        // and the foreground sleep sh waits for.
        var call = sh("echo $$ >> " + pids + "; sleep 100 & echo $! >> " + pids
                + "; (sleep 100 & echo $! >> " + pids + "); sleep 100 & echo $! >> " + pids + "; wait");
        try (var ctx = new TestWorkContext("tree")) {
            Future<String> f = ctx.start(call);
            List<Long> tree = Processes.awaitPids(pids, 4);
            assertEquals(tree, Processes.runningAmong(tree), "all started");
            long t0 = System.nanoTime();
            ctx.requestAbort("c2 failed");
            Throwable t = failure(f);
            long ms = (System.nanoTime() - t0) / 1_000_000;
            assertEquals("aborted: c2 failed", assertInstanceOf(AbortedException.class, t).getMessage());
            assertEquals(List.of(), Processes.runningAmong(tree), "no process of the tree survives");
            assertEquals(128 + 15, ctx.details().get("exitCode"));
            assertFalse(ctx.details().containsKey("killed"), "SIGTERM was enough");
            assertTrue(ms < 1000, "stopped in " + ms + " ms");
            System.out.println("[figure] abort to every process of a 4-process tree gone: " + ms + " ms");
        }
    }

    @Test
    void shouldKeepOutputOfCommandThatTrapsTermAndExitsWithinGrace() throws Exception {
        Path pids = tmp.resolve("pids");
        var call = sh("trap 'echo cleaning up; echo bye >&2; exit 7' TERM; echo started; "
                + "sleep 100 & echo $! >> " + pids + "; wait");
        try (var ctx = new TestWorkContext("trap")) {
            Future<String> f = ctx.start(call);
            List<Long> tree = Processes.awaitPids(pids, 1);
            ctx.requestAbort("timeout");
            assertInstanceOf(AbortedException.class, failure(f));
            assertEquals("started\ncleaning up\n", ctx.details().get("stdoutTail"));
            assertEquals("bye\n", ctx.details().get("stderrTail"));
            assertEquals(7, ctx.details().get("exitCode"));
            assertEquals(List.of(), Processes.runningAmong(tree));
        }
    }

    @Test
    void shouldSigkillTreeThatIgnoresTermAfterKillGrace() throws Exception {
        Path pids = tmp.resolve("pids");
        Duration grace = Duration.ofMillis(300);
        // The ignored disposition is inherited: the background sleep ignores SIGTERM too.
        var call = CommandCall.shell("trap '' TERM; echo $$ >> " + pids + "; sleep 100 & echo $! >> " + pids
                + "; while :; do sleep 0.01; done", Map.of(), null, grace, TAIL);
        try (var ctx = new TestWorkContext("deaf")) {
            Future<String> f = ctx.start(call);
            List<Long> tree = Processes.awaitPids(pids, 2);
            long t0 = System.nanoTime();
            ctx.requestAbort("user");
            assertInstanceOf(AbortedException.class, failure(f));
            long ms = (System.nanoTime() - t0) / 1_000_000;
            assertEquals(List.of(), Processes.runningAmong(tree));
            assertEquals(true, ctx.details().get("killed"));
            assertEquals("SIGKILL", ctx.details().get("signal"));
            assertTrue(ms >= 300 && ms < 1300, "SIGKILL after the grace, took " + ms + " ms");
            System.out.println("[figure] TERM-ignoring tree, kill-grace 300 ms: abort to gone " + ms + " ms");
        }
    }

    @Test
    void shouldStopTreeWhenTheThreadIsOnlyInterrupted() throws Exception {
        Path pids = tmp.resolve("pids");
        try (var ctx = new TestWorkContext("interrupted")) {
            Future<String> f = ctx.start(sh("sleep 100 & echo $! >> " + pids + "; wait"));
            List<Long> tree = Processes.awaitPids(pids, 1);
            ctx.interruptOnly();
            assertInstanceOf(InterruptedException.class, failure(f));
            assertEquals(List.of(), Processes.runningAmong(tree));
        }
    }

    @Test
    void shouldStopTreeThroughTheHookAloneWhenNotInterrupted() throws Exception {
        Path pids = tmp.resolve("pids");
        try (var ctx = new TestWorkContext("hook-only", false)) {
            Future<String> f = ctx.start(sh("sleep 100 & echo $! >> " + pids + "; wait"));
            List<Long> tree = Processes.awaitPids(pids, 1);
            ctx.requestAbort("shutdown");
            assertInstanceOf(AbortedException.class, failure(f));
            assertEquals(List.of(), Processes.runningAmong(tree));
        }
    }

    @Test
    void shouldStopProcessesLeftBehindByAProgramThatExited() throws Exception {
        Path pids = tmp.resolve("pids");
        try (var ctx = new TestWorkContext("leaves")) {
            // The background sleep keeps stdout open: without stopping it the call would hang.
            assertEquals("exit 0", ctx.start(sh("sleep 100 & echo $! >> " + pids + "; echo done"))
                    .get(5, TimeUnit.SECONDS));
            List<Long> left = Processes.awaitPids(pids, 1);
            assertEquals(List.of(), Processes.runningAmong(left));
            assertEquals(1, ctx.details().get("leftBehindStopped"));
            assertEquals("done\n", ctx.details().get("stdoutTail"));
        }
    }

    @Test
    void shouldNotStartWhenAlreadyAborted() throws Exception {
        Path marker = tmp.resolve("ran");
        try (var ctx = new TestWorkContext("late")) {
            ctx.requestAbort("c2 failed");
            assertInstanceOf(AbortedException.class, failure(ctx.start(sh("touch " + marker))));
            assertFalse(Files.exists(marker));
        }
    }
}
