package dev.sse.internal.wire;

import java.nio.charset.StandardCharsets;
import java.time.Duration;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;

class SseEncoderTest {

	private final SseEncoder encoder = new SseEncoder(32 * 1024);

	@Test
	void writesNameIdAndDataLines() {
		assertThat(this.encoder.event("update", "7", "hello").asString())
			.isEqualTo("event: update\nid: 7\ndata: hello\n\n");
	}

	@Test
	void leavesOutAnEmptyOrMissingNameAndAMissingId() {
		assertThat(this.encoder.event(null, null, "x").asString()).isEqualTo("data: x\n\n");
		assertThat(this.encoder.event("", null, "x").asString()).isEqualTo("data: x\n\n");
	}

	@Test
	void writesAnEmptyIdSoTheClientResetsItsLastEventId() {
		assertThat(this.encoder.event(null, "", "x").asString()).isEqualTo("id: \ndata: x\n\n");
	}

	@Test
	void everyKindOfLineBreakStartsANewDataLine() {
		assertThat(this.encoder.event(null, null, "a\nb\r\nc\rd").asString())
			.isEqualTo("data: a\ndata: b\ndata: c\ndata: d\n\n");
	}

	@Test
	void keepsATrailingBreakAndTheEmptyString() {
		assertThat(this.encoder.event(null, null, "a\n").asString()).isEqualTo("data: a\ndata: \n\n");
		assertThat(this.encoder.event(null, null, "\n").asString()).isEqualTo("data: \ndata: \n\n");
		assertThat(this.encoder.event(null, null, "").asString()).isEqualTo("data: \n\n");
		assertThat(this.encoder.event(null, null, "\r\n\r\n").asString()).isEqualTo("data: \ndata: \ndata: \n\n");
	}

	@Test
	void refusesNamesWithLineBreaks() {
		assertThatIllegalArgumentException().isThrownBy(() -> this.encoder.event("a\nb", null, "x"))
			.withMessageContaining("event name")
			.withMessageContaining("\"a\\nb\"");
		assertThatIllegalArgumentException().isThrownBy(() -> this.encoder.event("a\r", null, "x"));
	}

	@Test
	void refusesIdsWithLineBreaksOrNul() {
		assertThatIllegalArgumentException().isThrownBy(() -> this.encoder.event(null, "1\n", "x"))
			.withMessageContaining("event id");
		assertThatIllegalArgumentException().isThrownBy(() -> this.encoder.event(null, "1\r", "x"));
		assertThatIllegalArgumentException().isThrownBy(() -> this.encoder.event(null, "1\0", "x"))
			.withMessageContaining("NUL");
	}

	@Test
	void everyCommentLineIsACommentLine() {
		assertThat(this.encoder.comment("a\ndata: b\r\n\revent: c").asString())
			.isEqualTo(": a\n: data: b\n:\n: event: c\n");
		assertThat(this.encoder.comment(null).asString()).isEqualTo(":\n");
		assertThat(this.encoder.comment("").asString()).isEqualTo(":\n");
	}

	@Test
	void theOpeningCarriesRetryOnlyWhenSet() {
		assertThat(this.encoder.opening(Duration.ZERO).asString()).isEqualTo(": ok\n\n");
		assertThat(this.encoder.opening(Duration.ofMillis(2500)).asString()).isEqualTo(": ok\nretry: 2500\n\n");
	}

	@Test
	void largeDataIsCutIntoBoundedPiecesWithoutSplittingACharacterOrALine() {
		StringBuilder text = new StringBuilder();
		while (text.length() < 300_000) {
			text.append(text.length() % 1000 == 999 ? "😀" : "é€a");
		}
		String data = text.toString();
		EncodedEvent event = new SseEncoder(4096).event("big", null, data);
		assertThat(event.pieces()).hasSizeGreaterThan(50).allSatisfy((piece) -> {
			assertThat(piece.length).isLessThanOrEqualTo(4096);
			// Each piece decodes alone: no multi-byte character straddles two pieces.
			String decoded = new String(piece, StandardCharsets.UTF_8);
			assertThat(decoded).doesNotContain("\uFFFD");
		});
		assertThat(event.asString()).isEqualTo("event: big\ndata: " + data + "\n\n");
		assertThat(event.length())
			.isEqualTo(("event: big\ndata: " + data + "\n\n").getBytes(StandardCharsets.UTF_8).length);
	}

	@Test
	void aSmallEventIsOneExactPiece() {
		EncodedEvent event = this.encoder.event("e", "1", "small");
		assertThat(event.pieces()).hasSize(1);
		assertThat(event.pieces().get(0)).hasSize((int) event.length());
	}

	@Test
	void aLoneSurrogateBecomesAQuestionMarkLikeStringGetBytes() {
		String broken = "a\uD83Db" + "x".repeat(2000) + "\uDE00";
		assertThat(this.encoder.event(null, null, broken).asString())
			.isEqualTo("data: " + new String(broken.getBytes(StandardCharsets.UTF_8), StandardCharsets.UTF_8) + "\n\n");
	}

	@Test
	void aRetryBelowOneMillisecondIsRoundedUpNeverSentAsZero() {
		SseEncoder encoder = new SseEncoder(1024);
		assertThat(encoder.opening(Duration.ofNanos(500_000)).asString()).isEqualTo(": ok\nretry: 1\n\n");
		assertThat(encoder.opening(Duration.ofNanos(1_500_000)).asString()).isEqualTo(": ok\nretry: 2\n\n");
		assertThat(encoder.opening(Duration.ZERO).asString()).isEqualTo(": ok\n\n");
		assertThat(encoder.retry(Duration.ofSeconds(2)).asString()).isEqualTo("retry: 2000\n\n");
	}

	@Test
	void theErrorEventIsJsonWithTheMessageOnlyWhenGiven() {
		assertThat(this.encoder.error("error", null).asString())
			.isEqualTo("event: error\ndata: {\"error\":\"Internal Server Error\"}\n\n");
		assertThat(this.encoder.error("failed", "no \"model\"").asString()).isEqualTo(
				"event: failed\ndata: {\"error\":\"Internal Server Error\",\"message\":\"no \\\"model\\\"\"}\n\n");
	}

	/**
	 * Any well-formed message, whatever characters it holds (quotes, backslashes,
	 * controls, line breaks, non-BMP), reads back exactly through a JSON parser, on one
	 * data line. (A lone surrogate reaches the wire as {@code ?}, as for every event.)
	 */
	@Test
	void anyErrorMessageReadsBackExactly() {
		long seed = System.nanoTime();
		java.util.Random random = new java.util.Random(seed);
		String alphabet = "ab\"\\/\n\r\t\b\f\0\u0001\u001f\u007f é€😀\u2028";
		tools.jackson.databind.json.JsonMapper json = tools.jackson.databind.json.JsonMapper.builder().build();
		for (int round = 0; round < 2_000; round++) {
			StringBuilder message = new StringBuilder();
			int length = random.nextInt(20);
			for (int i = 0; i < length; i++) {
				message.appendCodePoint(alphabet.codePoints()
					.skip(random.nextInt((int) alphabet.codePoints().count()))
					.findFirst()
					.getAsInt());
			}
			String event = this.encoder.error("error", message.toString()).asString();
			assertThat(event).as("seed %d", seed).startsWith("event: error\ndata: ").endsWith("\n\n");
			String data = event.substring("event: error\ndata: ".length(), event.length() - 2);
			assertThat(data).as("seed %d", seed).doesNotContain("\n", "\r");
			tools.jackson.databind.JsonNode node = json.readTree(data);
			assertThat(node.get("error").asString()).isEqualTo("Internal Server Error");
			assertThat(node.get("message").asString()).as("seed %d", seed).isEqualTo(message.toString());
		}
	}

}
