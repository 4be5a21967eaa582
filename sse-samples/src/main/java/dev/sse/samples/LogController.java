package dev.sse.samples;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.time.Duration;
import java.util.Map;
import java.util.Objects;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import dev.sse.SseOptions;
import dev.sse.SseService;
import dev.sse.SseStream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import org.springframework.core.env.Environment;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RestController;
import org.springframework.web.servlet.mvc.method.annotation.SseEmitter;

/**
 * The docs' "Log Streaming": tails the log file this application writes
 * ({@code logging.file.name}) and sends each new line as a {@code log} event with its
 * level and timestamp. Survives the file being truncated or rotated (a new file under the
 * same name).
 */
@RestController
class LogController {

	private static final Logger demo = LoggerFactory.getLogger("samples.demo");

	/**
	 * Spring Boot's file log line: timestamp, level, pid, "---", [app] [thread], logger,
	 * ":", message.
	 */
	private static final Pattern LINE = Pattern.compile(
			"^(\\S+)\\s+(TRACE|DEBUG|INFO|WARN|ERROR)\\s+\\d+\\s+---\\s+(?:\\[[^\\]]*\\]\\s+)*(\\S+)\\s*:\\s?(.*)$");

	record LogEntry(String level, String message, String timestamp, String logger) {
	}

	private final SseService sse;

	private final Path file;

	LogController(SseService sse, Environment environment) {
		this.sse = sse;
		this.file = Path.of(Objects.requireNonNull(environment.getProperty("logging.file.name"),
				"logging.file.name must be set for the log streaming sample"));
	}

	/** Writes a line to the application's log, as any code of the application would. */
	@PostMapping("/api/logs")
	Map<String, String> write(@RequestBody Map<String, String> body) {
		String level = body.getOrDefault("level", "INFO");
		String message = body.getOrDefault("message", "");
		switch (level) {
			case "ERROR" -> demo.error(message);
			case "WARN" -> demo.warn(message);
			case "DEBUG" -> demo.debug(message);
			default -> demo.info(message);
		}
		return Map.of("level", level, "message", message);
	}

	@GetMapping("/api/logs/stream")
	SseEmitter tail() {
		SseOptions options = SseOptions.defaults().async(true).keepAliveInterval(Duration.ofSeconds(15));
		return this.sse.stream(options, (stream) -> new Tail(this.file).follow(stream));
	}

	/** Follows one file from its current end. */
	private static final class Tail {

		private final Path file;

		private long position;

		private Object fileKey;

		private final StringBuilder partial = new StringBuilder();

		Tail(Path file) throws IOException {
			this.file = file;
			if (Files.exists(file)) {
				BasicFileAttributes attributes = Files.readAttributes(file, BasicFileAttributes.class);
				this.position = attributes.size();
				this.fileKey = attributes.fileKey();
			}
		}

		void follow(SseStream stream) throws Exception {
			while (!stream.isClosed()) {
				readNewLines(stream);
				Thread.sleep(200);
			}
		}

		private void readNewLines(SseStream stream) throws IOException {
			if (!Files.exists(this.file)) {
				return;
			}
			BasicFileAttributes attributes = Files.readAttributes(this.file, BasicFileAttributes.class);
			if (attributes.size() < this.position || !Objects.equals(attributes.fileKey(), this.fileKey)) {
				// Truncated or rotated: start over on the file now under that name.
				this.position = 0;
				this.partial.setLength(0);
				this.fileKey = attributes.fileKey();
			}
			if (attributes.size() == this.position) {
				return;
			}
			try (RandomAccessFile in = new RandomAccessFile(this.file.toFile(), "r")) {
				in.seek(this.position);
				byte[] bytes = new byte[(int) Math.min(attributes.size() - this.position, 1 << 20)];
				in.readFully(bytes);
				this.position += bytes.length;
				this.partial.append(new String(bytes, StandardCharsets.UTF_8));
			}
			int newline;
			while ((newline = this.partial.indexOf("\n")) >= 0) {
				String line = this.partial.substring(0, newline).stripTrailing();
				this.partial.delete(0, newline + 1);
				Matcher m = LINE.matcher(line);
				if (m.matches()) {
					stream.send(new LogEntry(m.group(2), m.group(4), m.group(1), m.group(3)), "log");
				}
				else if (!line.isBlank()) {
					stream.send(new LogEntry("INFO", line, "", ""), "log");
				}
			}
		}

	}

}
