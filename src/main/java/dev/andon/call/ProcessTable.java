package dev.andon.call;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * The host's process table as recovery sees it: which processes exist, since when, in which group,
 * with which {@code ANDON_RUN_ID}; and the signals that stop them. An interface so that a test can
 * put a fake process in it; {@link #host()} is the real one ({@code /proc} on Linux).
 *
 * <p>A process is named by its pid <em>and</em> its start time (clock ticks since boot, field 22
 * of {@code /proc/PID/stat}): a pid the kernel has given to another process since is another
 * process, and is never signalled.
 */
public interface ProcessTable {

    /** One live process (zombies are not listed: they run nothing). */
    record Proc(long pid, long pgrp, long startTime) {
    }

    /** This boot's id ({@code /proc/sys/kernel/random/boot_id}), or {@code ""} where there is none. */
    String bootId();

    /** The live processes. */
    List<Proc> all();

    /** The live process {@code pid}, or {@code null}. */
    Proc get(long pid);

    /** The value of {@code name} in the environment {@code pid} started with, or {@code null}. */
    String environ(long pid, String name);

    /**
     * Sends SIGTERM ({@code kill = false}) or SIGKILL to {@code pid}, if it is still the process
     * that started at {@code startTime}.
     *
     * @return whether the signal was sent
     */
    boolean signal(long pid, long startTime, boolean kill);

    /** The host's table. */
    static ProcessTable host() {
        return Host.INSTANCE;
    }

    /** {@code /proc}, read with {@link ProcessTree}'s parser. */
    final class Host implements ProcessTable {
        private static final Path BOOT_ID = Path.of("/proc/sys/kernel/random/boot_id");
        static final Host INSTANCE = new Host();
        private final String bootId = readBootId();

        private Host() {
        }

        private static String readBootId() {
            try {
                return Files.readString(BOOT_ID, StandardCharsets.US_ASCII).trim();
            } catch (IOException | UnsupportedOperationException e) {
                return "";
            }
        }

        @Override
        public String bootId() {
            return bootId;
        }

        @Override
        public List<Proc> all() {
            List<Proc> list = new ArrayList<>();
            for (ProcessTree.Stat s : ProcessTree.Stat.all().values())
                if (s.state() != 'Z' && s.state() != 'X') list.add(new Proc(s.pid(), s.pgrp(), s.startTime()));
            return list;
        }

        @Override
        public Proc get(long pid) {
            ProcessTree.Stat s = ProcessTree.Stat.read(pid);
            return s == null || s.state() == 'Z' || s.state() == 'X' ? null : new Proc(s.pid(), s.pgrp(), s.startTime());
        }

        @Override
        public String environ(long pid, String name) {
            byte[] bytes;
            try {
                bytes = Files.readAllBytes(Path.of("/proc", Long.toString(pid), "environ"));
            } catch (IOException | SecurityException e) {
                return null; // gone, or not ours to read
            }
            byte[] prefix = (name + "=").getBytes(StandardCharsets.UTF_8);
            int start = 0;
            for (int i = 0; i <= bytes.length; i++) {
                if (i == bytes.length || bytes[i] == 0) {
                    if (i - start >= prefix.length && java.util.Arrays.equals(bytes, start, start + prefix.length,
                            prefix, 0, prefix.length))
                        return new String(bytes, start + prefix.length, i - start - prefix.length, StandardCharsets.UTF_8);
                    start = i + 1;
                }
            }
            return null;
        }

        @Override
        public boolean signal(long pid, long startTime, boolean kill) {
            Proc p = get(pid);
            if (p == null || p.startTime() != startTime || pid == ProcessHandle.current().pid()) return false;
            return ProcessHandle.of(pid).map(h -> kill ? h.destroyForcibly() : h.destroy()).orElse(false);
        }
    }
}
