package dev.sse.internal.wire;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;

import okhttp3.sse.internal.ServerSentEventReader;
import okio.Buffer;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;

/**
 * Whatever the data (every Unicode plane, CR, LF, CRLF, NUL, lone surrogates, field names
 * inside it, sizes far past the chunk size), the bytes the encoder writes parse back,
 * with OkHttp's SSE parser (written independently of this encoder), to exactly one event
 * with the same name, id and data; comments dispatch nothing; names and ids that would
 * inject a field are refused. A seeded random loop: the seed is printed, and
 * {@code -Dsse.seed=N} replays it.
 */
class EncoderPropertyTest {

	private static final String[] TOKENS = { "\n", "\r", "\r\n", "\n\n", "\0", ":", " ", "data: x", "event: e", "id: 1",
			"retry: 1", "\uD83D\uDE00", "\u00E9", "\u4E2D", "\uD800", "\uDC00", "\uFEFF", "\u2028" };

	record Parsed(@Nullable String id, @Nullable String type, String data) {
	}

	private static List<Parsed> parse(byte[] bytes) throws IOException {
		List<Parsed> events = new ArrayList<>();
		List<Long> retries = new ArrayList<>();
		Buffer source = new Buffer().write(bytes);
		ServerSentEventReader reader = new ServerSentEventReader(source, new ServerSentEventReader.Callback() {
			@Override
			public void onEvent(@Nullable String id, @Nullable String type, String data) {
				events.add(new Parsed(id, type, data));
			}

			@Override
			public void onRetryChange(long timeMs) {
				retries.add(timeMs);
			}
		});
		while (reader.processNextEvent()) {
			// until the bytes run out
		}
		assertThat(retries).as("retry fields").isEmpty();
		return events;
	}

	private static byte[] bytes(EncodedEvent encoded) {
		ByteArrayOutputStream out = new ByteArrayOutputStream();
		for (byte[] piece : encoded.pieces()) {
			out.writeBytes(piece);
		}
		assertThat((long) out.size()).isEqualTo(encoded.length());
		return out.toByteArray();
	}

	/** What UTF-8 can carry of a string: a lone surrogate becomes '?'. */
	private static String utf8(String text) {
		return new String(text.getBytes(StandardCharsets.UTF_8), StandardCharsets.UTF_8);
	}

	/** A client sees every line break of the data as LF. */
	private static String asClientSees(String data) {
		return utf8(data).replace("\r\n", "\n").replace('\r', '\n');
	}

	private static String randomText(Random random, int maxParts) {
		StringBuilder text = new StringBuilder();
		int parts = random.nextInt(maxParts + 1);
		for (int i = 0; i < parts; i++) {
			switch (random.nextInt(4)) {
				case 0 -> text.append(TOKENS[random.nextInt(TOKENS.length)]);
				case 1 -> text.appendCodePoint(0x20 + random.nextInt(0x5F));
				case 2 -> text.appendCodePoint(random.nextInt(0xD800));
				default -> text.appendCodePoint(0x10000 + random.nextInt(0x10FFFF - 0x10000));
			}
		}
		return text.toString();
	}

	private static String without(String text, String forbidden) {
		StringBuilder kept = new StringBuilder();
		text.codePoints().filter((c) -> forbidden.indexOf(c) < 0).forEach(kept::appendCodePoint);
		return kept.toString();
	}

	@Test
	void anyEventParsesBackToItselfAndAnyCommentToNothing() throws IOException {
		long seed = Long.getLong("sse.seed", System.nanoTime());
		System.out.println("EncoderPropertyTest seed " + seed + " (replay with -Dsse.seed=" + seed + ")");
		Random random = new Random(seed);
		for (int round = 0; round < 3000; round++) {
			// The smallest chunks too (64 bytes), so that pieces split lines everywhere.
			SseEncoder encoder = new SseEncoder(random.nextBoolean() ? 64 + random.nextInt(64) : 32 * 1024);
			String data = randomText(random, 40);
			if (round % 500 == 499) {
				// Far past any chunk: 256 KiB to 1 MiB.
				StringBuilder big = new StringBuilder();
				while (big.length() < (256 << 10) + random.nextInt(768 << 10)) {
					big.append(randomText(random, 200));
				}
				data = big.toString();
			}
			String name = random.nextInt(3) == 0 ? null : without(randomText(random, 8), "\r\n");
			if (name != null && name.isEmpty()) {
				name = null;
			}
			String id = random.nextInt(3) == 0 ? null : without(randomText(random, 6), "\r\n\0");
			if (id != null && id.isEmpty()) {
				id = null;
			}
			String what = "seed " + seed + ", round " + round;
			List<Parsed> events = parse(bytes(encoder.event(name, id, data)));
			assertThat(events).as(what).hasSize(1);
			Parsed event = events.get(0);
			assertThat(event.data()).as(what + ": data").isEqualTo(asClientSees(data));
			assertThat(event.type()).as(what + ": name").isEqualTo((name != null) ? utf8(name) : null);
			assertThat(event.id()).as(what + ": id").isEqualTo((id != null) ? utf8(id) : null);
			assertThat(parse(bytes(encoder.comment(randomText(random, 20))))).as(what + ": comment").isEmpty();
		}
	}

	@Test
	void namesAndIdsThatWouldEndTheirFieldAreRefused() {
		SseEncoder encoder = new SseEncoder(1024);
		for (String hostile : List.of("a\ndata: injected", "a\rretry: 1", "a\r\nid: 9", "\n")) {
			assertThatIllegalArgumentException().isThrownBy(() -> encoder.event(hostile, null, "x"))
				.withMessageContaining("event name");
			assertThatIllegalArgumentException().isThrownBy(() -> encoder.event(null, hostile, "x"))
				.withMessageContaining("event id");
		}
		assertThatIllegalArgumentException().isThrownBy(() -> encoder.event(null, "a\0b", "x"))
			.withMessageContaining("NUL");
	}

}
