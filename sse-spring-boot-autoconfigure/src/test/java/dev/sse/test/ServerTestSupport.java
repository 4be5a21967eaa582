package dev.sse.test;

import java.time.Duration;

import org.junit.jupiter.api.BeforeEach;

import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.boot.web.server.context.WebServerApplicationContext;

import static org.assertj.core.api.Assertions.assertThat;

/** Shared by the tests that run {@link TestApp} on a random port. */
public abstract class ServerTestSupport {

	protected static final Duration WAIT = Duration.ofSeconds(10);

	@LocalServerPort
	protected int port;

	@Autowired
	protected Signals signals;

	@Autowired
	private WebServerApplicationContext context;

	@BeforeEach
	void runsOnTheExpectedContainer() {
		this.signals.reset();
		assertThat(this.context.getWebServer().getClass().getSimpleName().toLowerCase())
			.contains(TestApp.expectedContainer());
	}

}
