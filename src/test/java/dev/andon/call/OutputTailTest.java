package dev.andon.call;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.io.ByteArrayInputStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** What a command's output tail keeps: the last bytes, marked when earlier ones were dropped. */
class OutputTailTest {

    private static OutputTail tailOf(int capacity, String... chunks) {
        OutputTail tail = new OutputTail(capacity);
        for (String c : chunks) {
            byte[] b = c.getBytes(StandardCharsets.UTF_8);
            tail.append(b, 0, b.length);
        }
        return tail;
    }

    @ParameterizedTest(name = "capacity {0}: {1} + {2} -> {3}")
    @CsvSource(delimiter = '|', emptyValue = "", textBlock = """
            8 | abc        | def       | abcdef
            6 | abc        | def       | abcdef
            4 | abc        | def       | …cdef
            4 | abcdefghij | ''        | …ghij
            4 | ''         | abcdefghi | …fghi
            3 | ab         | cdefgh    | …fgh
            1 | abc        | d         | …d
            0 | abc        | def       | …
            """)
    void shouldKeepTheLastBytesAcrossChunks(int capacity, String first, String second, String expected) {
        assertEquals(expected, tailOf(capacity, first, second).text());
    }

    @Test
    void shouldNotStartWithHalfACharacterWhereTheCutFell() {
        assertEquals("…é!", tailOf(4, "aaaé", "é!").text());
        assertEquals("…ü", tailOf(3, "xü", "ü").text());
    }

    @Test
    void shouldTakeBuffersAndStreamsLikeArrays() throws Exception {
        OutputTail tail = new OutputTail(5);
        tail.append(ByteBuffer.wrap("hello ".getBytes(StandardCharsets.UTF_8)));
        ByteBuffer direct = ByteBuffer.allocateDirect(6).put("world!".getBytes(StandardCharsets.UTF_8)).flip();
        tail.append(direct);
        assertEquals(0, direct.remaining());
        tail.drain(new ByteArrayInputStream("\nbye".getBytes(StandardCharsets.UTF_8)));
        assertEquals("…!\nbye", tail.text());
        assertEquals("bye", tail.lastLine(10));
    }

    @Test
    void shouldRefuseACapacityOutOfRange() {
        assertThrows(IllegalArgumentException.class, () -> new OutputTail(-1));
        assertThrows(IllegalArgumentException.class, () -> new OutputTail((16 << 20) + 1));
    }
}
