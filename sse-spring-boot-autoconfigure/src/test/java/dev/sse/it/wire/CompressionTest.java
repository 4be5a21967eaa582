package dev.sse.it.wire;

import dev.sse.test.RawSseClient;
import dev.sse.test.ServerTestSupport;
import dev.sse.test.TestApp;
import dev.sse.test.WireTest;
import org.junit.jupiter.api.Test;

import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.context.SpringBootTest.WebEnvironment;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Streams are never compressed, even when the application compresses text/event-stream.
 */
@WireTest
@SpringBootTest(classes = TestApp.class, webEnvironment = WebEnvironment.RANDOM_PORT,
		properties = { "server.compression.enabled=true", "server.compression.min-response-size=1B",
				"server.compression.mime-types=text/event-stream,text/plain" })
class CompressionTest extends ServerTestSupport {

	@Test
	void aStreamIsSentUncompressedAndLive() throws Exception {
		try (RawSseClient raw = RawSseClient.get(this.port, "/live", "Accept-Encoding: gzip")) {
			assertThat(raw.header("Content-Encoding")).isNull();
			assertThat(raw.awaitBodyContaining("data: one\n\n", WAIT)).isEqualTo(": ok\n\ndata: one\n\n");
			this.signals.fire("live.seen-one");
			assertThat(raw.awaitEnd(WAIT)).endsWith("data: two\n\n");
		}
	}

	@Test
	void otherResponsesAreStillCompressed() throws Exception {
		try (RawSseClient raw = RawSseClient.get(this.port, "/text", "Accept-Encoding: gzip", "Accept: text/plain")) {
			raw.awaitEnd(WAIT);
			assertThat(raw.header("Content-Encoding")).isEqualTo("gzip");
		}
	}

}
