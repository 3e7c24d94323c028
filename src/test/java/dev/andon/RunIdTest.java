package dev.andon;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

class RunIdTest {
    @Test
    void runIdsShouldAlwaysHaveTwelveHexDigits() {
        assertEquals("r-000000000000", Andon.runId(0));
        assertEquals("r-000000000abc", Andon.runId(0xabcL << 16));
        assertEquals("r-ffffffffffff", Andon.runId(-1));
        assertEquals("r-0aaaac08f055", Andon.runId(0x0aaaac08f055L << 16 | 0xffff));
    }
}
