package dev.andon.call;

import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;

/**
 * The last {@code capacity} bytes of a stream: what a report keeps of a command's stdout or
 * stderr, or of an HTTP response body, however much was written. Memory is bounded by the
 * capacity; everything before the tail is counted and dropped.
 *
 * <h2>Threading</h2>
 * Thread-safe: one thread appends (a pipe reader, an HTTP body subscriber) while others read the
 * text so far.
 */
public final class OutputTail {
    private final byte[] ring;
    private long total;

    /** @throws IllegalArgumentException if {@code capacity} is negative or larger than 16 MiB */
    public OutputTail(long capacity) {
        if (capacity < 0 || capacity > 16 << 20) {
            throw new IllegalArgumentException("capacity must be within 0..16 MiB: " + capacity);
        }
        this.ring = new byte[(int) capacity];
    }

    /** Appends {@code len} bytes of {@code b} from {@code off}. */
    public synchronized void append(byte[] b, int off, int len) {
        int cap = ring.length;
        if (cap > 0) {
            // Only the last `cap` bytes of this chunk can survive.
            int skip = Math.max(0, len - cap);
            for (int i = off + skip, end = off + len; i < end; ) {
                int pos = (int) ((total + i - off) % cap);
                int n = Math.min(end - i, cap - pos);
                System.arraycopy(b, i, ring, pos, n);
                i += n;
            }
        }
        total += len;
    }

    /** Appends the remaining bytes of {@code buffer}, consuming them. */
    public void append(ByteBuffer buffer) {
        if (buffer.hasArray()) {
            append(buffer.array(), buffer.arrayOffset() + buffer.position(), buffer.remaining());
            buffer.position(buffer.limit());
        } else {
            byte[] copy = new byte[buffer.remaining()];
            buffer.get(copy);
            append(copy, 0, copy.length);
        }
    }

    /** Reads {@code in} to its end into this tail. */
    public void drain(InputStream in) throws IOException {
        byte[] buf = new byte[8192];
        for (int n; (n = in.read(buf)) >= 0; ) append(buf, 0, n);
    }

    /**
     * The tail as UTF-8 text (malformed bytes replaced), prefixed with {@code "…"} when earlier
     * output was dropped.
     */
    public String text() {
        byte[] bytes;
        boolean truncated;
        synchronized (this) {
            int cap = ring.length;
            int n = (int) Math.min(total, cap);
            bytes = new byte[n];
            int start = (int) ((total - n) % Math.max(cap, 1));
            int first = Math.min(n, cap - start);
            System.arraycopy(ring, start, bytes, 0, first);
            System.arraycopy(ring, 0, bytes, first, n - first);
            truncated = total > n;
        }
        int from = 0;
        // A cut through a multi-byte character would show as a replacement character: skip
        // UTF-8 continuation bytes at the cut.
        if (truncated) while (from < bytes.length && from < 3 && (bytes[from] & 0xC0) == 0x80) from++;
        String s = new String(bytes, from, bytes.length - from, StandardCharsets.UTF_8);
        return truncated ? "…" + s : s;
    }

    /** The {@link Excerpt} of the tail: its last non-blank lines in one line of at most {@code max} characters. */
    public String excerpt(int max) {
        return Excerpt.of(text(), max);
    }

    /**
     * The last non-blank line of the tail, trimmed and cut to {@code max} characters: a one-line
     * summary for an error message. Empty when there is none.
     */
    public String lastLine(int max) {
        String[] lines = text().split("\\R");
        for (int i = lines.length - 1; i >= 0; i--) {
            String line = lines[i].strip();
            if (!line.isEmpty() && !line.equals("…")) {
                return line.length() <= max ? line : "…" + line.substring(line.length() - max + 1);
            }
        }
        return "";
    }
}
