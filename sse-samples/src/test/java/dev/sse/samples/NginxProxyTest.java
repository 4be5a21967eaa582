package dev.sse.samples;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;

import okhttp3.OkHttpClient;
import okhttp3.Request;
import okhttp3.Response;
import okhttp3.sse.EventSource;
import okhttp3.sse.EventSourceListener;
import okhttp3.sse.EventSources;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.context.SpringBootTest.WebEnvironment;
import org.springframework.boot.test.web.server.LocalServerPort;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The samples behind a real nginx (Debian's package; src/test/browser/setup.sh installs
 * it when missing) with nginx's defaults: proxy buffering on, and a
 * {@code proxy_read_timeout} of 2 s here. Each event crosses nginx on its own, with no
 * later byte to push it out of a buffer; an idle stream outlives the read timeout on
 * keep-alive comments.
 */
@SpringBootTest(webEnvironment = WebEnvironment.RANDOM_PORT,
		properties = { "sse.keep-alive-interval=500ms", "logging.file.name=target/nginx-test-logs/samples.log" })
class NginxProxyTest {

	private static final Duration WAIT = Duration.ofSeconds(10);

	private static final OkHttpClient HTTP = new OkHttpClient.Builder().readTimeout(Duration.ZERO).build();

	private static Process nginx;

	private static int nginxPort;

	@LocalServerPort
	private int port;

	@TempDir
	static Path dir;

	private static Path nginxBinary() {
		for (String candidate : List.of("/usr/sbin/nginx", "/usr/local/sbin/nginx", "/usr/bin/nginx")) {
			if (Files.isExecutable(Path.of(candidate))) {
				return Path.of(candidate);
			}
		}
		return null;
	}

	@BeforeAll
	static void binaryIsThere() {
		Assumptions.assumeTrue(nginxBinary() != null,
				"nginx is missing (setup.sh installs Debian's package when the build runs as root): "
						+ "apt-get install nginx");
	}

	@AfterAll
	static void stopNginx() throws InterruptedException {
		if (nginx != null) {
			nginx.destroy();
			if (!nginx.waitFor(5, TimeUnit.SECONDS)) {
				nginx.destroyForcibly();
			}
		}
	}

	private void startNginx() throws Exception {
		if (nginx != null) {
			return;
		}
		try (ServerSocket socket = new ServerSocket(0)) {
			nginxPort = socket.getLocalPort();
		}
		String conf = """
				daemon off;
				master_process off;
				worker_processes 1;
				pid %1$s/nginx.pid;
				error_log %1$s/error.log warn;
				events { worker_connections 256; }
				http {
				    access_log off;
				    client_body_temp_path %1$s/body;
				    proxy_temp_path %1$s/proxy;
				    fastcgi_temp_path %1$s/fastcgi;
				    uwsgi_temp_path %1$s/uwsgi;
				    scgi_temp_path %1$s/scgi;
				    server {
				        listen 127.0.0.1:%2$d;
				        location / {
				            proxy_pass http://127.0.0.1:%3$d;
				            proxy_http_version 1.1;
				            proxy_set_header Connection "";
				            proxy_read_timeout 2s;
				            # proxy_buffering: nginx's default, on
				        }
				    }
				}
				""".formatted(dir, nginxPort, this.port);
		Path file = dir.resolve("nginx.conf");
		Files.writeString(file, conf);
		nginx = new ProcessBuilder(nginxBinary().toString(), "-p", dir.toString(), "-c", file.toString())
			.redirectErrorStream(true)
			.redirectOutput(dir.resolve("nginx.out").toFile())
			.start();
		await().atMost(WAIT).until(() -> {
			try (Socket probe = new Socket()) {
				probe.connect(new InetSocketAddress("127.0.0.1", nginxPort), 200);
				return true;
			}
			catch (IOException ex) {
				assertThat(nginx.isAlive()).as("nginx: %s", Files.readString(dir.resolve("nginx.out"))).isTrue();
				return false;
			}
		});
	}

	record Arrival(String data, long nanos) {
	}

	private EventSource listen(String path, BlockingQueue<Arrival> arrivals, AtomicReference<String> ended) {
		return EventSources.createFactory(HTTP)
			.newEventSource(new Request.Builder().url("http://127.0.0.1:" + nginxPort + path).build(),
					new EventSourceListener() {
						@Override
						public void onEvent(EventSource source, String id, String type, String data) {
							arrivals.add(new Arrival(data, System.nanoTime()));
						}

						@Override
						public void onClosed(EventSource source) {
							ended.set("closed");
						}

						@Override
						public void onFailure(EventSource source, Throwable t, Response response) {
							ended.set("failed: " + t + " " + response);
						}
					});
	}

	private void post(String path, String json) throws Exception {
		HttpResponse<String> response = HttpClient.newHttpClient()
			.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + this.port + path))
				.header("Content-Type", "application/json")
				.POST(HttpRequest.BodyPublishers.ofString(json))
				.build(), HttpResponse.BodyHandlers.ofString());
		assertThat(response.statusCode()).isEqualTo(200);
	}

	@Test
	void eachEventCrossesTheBufferingProxyOnItsOwn() throws Exception {
		startNginx();
		BlockingQueue<Arrival> arrivals = new LinkedBlockingQueue<>();
		AtomicReference<String> ended = new AtomicReference<>();
		EventSource source = listen("/api/chat/nginx/stream", arrivals, ended);
		try {
			await().atMost(WAIT).until(() -> subscribers("chat:nginx") == 1);
			List<Long> latencies = new ArrayList<>();
			for (int i = 0; i < 20; i++) {
				long sent = System.nanoTime();
				post("/api/chat/nginx", "{\"user\":\"proxy\",\"text\":\"m" + i + "\"}");
				// Nothing else is sent until it arrives: a proxy that buffered it would
				// hold it until the wait gives up.
				Arrival arrival = arrivals.poll(WAIT.toMillis(), TimeUnit.MILLISECONDS);
				assertThat(arrival).as("event %d through nginx (%s)", i, ended.get()).isNotNull();
				assertThat(arrival.data()).contains("\"text\":\"m" + i + "\"");
				latencies.add((arrival.nanos() - sent) / 1_000);
			}
			latencies.sort(null);
			System.out.printf("publish to client through nginx: median %d us, max %d us%n",
					latencies.get(latencies.size() / 2), latencies.get(latencies.size() - 1));
		}
		finally {
			source.cancel();
		}
	}

	@Test
	void anIdleStreamOutlivesTheProxyReadTimeout() throws Exception {
		startNginx();
		BlockingQueue<Arrival> arrivals = new LinkedBlockingQueue<>();
		AtomicReference<String> ended = new AtomicReference<>();
		EventSource source = listen("/api/chat/idle/stream", arrivals, ended);
		try {
			await().atMost(WAIT).until(() -> subscribers("chat:idle") == 1);
			// Three times nginx's proxy_read_timeout with no event: only keep-alive
			// comments.
			await().during(Duration.ofSeconds(6)).atMost(Duration.ofSeconds(8)).until(() -> ended.get() == null);
			post("/api/chat/idle", "{\"user\":\"proxy\",\"text\":\"still here\"}");
			Arrival arrival = arrivals.poll(WAIT.toMillis(), TimeUnit.MILLISECONDS);
			assertThat(arrival).as("the stream is still open (%s)", ended.get()).isNotNull();
			assertThat(arrival.data()).contains("still here");
		}
		finally {
			source.cancel();
		}
	}

	private int subscribers(String topic) throws Exception {
		HttpResponse<String> response = HttpClient.newHttpClient()
			.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + this.port + "/actuator/sse")).build(),
					HttpResponse.BodyHandlers.ofString());
		return response.body().split("\"" + topic + "\"", -1).length - 1;
	}

}
