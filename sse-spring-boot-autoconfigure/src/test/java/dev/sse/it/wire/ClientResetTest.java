package dev.sse.it.wire;

import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;

import dev.sse.internal.stream.DefaultSseService;
import dev.sse.test.ContainerProbe;
import dev.sse.test.ServerTestSupport;
import dev.sse.test.TestApp;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.context.SpringBootTest.WebEnvironment;
import org.springframework.boot.web.server.context.WebServerApplicationContext;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Clients that reset the connection while their stream opens, before or just after the
 * first bytes: every request is completed, for every kind of stream. (On Tomcat a request
 * left in async processing is held until it is, and makes a graceful shutdown wait its
 * full timeout: a plain {@code SseEmitter} whose first write meets a reset is left so.)
 */
@SpringBootTest(classes = TestApp.class, webEnvironment = WebEnvironment.RANDOM_PORT,
		properties = { "sse.disconnect-detection-interval=400ms", "sse.keep-alive-interval=0" })
class ClientResetTest extends ServerTestSupport {

	@Autowired
	private DefaultSseService service;

	@Autowired
	private WebServerApplicationContext context;

	@ParameterizedTest(name = "{0}, reading the opening first: {1}")
	@CsvSource({ "/topics/subscribe?topic=reset,false", "/topics/subscribe?topic=reset,true", "/idle?async=true,false",
			"/idle?async=true,true", "/idle?async=false,false", "/idle?async=false,true" })
	void everyRequestIsCompletedWhenClientsResetWhileTheirStreamOpens(String path, boolean readOpening)
			throws Exception {
		for (int i = 0; i < 20; i++) {
			try (Socket socket = new Socket("127.0.0.1", this.port)) {
				OutputStream out = socket.getOutputStream();
				out.write(("GET " + path + " HTTP/1.1\r\nHost: x\r\nAccept: text/event-stream\r\n\r\n")
					.getBytes(StandardCharsets.US_ASCII));
				out.flush();
				if (readOpening) {
					assertThat(socket.getInputStream().read(new byte[8192])).isPositive();
				}
				// An RST, not a FIN: the next write to this connection fails at once.
				socket.setSoLinger(true, 0);
			}
		}
		await().atMost(WAIT).until(() -> this.service.openStreams() == 0);
		await().atMost(WAIT)
			.untilAsserted(
					() -> assertThat(ContainerProbe.asyncRequestsInProgress(this.context.getWebServer())).isZero());
	}

}
