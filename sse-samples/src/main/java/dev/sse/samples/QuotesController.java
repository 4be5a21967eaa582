package dev.sse.samples;

import java.time.Duration;
import java.time.Instant;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;

import dev.sse.SseOptions;
import dev.sse.SseService;

import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;
import org.springframework.web.servlet.mvc.method.annotation.SseEmitter;

/** The docs' "Stock Price Updates": a simulated random walk per symbol, as quote events. */
@RestController
class QuotesController {

    record Quote(String symbol, double price, double change, double percentChange, Instant timestamp) {
    }

    private final SseService sse;

    QuotesController(SseService sse) {
        this.sse = sse;
    }

    @GetMapping("/api/quotes/stream")
    SseEmitter quotes(@RequestParam(defaultValue = "AAPL,GOOGL,MSFT") String symbols,
            @RequestParam(defaultValue = "1000") long intervalMillis) {
        List<String> list = Arrays.stream(symbols.split(",")).map(String::trim).filter((s) -> !s.isEmpty())
            .map((s) -> s.toUpperCase(Locale.ROOT)).limit(20).toList();
        long interval = Math.max(50, Math.min(intervalMillis, 10_000));
        return this.sse.stream(SseOptions.defaults().async(true).keepAliveInterval(Duration.ofSeconds(30)), (stream) -> {
            Random random = new Random();
            Map<String, Double> prices = new LinkedHashMap<>();
            list.forEach((symbol) -> prices.put(symbol, 50.0 + Math.abs(symbol.hashCode() % 400)));
            while (!stream.isClosed()) {
                for (String symbol : list) {
                    double previous = prices.get(symbol);
                    double price = Math.max(1, previous * (1 + random.nextGaussian() * 0.01));
                    price = Math.round(price * 100) / 100.0;
                    prices.put(symbol, price);
                    double change = Math.round((price - previous) * 100) / 100.0;
                    stream.send(new Quote(symbol, price, change, Math.round(change / previous * 10_000) / 100.0,
                            Instant.now()), "quote");
                }
                Thread.sleep(interval);
            }
        });
    }
}
