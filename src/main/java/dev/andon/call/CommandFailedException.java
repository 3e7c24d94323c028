package dev.andon.call;

import java.util.List;

/**
 * A command exited with a non-zero status, or was killed by a signal. The message names the exit
 * code (and the signal, for 128+N) and ends with the last line of stderr; {@code retry.on} can
 * name it as {@code "exit=N"}.
 */
public final class CommandFailedException extends Exception implements RetryKeyed {
    private static final String[] SIGNALS = {null, "SIGHUP", "SIGINT", "SIGQUIT", "SIGILL", "SIGTRAP",
            "SIGABRT", "SIGBUS", "SIGFPE", "SIGKILL", "SIGUSR1", "SIGSEGV", "SIGUSR2", "SIGPIPE", "SIGALRM",
            "SIGTERM", "SIGSTKFLT", "SIGCHLD", "SIGCONT", "SIGSTOP", "SIGTSTP", "SIGTTIN", "SIGTTOU",
            "SIGURG", "SIGXCPU", "SIGXFSZ", "SIGVTALRM", "SIGPROF", "SIGWINCH", "SIGIO", "SIGPWR", "SIGSYS"};

    private final int exitCode;

    /**
     * @param exitCode   the process's exit status, 128+N when it died of signal N
     * @param stderrLine what it said last ({@link Excerpt} of its stderr, else of its stdout), or empty
     */
    public CommandFailedException(int exitCode, String stderrLine) {
        super(message(exitCode, stderrLine), null, false, false);
        this.exitCode = exitCode;
    }

    public int exitCode() {
        return exitCode;
    }

    /**
     * The signal that killed the process ({@code "SIGKILL"}), or {@code null}. Java reports a
     * process killed by signal N as exit status 128+N, as shells do; a program that chose such an
     * exit status on its own is indistinguishable.
     */
    public String signal() {
        return signalName(exitCode);
    }

    @Override
    public List<String> retryKeys() {
        return List.of("exit=" + exitCode);
    }

    static String signalName(int exitCode) {
        int n = exitCode - 128;
        return n > 0 && n < SIGNALS.length ? SIGNALS[n] : null;
    }

    private static String message(int exitCode, String stderrLine) {
        String signal = signalName(exitCode);
        String head = signal != null ? "killed by " + signal + " (exit " + exitCode + ")" : "exit " + exitCode;
        return stderrLine == null || stderrLine.isEmpty() ? head : head + ": " + stderrLine;
    }
}
