package dev.sse.actuate;

import java.time.Duration;
import java.time.Instant;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import dev.sse.stream.DefaultSseService;
import dev.sse.stream.SseStreamInfo;
import org.jspecify.annotations.Nullable;

import org.springframework.boot.actuate.endpoint.annotation.DeleteOperation;
import org.springframework.boot.actuate.endpoint.annotation.Endpoint;
import org.springframework.boot.actuate.endpoint.annotation.ReadOperation;
import org.springframework.boot.actuate.endpoint.annotation.Selector;
import org.springframework.boot.actuate.endpoint.web.WebEndpointResponse;

/**
 * {@code /actuator/sse}: totals and the open streams, newest first; one stream by id; and
 * {@code DELETE} to close a runaway stream (reason {@code evicted}). Not exposed over the web
 * unless the application exposes it, like every Actuator endpoint.
 */
@Endpoint(id = "sse")
public class SseEndpoint {

    private static final int DEFAULT_LIMIT = 100;

    private final DefaultSseService service;

    private final Map<String, Object> limits;

    /**
     * @param service the streams
     * @param limits the configured limits to report
     */
    public SseEndpoint(DefaultSseService service, Map<String, Object> limits) {
        this.service = service;
        this.limits = limits;
    }

    /**
     * Totals and the newest open streams.
     * @param limit how many streams to list at most (default 100)
     * @return the report
     */
    @ReadOperation
    public StreamsReport streams(@Nullable Integer limit) {
        int max = (limit != null && limit >= 0) ? limit : DEFAULT_LIMIT;
        List<SseStreamInfo> all = this.service.streams();
        Map<String, Integer> byMode = new LinkedHashMap<>();
        byMode.put("sync", 0);
        byMode.put("async", 0);
        byMode.put("topic", 0);
        for (SseStreamInfo stream : all) {
            byMode.merge(stream.mode(), 1, Integer::sum);
        }
        Instant now = Instant.now();
        List<StreamDescriptor> newest = all.stream()
            .sorted(Comparator.comparing(SseStreamInfo::openedAt).reversed())
            .limit(max)
            .map((stream) -> StreamDescriptor.of(stream, now))
            .toList();
        return new StreamsReport(all.size(), byMode, this.limits, newest);
    }

    /**
     * One open stream.
     * @param id its id
     * @return the stream, or {@code null} (404) when no open stream has that id
     */
    @ReadOperation
    public @Nullable StreamDescriptor stream(@Selector String id) {
        SseStreamInfo stream = this.service.stream(id);
        return (stream != null) ? StreamDescriptor.of(stream, Instant.now()) : null;
    }

    /**
     * Closes an open stream.
     * @param id its id
     * @return what was done, or 404 when no open stream has that id
     */
    @DeleteOperation
    public WebEndpointResponse<Map<String, Object>> close(@Selector String id) {
        if (!this.service.evict(id)) {
            return new WebEndpointResponse<>(WebEndpointResponse.STATUS_NOT_FOUND);
        }
        return new WebEndpointResponse<>(Map.of("id", id, "closed", true, "reason", "evicted"));
    }

    /**
     * The endpoint's report.
     * @param active open streams
     * @param byMode open streams by mode
     * @param limits configured limits
     * @param streams the newest open streams
     */
    public record StreamsReport(int active, Map<String, Integer> byMode, Map<String, Object> limits,
            List<StreamDescriptor> streams) {
    }

    /**
     * One stream, as the endpoint shows it.
     * @param id the stream's id
     * @param route the handler's route pattern
     * @param mode sync, async or topic
     * @param remoteAddress the client's address
     * @param openedAt when it opened
     * @param ageMillis how long it has been open
     * @param eventsSent events sent
     * @param bytesSent bytes written
     * @param lastEventId the id of the last event sent with one
     * @param topics topics followed
     */
    public record StreamDescriptor(String id, String route, String mode, String remoteAddress, Instant openedAt,
            long ageMillis, long eventsSent, long bytesSent, @Nullable String lastEventId, List<String> topics) {

        static StreamDescriptor of(SseStreamInfo stream, Instant now) {
            return new StreamDescriptor(stream.id(), stream.route(), stream.mode(), stream.remoteAddress(),
                    stream.openedAt(), Duration.between(stream.openedAt(), now).toMillis(), stream.eventsSent(),
                    stream.bytesSent(), stream.lastSentEventId(), stream.topics());
        }
    }
}
