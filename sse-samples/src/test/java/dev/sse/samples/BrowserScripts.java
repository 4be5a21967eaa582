package dev.sse.samples;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Assumptions;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Runs the Node scripts of src/test/browser (installed with Chromium by setup.sh during
 * the Maven build) and reads the one JSON line each prints.
 */
final class BrowserScripts {

	static final Path BROWSER = Path.of("target/browser");

	static final Path SHOTS = Path.of("target/screenshots");

	private static final JsonMapper JSON = JsonMapper.builder().build();

	private BrowserScripts() {
	}

	/**
	 * Fails unless setup.sh installed the browser, or skips where it said it could not.
	 */
	static void requireInstalled() throws IOException {
		Path skipped = BROWSER.resolve("SKIPPED");
		// setup.sh could not install Chromium or Node here (not root): it said why,
		// loudly.
		Assumptions.assumeFalse(Files.exists(skipped),
				() -> "Browser tests skipped: " + readQuietly(skipped) + " (see src/test/browser/setup.sh)");
		assertThat(BROWSER.resolve("node_modules/playwright-core")).as("run by mvn verify: setup.sh").isDirectory();
		Files.createDirectories(SHOTS);
	}

	private static String readQuietly(Path file) {
		try {
			return Files.readString(file).trim();
		}
		catch (IOException ex) {
			return "unknown reason";
		}
	}

	static JsonNode run(String script, String... args) throws Exception {
		List<String> command = new ArrayList<>(List.of("node", script));
		command.addAll(List.of(args));
		Process process = new ProcessBuilder(command).directory(BROWSER.toFile()).redirectErrorStream(false).start();
		process.getOutputStream().close();
		byte[] out;
		byte[] err;
		try (var stdout = process.getInputStream(); var stderr = process.getErrorStream()) {
			out = stdout.readAllBytes();
			err = stderr.readAllBytes();
		}
		assertThat(process.waitFor(90, TimeUnit.SECONDS)).isTrue();
		String output = new String(out, StandardCharsets.UTF_8).trim();
		assertThat(process.exitValue())
			.as("%s %s failed: %s", script, List.of(args), new String(err, StandardCharsets.UTF_8))
			.isZero();
		return JSON.readTree(output.substring(output.lastIndexOf('\n') + 1));
	}

	/** The browser script's scenario against a base URL. */
	static JsonNode browser(String scenario, String base, String arg) throws Exception {
		return run("browser.mjs", scenario, base, SHOTS.toAbsolutePath().toString(), arg);
	}

}
