package dev.andon.timeline;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;

import dev.andon.run.CallReport;
import dev.andon.run.RunReport;
import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import javax.xml.parsers.DocumentBuilderFactory;
import org.w3c.dom.Document;
import org.w3c.dom.Element;
import org.w3c.dom.NodeList;

/** Reading a timeline SVG as a test does: an XML document, its rows, bars and labels. */
public final class SvgChecks {
    private SvgChecks() {
    }

    /** The checks every timeline SVG passes: XML, one bar and one status label per call, in order. */
    public static void checkSvg(Document doc, RunReport report) {
        assertEquals("svg", doc.getDocumentElement().getTagName());
        NodeList groups = doc.getElementsByTagName("g");
        int calls = 0;
        for (int i = 0; i < groups.getLength(); i++) {
            Element g = (Element) groups.item(i);
            if (!g.getAttribute("class").equals("call")) continue;
            CallReport c = report.calls().get(calls++);
            assertEquals(c.name(), g.getAttribute("data-call"));
            assertEquals(1, countClassPrefix(g, "g", "bar "), c.name() + ": one bar");
            assertEquals(1, countText(g, c.status().name()), c.name() + ": its status as text");
        }
        assertEquals(report.calls().size(), calls);
    }

    /** How many call rows the timeline has. */
    public static int callCount(Document doc) {
        return countClass(doc.getDocumentElement(), "g", "call");
    }

    public static Document parse(String svg) throws Exception {
        DocumentBuilderFactory f = DocumentBuilderFactory.newInstance();
        f.setFeature("http://apache.org/xml/features/disallow-doctype-decl", true);
        return f.newDocumentBuilder().parse(new ByteArrayInputStream(svg.getBytes(StandardCharsets.UTF_8)));
    }

    public static Element callGroup(Document doc, String call) {
        NodeList groups = doc.getElementsByTagName("g");
        for (int i = 0; i < groups.getLength(); i++) {
            Element g = (Element) groups.item(i);
            if (g.getAttribute("class").equals("call") && g.getAttribute("data-call").equals(call)) return g;
        }
        throw new AssertionError("no row for " + call);
    }

    public static int countClass(Element in, String tag, String cls) {
        NodeList l = in.getElementsByTagName(tag);
        int n = 0;
        for (int i = 0; i < l.getLength(); i++) if (((Element) l.item(i)).getAttribute("class").equals(cls)) n++;
        return n;
    }

    public static int countClassPrefix(Element in, String tag, String prefix) {
        NodeList l = in.getElementsByTagName(tag);
        int n = 0;
        for (int i = 0; i < l.getLength(); i++) if (((Element) l.item(i)).getAttribute("class").startsWith(prefix)) n++;
        return n;
    }

    public static int countText(Element in, String text) {
        NodeList l = in.getElementsByTagName("text");
        int n = 0;
        for (int i = 0; i < l.getLength(); i++) if (l.item(i).getTextContent().equals(text)) n++;
        return n;
    }

    public static String text(Document doc) {
        assertNotNull(doc.getDocumentElement());
        return doc.getDocumentElement().getTextContent();
    }
}
