package dev.sse.stream;

import java.io.IOException;
import java.util.LinkedHashSet;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.locks.Lock;

import dev.sse.wire.EncodedEvent;

import org.springframework.http.HttpHeaders;
import org.springframework.http.MediaType;
import org.springframework.http.server.ServerHttpResponse;
import org.springframework.web.servlet.mvc.method.annotation.SseEmitter;

/**
 * The emitter a stream's controller returns. It sets the stream's headers before the first byte
 * and never lets the container's async timeout end the stream (the starter times streams out
 * itself, the same way on every container).
 */
final class SseStreamEmitter extends SseEmitter {

    static final String CONTENT_TYPE = "text/event-stream;charset=UTF-8";

    private final Map<String, String> corsHeaders;

    SseStreamEmitter(Map<String, String> corsHeaders) {
        // 0: no container timeout, whatever spring.mvc.async.request-timeout says.
        super(0L);
        this.corsHeaders = corsHeaders;
    }

    @Override
    protected void extendResponse(ServerHttpResponse outputMessage) {
        HttpHeaders headers = outputMessage.getHeaders();
        headers.set(HttpHeaders.CONTENT_TYPE, CONTENT_TYPE);
        headers.set(HttpHeaders.CACHE_CONTROL, "no-cache, no-transform");
        headers.set("X-Accel-Buffering", "no");
        // Spring MVC's own CORS processing (a @CrossOrigin or a CORS mapping) has the last word.
        if (!this.corsHeaders.isEmpty() && !headers.containsHeader(HttpHeaders.ACCESS_CONTROL_ALLOW_ORIGIN)) {
            this.corsHeaders.forEach((name, value) -> {
                if (HttpHeaders.VARY.equals(name)) {
                    headers.add(name, value);
                }
                else {
                    headers.set(name, value);
                }
            });
        }
    }

    Lock lock() {
        return this.writeLock;
    }

    /** Writes one encoded event (or holds it until Spring initialises the emitter), atomically. */
    void send(EncodedEvent event) throws IOException {
        Set<DataWithMediaType> items = new LinkedHashSet<>(event.pieces().size() * 2);
        for (byte[] piece : event.pieces()) {
            items.add(new DataWithMediaType(piece, MediaType.APPLICATION_OCTET_STREAM));
        }
        send(items);
    }
}
