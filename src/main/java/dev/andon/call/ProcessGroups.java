package dev.andon.call;

import com.sun.jna.Native;
import com.sun.jna.Platform;
import java.lang.reflect.Method;
import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Whether a process group is empty, asked of the kernel with {@code kill(-pgid, 0)} through JNA:
 * {@code ESRCH} says that no process at all is in the group, not even a zombie. A tree whose root
 * has exited and whose group is empty is gone, unless a member it saw earlier left the group (see
 * {@link ProcessTree}): without this, only a reading of every process's {@code /proc/<pid>/stat}
 * could tell, and that costs about a millisecond on an idle machine, on the path from a failure to
 * every sibling's ack.
 *
 * <p>Optional: until {@link #load} has succeeded (on a background thread, so that no command
 * waits for JNA to unpack its native library), or where it cannot (no JNA for this platform, a
 * temporary directory mounted {@code noexec}, or a JDK that would warn about native access because
 * it was not enabled for JNA's module), {@link #knownEmpty} says "not known" and callers scan
 * {@code /proc} as before. Signal 0 sends nothing; the call only checks.
 */
final class ProcessGroups {
    private static final Logger log = LoggerFactory.getLogger(ProcessGroups.class);
    private static final int ESRCH = 3;
    private static final AtomicBoolean LOAD_BEGUN = new AtomicBoolean();
    private static volatile boolean loaded;
    // Tests turn the check off to exercise the scans it spares.
    private static volatile boolean asking = true;

    private ProcessGroups() {
    }

    /**
     * Loads JNA and binds {@code kill(2)}, once per JVM; blocks for as long as that takes (tens of
     * milliseconds the first time a machine unpacks JNA's library). Never throws: a failure leaves
     * {@link #knownEmpty} answering false.
     */
    static void load() {
        if (!LOAD_BEGUN.compareAndSet(false, true)) return;
        if (!ProcessTree.PROCESS_GROUPS) return;
        if (!nativeAccessEnabled()) {
            log.debug("JNA not loaded: native access is not enabled for its module (--enable-native-access); process trees are told gone by /proc alone");
            return;
        }
        try {
            // A check of the binding itself: this JVM's own process is there, and no pid is -1's group.
            boolean self = Libc.kill(Math.toIntExact(ProcessHandle.current().pid()), 0) == 0;
            boolean none = Libc.kill(Integer.MIN_VALUE + 1, 0) == -1 && Native.getLastError() == ESRCH;
            if (!self || !none) throw new IllegalStateException("kill(2) through JNA: " + self + ", " + none);
            loaded = true;
        } catch (Exception | LinkageError e) { // no JNA on the class path, UnsatisfiedLinkError, a binding that says the wrong thing
            log.debug("JNA not loaded; process trees are told gone by /proc alone", e);
        }
    }

    /** Whether {@link #load} has bound {@code kill(2)}. */
    static boolean loaded() {
        return loaded;
    }

    /**
     * True if the kernel says that process group {@code pgid} has no process in it (zombies
     * count as processes); false if it has one, or if that cannot be known here.
     */
    static boolean knownEmpty(long pgid) {
        if (!loaded || !asking || pgid <= 1 || pgid > Integer.MAX_VALUE) return false;
        // errno as JNA kept it right after the call, on this thread: no exception to build.
        return Libc.kill((int) -pgid, 0) == -1 && Native.getLastError() == ESRCH; // EPERM: there is one, someone else's
    }

    /** For tests: whether {@link #knownEmpty} asks the kernel at all; returns what it was. */
    static boolean asking(boolean ask) {
        boolean was = asking;
        asking = ask;
        return was;
    }

    /**
     * Whether loading a native library from JNA's module would be allowed without a warning: JDK
     * 24 and later warn (and may one day refuse) unless {@code --enable-native-access} names it.
     * {@code Module.isNativeAccessEnabled} exists from JDK 22 on; before 24 nothing warns.
     */
    private static boolean nativeAccessEnabled() {
        if (Runtime.version().feature() < 24) return true;
        try {
            Class<?> nativeClass = Class.forName("com.sun.jna.Native", false, ProcessGroups.class.getClassLoader());
            Method enabled = Module.class.getMethod("isNativeAccessEnabled");
            return (Boolean) enabled.invoke(nativeClass.getModule());
        } catch (ReflectiveOperationException | LinkageError e) {
            return false;
        }
    }

    /** The C library's {@code kill}, direct-mapped (a JNI-like call, no proxy). */
    private static final class Libc {
        static {
            Native.register(Platform.C_LIBRARY_NAME);
        }

        static native int kill(int pid, int sig);
    }
}
