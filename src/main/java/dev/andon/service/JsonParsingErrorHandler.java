package dev.andon.service;

import akka.event.LoggingAdapter;
import akka.http.ParsingErrorHandler;
import akka.http.scaladsl.model.ContentTypes;
import akka.http.scaladsl.model.ErrorInfo;
import akka.http.scaladsl.model.HttpEntity;
import akka.http.scaladsl.model.HttpResponse;
import akka.http.scaladsl.model.StatusCode;
import akka.http.scaladsl.settings.ServerSettings;
import dev.andon.run.ReportJson;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Answers requests Akka HTTP cannot even parse (an unknown method, a malformed request line or
 * header) in the service's one error form, {@code {"error", "detail"}}, instead of Akka's plain
 * text. Configured as {@code akka.http.server.parsing.error-handler} in reference.conf.
 */
public final class JsonParsingErrorHandler extends ParsingErrorHandler {

    @Override
    public HttpResponse handle(StatusCode status, ErrorInfo info, LoggingAdapter log, ServerSettings settings) {
        log.debug("unparsable request: {}", info.formatPretty());
        Map<String, String> body = new LinkedHashMap<>();
        body.put("error", status.reason().toLowerCase(java.util.Locale.ROOT));
        body.put("detail", info.summary().isEmpty() ? status.defaultMessage() : info.summary());
        return HttpResponse.apply(status, scala.collection.immutable.Seq$.MODULE$.<akka.http.scaladsl.model.HttpHeader>empty(),
                HttpEntity.apply(ContentTypes.application$divjson(), ReportJson.toJson(body)),
                akka.http.scaladsl.model.HttpProtocols.HTTP$div1$u002E1());
    }
}
