package dev.sse.bench.jmh;

import java.time.Instant;
import java.util.List;
import java.util.concurrent.TimeUnit;

import dev.sse.internal.stream.JacksonDataConverter;
import dev.sse.internal.wire.EncodedEvent;
import dev.sse.internal.wire.SseEncoder;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;
import tools.jackson.databind.json.JsonMapper;

/**
 * The encoder alone, one event per operation: what a {@code send} costs before any socket
 * (throughput in events/s; with {@code -prof gc}, bytes allocated per event). Run by
 * bench/encoder.sh.
 */
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
@State(Scope.Benchmark)
public class EncoderBenchmark {

	/** The dashboard's kind of object. */
	public record Metrics(String host, double cpu, long heapBytes, int threads, Instant at, List<String> tags) {
	}

	private SseEncoder encoder;

	private JacksonDataConverter json;

	private String token;

	private String line64;

	private String text4k;

	private Metrics metrics;

	@Setup
	public void setUp() {
		this.encoder = new SseEncoder(32 * 1024);
		this.json = new JacksonDataConverter(JsonMapper.builder().build());
		this.token = "ing the answer ";
		this.line64 = "x".repeat(64);
		StringBuilder text = new StringBuilder();
		while (text.length() < 4096) {
			text.append("a log line of about eighty characters, with some text in it: é, 日本, 😀\n");
		}
		this.text4k = text.toString();
		this.metrics = new Metrics("web-1", 12.5, 123_456_789L, 42, Instant.parse("2026-11-26T00:00:00Z"),
				List.of("a", "b"));
	}

	/** An AI token: 15 characters, named, no id. */
	@Benchmark
	public EncodedEvent token() {
		return this.encoder.event("token", null, this.token);
	}

	/** 64 bytes with an event name and an id (the fan-out benchmark's event). */
	@Benchmark
	public EncodedEvent line64WithId() {
		return this.encoder.event("tick", "1732579200000123", this.line64);
	}

	/** 4 KiB over ~55 lines with non-ASCII text: one data line each. */
	@Benchmark
	public EncodedEvent multiLine4k() {
		return this.encoder.event("log", null, this.text4k);
	}

	/** An object: Jackson to JSON text, then the encoder. */
	@Benchmark
	public EncodedEvent object() {
		return this.encoder.event("metrics", null, this.json.toText(this.metrics));
	}

}
