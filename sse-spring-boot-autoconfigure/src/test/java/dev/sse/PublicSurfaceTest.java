package dev.sse;

import java.io.IOException;
import java.lang.reflect.Modifier;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Stream;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The public surface is what docs/api.md lists, no more: every public type of the
 * packages users import, read from the compiled classes, against the page's list.
 */
class PublicSurfaceTest {

	private static final List<String> PACKAGES = List.of("dev.sse", "dev.sse.spi", "dev.sse.redis");

	private static final Set<String> DOCUMENTED = Set.of("dev.sse.SseCallback", "dev.sse.SseOptions",
			"dev.sse.SsePublishers", "dev.sse.SseService", "dev.sse.SseStream", "dev.sse.SseStreamRejectedException",
			"dev.sse.spi.BrokerEvent", "dev.sse.spi.CloseReason", "dev.sse.spi.DataConverter",
			"dev.sse.spi.RejectReason", "dev.sse.spi.SendFailure", "dev.sse.spi.SseBroker",
			"dev.sse.spi.SseBroker$Subscriber", "dev.sse.spi.SseBroker$Subscription", "dev.sse.spi.SseBrokerException",
			"dev.sse.spi.SseStreamInfo", "dev.sse.spi.SseStreams", "dev.sse.spi.StreamListener",
			"dev.sse.spi.StreamMode", "dev.sse.redis.RedisBrokerSettings", "dev.sse.redis.RedisSseBroker");

	@Test
	void thePublicTypesOfTheUsersPackagesAreExactlyTheDocumentedOnes() throws Exception {
		Path classes = Path.of(SseService.class.getProtectionDomain().getCodeSource().getLocation().toURI());
		Set<String> found = new TreeSet<>();
		for (String pkg : PACKAGES) {
			try (Stream<Path> files = Files.list(classes.resolve(pkg.replace('.', '/')))) {
				for (Path file : files.filter((f) -> f.toString().endsWith(".class")).toList()) {
					String name = pkg + "." + file.getFileName().toString().replace(".class", "");
					if (!name.endsWith("package-info") && isPublicAllTheWayOut(Class.forName(name))) {
						found.add(name);
					}
				}
			}
		}
		assertThat(found).containsExactlyInAnyOrderElementsOf(DOCUMENTED);
		assertThat(found).hasSizeLessThanOrEqualTo(25);
	}

	@Test
	void theApiPageListsEachOfThemAndTheirCount() throws IOException, URISyntaxException {
		String page = Files.readString(Path.of("..", "docs", "api.md"));
		assertThat(page).contains("**" + DOCUMENTED.size() + " public types**");
		for (String type : DOCUMENTED) {
			String simple = type.substring(type.lastIndexOf('.') + 1).replace("SseBroker$", "");
			assertThat(page).as(type).contains("`" + simple + "`");
		}
	}

	private static boolean isPublicAllTheWayOut(Class<?> type) {
		for (Class<?> c = type; c != null; c = c.getEnclosingClass()) {
			if (!Modifier.isPublic(c.getModifiers()) || c.isAnonymousClass() || c.isLocalClass()) {
				return false;
			}
		}
		return true;
	}

}
