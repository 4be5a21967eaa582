package dev.sse.it.wire;

import dev.sse.test.EventClient;
import dev.sse.test.ServerTestSupport;
import dev.sse.test.TestApp;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.context.SpringBootTest.WebEnvironment;
import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * EventSource clients put their access token in the query string: it never reaches a log
 * line.
 */
@ExtendWith(OutputCaptureExtension.class)
@SpringBootTest(classes = TestApp.class, webEnvironment = WebEnvironment.RANDOM_PORT,
		properties = "logging.level.dev.sse=DEBUG")
class LogPrivacyTest extends ServerTestSupport {

	@Test
	void theQueryStringIsNeverLogged(CapturedOutput output) throws Exception {
		try (EventClient client = EventClient.connect(this.port, "/fail?access_token=s3cr3t-t0ken")) {
			client.awaitClosed(WAIT);
		}
		await().atMost(WAIT).until(() -> output.getOut().contains("SSE callback of GET /fail failed"));
		await().atMost(WAIT).until(() -> output.getOut().contains("SSE stream GET /fail ended (error)"));
		assertThat(output.getAll()).doesNotContain("s3cr3t-t0ken");
	}

}
