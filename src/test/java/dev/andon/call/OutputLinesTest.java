package dev.andon.call;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class OutputLinesTest {
    private static List<String> lines(int max, String... chunks) {
        List<String> out = new ArrayList<>();
        OutputLines lines = new OutputLines(max, out::add);
        for (String c : chunks) {
            byte[] b = c.getBytes(StandardCharsets.UTF_8);
            lines.append(b, 0, b.length);
        }
        lines.finish();
        return out;
    }

    @Test
    void shouldCutLinesAcrossChunksWithoutTheirEnds() {
        assertEquals(List.of("one", "two", "", "three"), lines(100, "on", "e\ntwo\r\n", "\nthr", "ee"));
        assertEquals(List.of("a"), lines(100, "a\n"));
        assertEquals(List.of(), lines(100));
    }

    @Test
    void shouldCutALongLineAndSkipItsRest() {
        assertEquals(List.of("abcd\u2026", "next"), lines(4, "abcdefgh", "ij\nnext"));
        // Never half a character: "é" is two bytes.
        assertEquals(List.of("ab\u2026", "x"), lines(4, "abé", "é\nx"));
    }

    @Test
    void shouldKeepUtf8Whole() {
        assertEquals(List.of("žluťoučký kůň", "日本"), lines(100, "žluťoučký k", "ůň\n日", "本"));
    }
}
