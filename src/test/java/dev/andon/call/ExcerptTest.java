package dev.andon.call;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

class ExcerptTest {
    private static final String NGINX_404 = """
            <html>
            <head><title>404 Not Found</title></head>
            <body>
            <center><h1>404 Not Found</h1></center>
            <hr><center>nginx/1.18.0</center>
            </body>
            </html>
            """;

    @Test
    void shouldGiveTheWordsOfAnHtmlPageNotItsLastTag() {
        assertEquals("404 Not Found | nginx/1.18.0", Excerpt.of(NGINX_404, 200));
    }

    @Test
    void shouldDropScriptsStylesCommentsAndDecodeEntities() {
        assertEquals("Tom & Jerry <3 | bye", Excerpt.of("<html><style>p { x: 1 }</style><!-- note --><p>Tom &amp; Jerry &lt;3</p>"
                + "<script>var a = 1;\nvar b = 2;</script><p>bye</p></html>", 200));
    }

    @Test
    void shouldKeepTheLastThreeNonBlankLinesTrimmed() {
        assertEquals("step 2 | step 3 | step 3 failed: disk full",
                Excerpt.of("step 1\n  step 2  \n\n\tstep 3\r\nstep 3 failed: disk full\n\n", 200));
        assertEquals("one line", Excerpt.of("one line", 200));
        assertEquals("a < b", Excerpt.of("a < b", 200)); // not markup
    }

    @Test
    void shouldSayARepeatedLineOnce() {
        assertEquals("retrying | retrying done", Excerpt.of("retrying\nretrying\nretrying\nretrying done", 200));
    }

    @Test
    void shouldCutAtTheFrontToTheLengthAndPreferWholeLines() {
        assertEquals("second line", Excerpt.of("first line\nsecond line", 12));
        assertEquals("…1234567890", Excerpt.of("x\nabcdefghij1234567890", 11));
    }

    @Test
    void shouldBeEmptyWithoutText() {
        assertEquals("", Excerpt.of("", 10));
        assertEquals("", Excerpt.of(" \n\t\n", 10));
        assertEquals("", Excerpt.of(null, 10));
        assertEquals("", Excerpt.of("…\n", 10)); // only the mark of a cut tail
    }
}
