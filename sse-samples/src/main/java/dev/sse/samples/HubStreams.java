package dev.sse.samples;

import java.time.Duration;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.TimeUnit;

import dev.sse.SseOptions;
import dev.sse.SseService;

import org.springframework.stereotype.Component;
import org.springframework.web.servlet.mvc.method.annotation.SseEmitter;

/** Streams a Hub channel to one client: replay after Last-Event-ID, then live messages, with ids. */
@Component
class HubStreams {

    private final SseService sse;

    private final Hub hub;

    HubStreams(SseService sse, Hub hub) {
        this.sse = sse;
        this.hub = hub;
    }

    /**
     * @param channel the channel
     * @param lastEventIdParam a last event id passed by a reloaded page (EventSource sends the
     * header only on its own reconnects); the header wins when both are there
     */
    SseEmitter follow(String channel, String lastEventIdParam) {
        SseOptions options = SseOptions.defaults().async(true).keepAliveInterval(Duration.ofSeconds(30));
        return this.sse.stream(options, (stream) -> {
            String lastEventId = (stream.lastEventId() != null) ? stream.lastEventId() : lastEventIdParam;
            BlockingQueue<Hub.Message> queue = this.hub.subscribe(channel, lastEventId);
            try {
                while (!stream.isClosed()) {
                    Hub.Message message = queue.poll(1, TimeUnit.SECONDS);
                    if (message != null && !stream.send(message.data(), message.event(), message.id())) {
                        return;
                    }
                }
            }
            finally {
                this.hub.unsubscribe(channel, queue);
            }
        });
    }
}
