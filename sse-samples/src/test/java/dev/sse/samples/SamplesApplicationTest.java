package dev.sse.samples;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import okhttp3.OkHttpClient;
import okhttp3.Request;
import okhttp3.Response;
import okhttp3.sse.EventSource;
import okhttp3.sse.EventSourceListener;
import okhttp3.sse.EventSources;
import org.junit.jupiter.api.Test;

import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.context.SpringBootTest.WebEnvironment;
import org.springframework.boot.test.web.server.LocalServerPort;

import static org.assertj.core.api.Assertions.assertThat;

/** The samples' endpoints, read by a spec-compliant SSE client. */
@SpringBootTest(webEnvironment = WebEnvironment.RANDOM_PORT)
class SamplesApplicationTest {

	private static final OkHttpClient HTTP = new OkHttpClient.Builder().readTimeout(Duration.ZERO).build();

	@LocalServerPort
	private int port;

	@Autowired
	private TokenGenerator model;

	record Event(String type, String data) {
	}

	private List<Event> readAll(String path) throws InterruptedException {
		List<Event> events = new ArrayList<>();
		CountDownLatch done = new CountDownLatch(1);
		EventSource source = EventSources.createFactory(HTTP)
			.newEventSource(new Request.Builder().url("http://127.0.0.1:" + this.port + path).build(),
					new EventSourceListener() {
						@Override
						public void onEvent(EventSource s, String id, String type, String data) {
							synchronized (events) {
								events.add(new Event((type != null) ? type : "message", data));
							}
						}

						@Override
						public void onClosed(EventSource s) {
							done.countDown();
						}

						@Override
						public void onFailure(EventSource s, Throwable t, Response response) {
							done.countDown();
						}
					});
		assertThat(done.await(20, TimeUnit.SECONDS)).as("stream ended").isTrue();
		source.cancel();
		synchronized (events) {
			return List.copyOf(events);
		}
	}

	@Test
	void basicSendsFiveEvents() throws Exception {
		assertThat(readAll("/api/basic")).extracting(Event::type)
			.containsExactly("message", "update", "update", "update", "done");
	}

	@Test
	void theAiAnswerArrivesTokenByTokenAndWhole() throws Exception {
		List<Event> events = readAll("/api/ai/stream?prompt=Why%20SSE&delayMillis=0");
		List<String> tokens = this.model.tokens("Why SSE");
		assertThat(events).hasSize(tokens.size() + 1);
		assertThat(events.subList(0, tokens.size())).extracting(Event::data).containsExactlyElementsOf(tokens);
		assertThat(events.get(tokens.size()))
			.isEqualTo(new Event("done", "{\"complete\":true,\"total\":" + tokens.size() + "}"));
	}

	@Test
	void aPrometheusScrapeShowsTheSseMeters() throws Exception {
		readAll("/api/basic");
		try (Response response = HTTP
			.newCall(new Request.Builder().url("http://127.0.0.1:" + this.port + "/api/chat/lobby")
				.post(okhttp3.RequestBody.create("{\"text\":\"hi\"}", okhttp3.MediaType.get("application/json")))
				.build())
			.execute()) {
			assertThat(response.code()).isEqualTo(200);
		}
		String scrape;
		try (Response response = HTTP
			.newCall(new Request.Builder().url("http://127.0.0.1:" + this.port + "/actuator/prometheus").build())
			.execute()) {
			assertThat(response.code()).isEqualTo(200);
			scrape = response.body().string();
		}
		assertThat(scrape).contains("sse_connections_active_seconds_count{mode=\"sync\",uri=\"/api/basic\"} 0")
			.contains("sse_connections_opened_total{mode=\"sync\",uri=\"/api/basic\"}")
			.contains("sse_connections_closed_total{mode=\"sync\",reason=\"completed\",uri=\"/api/basic\"}")
			.containsPattern("sse_events_sent_total\\{mode=\"sync\",uri=\"/api/basic\"} (5|10|15)\\.0")
			.contains("sse_events_bytes_total{mode=\"sync\",uri=\"/api/basic\"}")
			.contains("sse_connections_duration_seconds_count{mode=\"sync\",uri=\"/api/basic\"}")
			.containsPattern("sse_callbacks_running\\{mode=\"async\"} [0-9.]+");
		// The streams' requests are left out of http.server.requests (only sse.* measures
		// them); others stay.
		assertThat(scrape.lines().filter((line) -> line.startsWith("http_server_requests_seconds_count{")))
			.anySatisfy((line) -> assertThat(line).contains("uri=\"/api/chat/{channel}\""))
			.noneSatisfy((line) -> assertThat(line).contains("uri=\"/api/basic\""));
	}

	@Test
	void progressReachesOneHundredPercent() throws Exception {
		List<Event> events = readAll("/api/progress?stepMillis=0");
		assertThat(events).filteredOn((e) -> e.type().equals("progress"))
			.hasSize(5)
			.last()
			.satisfies((e) -> assertThat(e.data()).contains("\"progress\":100"));
		assertThat(events).last().isEqualTo(new Event("done", "{\"complete\":true}"));
	}

}
