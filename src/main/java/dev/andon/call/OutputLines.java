package dev.andon.call;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.function.Consumer;

/**
 * Cuts a stream of bytes into lines for {@code call-output} events: UTF-8 text without its
 * {@code \n} or {@code \r\n}; a line longer than {@code maxBytes} is cut there and ends with
 * {@code "…"}, the rest of it skipped. Memory is bounded by {@code maxBytes}.
 *
 * <p>Not thread-safe: one pipe reader feeds it.
 */
public final class OutputLines {
    private final Consumer<String> sink;
    private final byte[] line;
    private int length;
    private boolean cut; // the current line was too long: skip to its end

    public OutputLines(int maxBytes, Consumer<String> sink) {
        if (maxBytes < 1) throw new IllegalArgumentException("maxBytes must be positive: " + maxBytes);
        this.line = new byte[maxBytes];
        this.sink = sink;
    }

    public void append(byte[] b, int off, int len) {
        for (int i = off, end = off + len; i < end; i++) {
            byte c = b[i];
            if (c == '\n') {
                if (!cut) emit(false);
                cut = false;
            } else if (!cut) {
                if (length == line.length) {
                    emit(true);
                    cut = true;
                } else {
                    line[length++] = c;
                }
            }
        }
    }

    /** The last line, if the stream did not end with a newline. */
    public void finish() {
        if (length > 0 && !cut) emit(false);
        length = 0;
    }

    private void emit(boolean tooLong) {
        int n = length;
        if (!tooLong && n > 0 && line[n - 1] == '\r') n--;
        // A cut through a multi-byte character would end in a replacement character: back off.
        if (tooLong) while (n > 0 && (line[n - 1] & 0xC0) == 0x80) n--;
        if (tooLong && n > 0 && (line[n - 1] & 0x80) != 0) n--;
        String text = new String(Arrays.copyOf(line, n), StandardCharsets.UTF_8);
        length = 0;
        sink.accept(tooLong ? text + "\u2026" : text);
    }
}
