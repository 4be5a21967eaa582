package dev.sse.internal.actuate;

import java.time.Duration;
import java.time.Instant;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

import dev.sse.spi.SseStreamInfo;
import dev.sse.spi.SseStreams;
import dev.sse.spi.StreamMode;
import org.jspecify.annotations.Nullable;

import org.springframework.boot.actuate.endpoint.Access;
import org.springframework.boot.actuate.endpoint.OperationResponseBody;
import org.springframework.boot.actuate.endpoint.SecurityContext;
import org.springframework.boot.actuate.endpoint.Show;
import org.springframework.boot.actuate.endpoint.annotation.DeleteOperation;
import org.springframework.boot.actuate.endpoint.annotation.Endpoint;
import org.springframework.boot.actuate.endpoint.annotation.ReadOperation;
import org.springframework.boot.actuate.endpoint.annotation.Selector;
import org.springframework.boot.actuate.endpoint.web.WebEndpointResponse;

/**
 * {@code /actuator/sse}: totals and the open streams, newest first; one stream by id; and
 * {@code DELETE} to close a runaway stream (reason {@code evicted}). Read-only unless the
 * operator grants more ({@code management.endpoint.sse.access=unrestricted}), and not
 * exposed over the web unless the application exposes it, like every Actuator endpoint.
 * Client addresses are shown as {@code management.endpoint.sse.show-values} says, the way
 * Boot's env endpoint shows values. Its JSON is shaped by Actuator's own mapper, not the
 * application's.
 */
@Endpoint(id = "sse", defaultAccess = Access.READ_ONLY)
public class SseEndpoint {

	private static final int DEFAULT_LIMIT = 100;

	private static final String MASK = "******";

	private final SseStreams service;

	private final Map<String, Object> limits;

	private final Show showValues;

	private final Set<String> roles;

	/**
	 * @param service the streams
	 * @param limits the configured limits to report
	 * @param showValues when client addresses are shown
	 * @param roles the roles that see them with {@link Show#WHEN_AUTHORIZED}
	 */
	public SseEndpoint(SseStreams service, Map<String, Object> limits, Show showValues, Set<String> roles) {
		this.service = service;
		this.limits = limits;
		this.showValues = showValues;
		this.roles = roles;
	}

	/**
	 * Totals and the newest open streams.
	 * @param securityContext who asks
	 * @param limit how many streams to list at most (default 100)
	 * @return the report
	 */
	@ReadOperation
	public StreamsReport streams(SecurityContext securityContext, @Nullable Integer limit) {
		int max = (limit != null && limit >= 0) ? limit : DEFAULT_LIMIT;
		boolean show = this.showValues.isShown(securityContext, this.roles);
		List<SseStreamInfo> all = this.service.streams();
		Map<String, Integer> byMode = new LinkedHashMap<>();
		for (StreamMode mode : StreamMode.values()) {
			byMode.put(mode.tag(), 0);
		}
		for (SseStreamInfo stream : all) {
			byMode.merge(stream.mode().tag(), 1, Integer::sum);
		}
		Instant now = Instant.now();
		List<StreamDescriptor> newest = all.stream()
			.sorted(Comparator.comparing(SseStreamInfo::openedAt).reversed())
			.limit(max)
			.map((stream) -> StreamDescriptor.of(stream, now, show))
			.toList();
		return new StreamsReport(all.size(), byMode, this.limits, newest);
	}

	/**
	 * One open stream.
	 * @param securityContext who asks
	 * @param id its id
	 * @return the stream, or {@code null} (404) when no open stream has that id
	 */
	@ReadOperation
	public @Nullable StreamDescriptor stream(SecurityContext securityContext, @Selector String id) {
		SseStreamInfo stream = this.service.stream(id);
		return (stream != null)
				? StreamDescriptor.of(stream, Instant.now(), this.showValues.isShown(securityContext, this.roles))
				: null;
	}

	/**
	 * Closes an open stream.
	 * @param id its id
	 * @return what was done, or 404 when no open stream has that id
	 */
	@DeleteOperation
	public WebEndpointResponse<Closed> close(@Selector String id) {
		if (!this.service.evict(id)) {
			return new WebEndpointResponse<>(WebEndpointResponse.STATUS_NOT_FOUND);
		}
		return new WebEndpointResponse<>(new Closed(id, true, "evicted"));
	}

	/**
	 * The endpoint's report.
	 *
	 * @param active open streams
	 * @param byMode open streams by mode
	 * @param limits configured limits
	 * @param streams the newest open streams
	 */
	public record StreamsReport(int active, Map<String, Integer> byMode, Map<String, Object> limits,
			List<StreamDescriptor> streams) implements OperationResponseBody {
	}

	/**
	 * What a DELETE did.
	 *
	 * @param id the stream's id
	 * @param closed whether it was closed
	 * @param reason the close reason recorded
	 */
	public record Closed(String id, boolean closed, String reason) implements OperationResponseBody {
	}

	/**
	 * One stream, as the endpoint shows it.
	 *
	 * @param id the stream's id
	 * @param route the handler's route pattern
	 * @param mode sync, async or topic
	 * @param remoteAddress the client's address, or {@code ******} when not shown
	 * @param openedAt when it opened
	 * @param ageMillis how long it has been open
	 * @param eventsSent events sent
	 * @param bytesSent bytes written
	 * @param queuedBytes bytes waiting for the client
	 * @param lastEventId the id of the last event sent with one
	 * @param topics topics followed
	 */
	public record StreamDescriptor(String id, String route, String mode, String remoteAddress, Instant openedAt,
			long ageMillis, long eventsSent, long bytesSent, long queuedBytes, @Nullable String lastEventId,
			List<String> topics) implements OperationResponseBody {

		static StreamDescriptor of(SseStreamInfo stream, Instant now, boolean showAddress) {
			return new StreamDescriptor(stream.id(), stream.route(), stream.mode().tag(),
					showAddress ? stream.remoteAddress() : MASK, stream.openedAt(),
					Duration.between(stream.openedAt(), now).toMillis(), stream.eventsSent(), stream.bytesSent(),
					stream.queuedBytes(), stream.lastSentEventId(), stream.topics());
		}
	}

}
