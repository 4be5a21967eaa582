package dev.sse.redis;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;

import dev.sse.redis.RedisSubscription.Part;
import dev.sse.spi.BrokerEvent;
import dev.sse.spi.SseBrokerException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What a resuming client missed, read from Redis in bounded steps on the subscribing
 * thread, with no lock held. First, per bucket, one short script decides from what Redis
 * holds whether history covers the client's position and how many bytes the replay would
 * be, reading at most two entries per topic (the cumulative size each entry records);
 * then pages of at most {@link #PAGE_BYTES} each. Anything it cannot replay exactly
 * (history lost or trimmed, a replay larger than the subscriber's buffer, a failure or a
 * trim between two pages) becomes a reset, never a refusal.
 */
final class Replay {

	private static final Logger log = LoggerFactory.getLogger(Replay.class);

	static final long PAGE_BYTES = 1L << 20;

	static final int PAGE_ENTRIES = 512;

	/**
	 * Topics per check: one call reads at most three entries of each, a few milliseconds
	 * inside Redis at most.
	 */
	static final int CHECK_TOPICS = 100;

	private final RedisCalls redis;

	private final RedisBrokerSettings settings;

	Replay(RedisCalls redis, RedisBrokerSettings settings) {
		this.redis = redis;
		this.settings = settings;
	}

	/**
	 * What a subscription's parts get before they go live.
	 *
	 * @param reset whether the subscriber must reload instead
	 * @param events per part, the missed events in id order
	 * @param covered per part, the position the replay reaches
	 */
	record Outcome(boolean reset, List<List<BrokerEvent>> events, long[] covered) {
	}

	/**
	 * Reads the replay.
	 * @param positions the client's position per part
	 * @throws SseBrokerException when Redis cannot be asked at all (the stream is refused
	 * and the client comes back later with the same id)
	 */
	Outcome read(List<Part> parts, long[] positions) {
		int n = parts.size();
		long[] covered = new long[n];
		List<List<String>> lasts = new ArrayList<>(n);
		long bytes = 0;
		boolean reset = false;
		for (int i = 0; i < n; i++) {
			Part part = parts.get(i);
			List<String> last = new ArrayList<>(part.topics.size());
			long bound = 0;
			String origin = null;
			for (int from = 0; from < part.topics.size(); from += CHECK_TOPICS) {
				List<String> some = part.topics.subList(from, Math.min(part.topics.size(), from + CHECK_TOPICS));
				List<Object> check = check(part, some, positions[i], bound, this.settings.replayBytes() - bytes);
				int status = (int) RedisSseBroker.number(check.get(0));
				if (status == 2) {
					log.info(
							"SSE topics: the replay after {} of {} is larger than sse.topics.buffer-size ({} bytes); "
									+ "the subscriber is told to reset",
							positions[i], abbreviate(part.topics), this.settings.replayBytes());
				}
				String epoch = RedisCalls.text(check.get(2));
				if (bound == 0) {
					// What the subscriber reloads from, if it must: the events up to it
					// are not sent live after its reset.
					bound = Long.parseLong(RedisCalls.text(check.get(1)));
				}
				reset |= status != 1 || (origin != null && !origin.equals(epoch));
				if (reset) {
					// The other parts' first check only tells where they stand.
					break;
				}
				origin = epoch;
				bytes += RedisSseBroker.number(check.get(3));
				for (int t = 4; t < check.size(); t++) {
					last.add(RedisCalls.text(check.get(t)));
				}
			}
			covered[i] = bound;
			lasts.add(last);
		}
		if (reset) {
			return new Outcome(true, List.of(), covered);
		}
		List<List<BrokerEvent>> events = new ArrayList<>(n);
		try {
			for (int i = 0; i < n; i++) {
				events.add(pages(parts.get(i), positions[i], lasts.get(i)));
			}
		}
		catch (Gap | SseBrokerException ex) {
			log.info("SSE topics: the replay of {} could not be read whole ({}); the subscriber is told to reset",
					abbreviate(parts.get(0).topics), ex.getMessage());
			return new Outcome(true, List.of(), covered);
		}
		return new Outcome(false, events, covered);
	}

	@SuppressWarnings("unchecked")
	private List<Object> check(Part part, List<String> topics, long position, long bound, long bytesLeft) {
		Buckets.Bucket bucket = part.bucket.bucket();
		List<byte[]> keys = new ArrayList<>();
		keys.add(bucket.indexKey());
		List<byte[]> args = new ArrayList<>();
		args.add(RedisCalls.bytes(position));
		args.add(RedisCalls.bytes(this.settings.historyTtl().toNanos() / 1000));
		args.add(RedisCalls.bytes(this.settings.historySize()));
		args.add(RedisCalls.bytes(bytesLeft));
		args.add(RedisCalls.bytes(this.settings.historyBytes()));
		args.add(RedisCalls.bytes(bound));
		for (String topic : topics) {
			keys.add(bucket.streamKey(topic));
			args.add(RedisCalls.bytes(topic));
		}
		return this.redis.run(RedisCalls.CHECK, keys, args, "the replay's check");
	}

	/** The events of a part's topics after the position, in id order, page by page. */
	@SuppressWarnings("unchecked")
	private List<BrokerEvent> pages(Part part, long position, List<String> lasts) {
		List<BrokerEvent> events = new ArrayList<>();
		long bytes = 0;
		for (int t = 0; t < part.topics.size(); t++) {
			String topic = part.topics.get(t);
			long last = Long.parseLong(lasts.get(t));
			long after = position;
			while (after < last) {
				List<Object> page = page(part.bucket.bucket(), topic, after, last);
				if (page.isEmpty()) {
					throw new Gap("events " + after + ".." + last + " of '" + abbreviate(topic) + "' are gone");
				}
				for (Object item : page) {
					List<Object> entry = (List<Object>) item;
					long id = BucketReader.idOf(RedisCalls.text(entry.get(0)));
					Map<String, String> fields = fields((List<Object>) entry.get(1));
					long previous = Long.parseLong(fields.getOrDefault("p", "-1"));
					// A trim between two pages (or since the check) took what came first.
					if (previous > after) {
						throw new Gap("event " + previous + " of '" + abbreviate(topic) + "' was trimmed meanwhile");
					}
					bytes += Long.parseLong(fields.getOrDefault("w", "0"));
					if (bytes > this.settings.replayBytes()) {
						throw new Gap("it grew past sse.topics.buffer-size");
					}
					events
						.add(new BrokerEvent(topic, Long.toString(id), fields.get("e"), fields.getOrDefault("d", "")));
					after = id;
				}
			}
		}
		events.sort(Comparator.comparingLong((event) -> Long.parseLong(event.id())));
		return events;
	}

	@SuppressWarnings("unchecked")
	private List<Object> page(Buckets.Bucket bucket, String topic, long after, long upTo) {
		return this.redis.run(
				RedisCalls.PAGE, List.of(bucket.streamKey(topic)), List.of(RedisCalls.bytes(after),
						RedisCalls.bytes(upTo), RedisCalls.bytes(PAGE_BYTES), RedisCalls.bytes(PAGE_ENTRIES)),
				"a page of the replay");
	}

	private static Map<String, String> fields(List<Object> flat) {
		Map<String, String> fields = new java.util.HashMap<>();
		for (int i = 0; i + 1 < flat.size(); i += 2) {
			fields.put(RedisCalls.text(flat.get(i)), RedisCalls.text(flat.get(i + 1)));
		}
		return fields;
	}

	private static String abbreviate(Object topics) {
		return BucketReader.abbreviate(String.valueOf(topics));
	}

	/** The history changed under the replay. */
	private static final class Gap extends RuntimeException {

		Gap(String message) {
			super(message, null, false, false);
		}

	}

}
