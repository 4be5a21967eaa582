package dev.sse.samples;

import java.time.Instant;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

import dev.sse.SseService;

import org.springframework.beans.factory.DisposableBean;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;
import org.springframework.web.servlet.mvc.method.annotation.SseEmitter;

/**
 * The docs' "Stock Price Updates", on topics: one ticker publishes a simulated random
 * walk per symbol to topic {@code quote:SYMBOL}; each client subscribes to the symbols it
 * wants. One publication, any number of subscribers.
 */
@RestController
class QuotesController implements DisposableBean {

	record Quote(String symbol, double price, double change, double percentChange, Instant timestamp) {
	}

	static final List<String> SYMBOLS = List.of("AAPL", "GOOGL", "MSFT", "AMZN", "NVDA", "META", "TSLA", "IBM");

	private final SseService sse;

	private final Random random = new Random();

	private final Map<String, Double> prices = new LinkedHashMap<>();

	private final ScheduledExecutorService ticker = Executors.newSingleThreadScheduledExecutor((r) -> {
		Thread thread = new Thread(r, "quotes-ticker");
		thread.setDaemon(true);
		return thread;
	});

	QuotesController(SseService sse, @Value("${samples.quotes.interval:1000}") long intervalMillis) {
		this.sse = sse;
		SYMBOLS.forEach((symbol) -> this.prices.put(symbol, 50.0 + Math.abs(symbol.hashCode() % 400)));
		this.ticker.scheduleAtFixedRate(this::tick, intervalMillis, intervalMillis, TimeUnit.MILLISECONDS);
	}

	private void tick() {
		for (String symbol : SYMBOLS) {
			double previous = this.prices.get(symbol);
			double price = Math.round(Math.max(1, previous * (1 + this.random.nextGaussian() * 0.01)) * 100) / 100.0;
			this.prices.put(symbol, price);
			double change = Math.round((price - previous) * 100) / 100.0;
			this.sse.publish("quote:" + symbol,
					new Quote(symbol, price, change, Math.round(change / previous * 10_000) / 100.0, Instant.now()),
					"quote");
		}
	}

	@GetMapping("/api/quotes/stream")
	SseEmitter quotes(@RequestParam(defaultValue = "AAPL,GOOGL,MSFT") String symbols) {
		String[] topics = Arrays.stream(symbols.split(","))
			.map((s) -> s.trim().toUpperCase(Locale.ROOT))
			.filter(SYMBOLS::contains)
			.distinct()
			.map((s) -> "quote:" + s)
			.toArray(String[]::new);
		if (topics.length == 0) {
			throw new org.springframework.web.server.ResponseStatusException(
					org.springframework.http.HttpStatus.BAD_REQUEST, "Known symbols: " + SYMBOLS);
		}
		return this.sse.subscribe(topics);
	}

	@Override
	public void destroy() {
		this.ticker.shutdownNow();
	}

}
