package dev.andon.service;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.fasterxml.jackson.databind.JsonNode;
import dev.andon.call.BlockingCall;
import dev.andon.config.CallSettings;
import dev.andon.config.ConfigBlock;
import dev.andon.config.KindContext;
import dev.andon.config.KindParser;
import dev.andon.config.Kinds;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** A kind an embedding application registers reaches posted jobs as it reaches the catalog's. */
class EmbeddedKindsTest {

    private static final class GreetKind implements KindParser {
        @Override
        public String kind() {
            return "greet";
        }

        @Override
        public Set<String> keys() {
            return Set.of("whom");
        }

        @Override
        public BlockingCall<?> parse(ConfigBlock call, CallSettings settings, KindContext ctx) {
            String whom = call.require("whom") ? call.string("whom") : null;
            return whom == null ? null : work -> "hello " + whom;
        }
    }

    private static Kinds withGreet() {
        List<KindParser> parsers = new ArrayList<>();
        Kinds standard = Kinds.standard();
        standard.names().forEach(n -> parsers.add(standard.get(n)));
        parsers.add(new GreetKind());
        return new Kinds(parsers);
    }

    @Test
    void shouldRunAPostedJobOfAKindTheEmbeddingApplicationRegistered() {
        try (TestService s = TestService.start("andon.jobs.hello.calls = [{ name = a, kind = greet, whom = catalog }]", withGreet())) {
            JsonNode cataloged = s.awaitFinished(s.startJob("hello"), Duration.ofSeconds(20));
            assertEquals("hello catalog", cataloged.path("calls").path(0).path("result").asText(), cataloged.toString());

            HttpResponse<String> posted = s.post("/runs", "{\"calls\": [{\"name\": \"b\", \"kind\": \"greet\", \"whom\": \"post\"}]}");
            assertEquals(202, posted.statusCode(), posted.body());
            JsonNode report = s.awaitFinished(TestService.json(posted).get("id").asText(), Duration.ofSeconds(20));
            assertEquals("SUCCEEDED", report.path("status").asText(), report.toString());
            assertEquals("hello post", report.path("calls").path(0).path("result").asText());
        }
    }
}
