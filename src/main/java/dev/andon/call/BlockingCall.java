package dev.andon.call;

/**
 * One unit of blocking work: a JDBC query, a SOAP call, a file conversion, a process.
 *
 * <h2>Threading</h2>
 * {@link #call} runs on a thread of the run's blocking dispatcher, never on an actor's thread.
 * It may block for as long as it needs. Each attempt (see {@code retry}) is one invocation on one
 * thread; the {@link WorkContext} passed in belongs to that attempt.
 *
 * <h2>Abort</h2>
 * Cancellation is cooperative: when the call is asked to stop, {@link WorkContext#abortRequested()}
 * becomes {@code true}, {@link WorkContext#checkpoint()} throws {@link AbortedException}, the hooks
 * registered with {@link WorkContext#onAbort} run on another thread, and (unless the job set
 * {@code interrupt-on-abort = off}) the thread is interrupted. A call that then returns normally
 * keeps its result ({@code SUCCEEDED}); one that throws is {@code ABORTED}.
 *
 * @param <T> the result type; its {@code toString()} appears in the run report
 */
@FunctionalInterface
public interface BlockingCall<T> {

    /**
     * Does the work.
     *
     * @param ctx this attempt's context: abort signal, hooks, progress, configuration
     * @return the result, shown in the report in short string form; may be {@code null}
     * @throws Exception any failure; thrown before an abort was requested it makes the call
     *         {@code FAILED} (or retried), thrown after it makes the call {@code ABORTED}
     */
    T call(WorkContext ctx) throws Exception;
}
