package dev.sse.redis;

import java.nio.charset.StandardCharsets;
import java.util.concurrent.ThreadLocalRandom;
import java.util.zip.CRC32;

import org.springframework.data.redis.connection.ClusterSlotHashUtil;

/**
 * Where a topic's keys live. Topics hash into a fixed number of buckets; every key of a
 * bucket (its index, its feed, its topics' streams, its publication tokens) carries the
 * bucket's hash tag, so a Redis Cluster keeps a bucket on one slot and no command crosses
 * slots. The tags are chosen so that bucket {@code b} of {@code n} falls in the
 * {@code b}-th n-th of the slot range: a cluster whose masters own equal slot ranges gets
 * an equal share of buckets. Immutable.
 */
final class Buckets {

	private static final int SLOTS = 16384;

	private final Bucket[] buckets;

	private Buckets(Bucket[] buckets) {
		this.buckets = buckets;
	}

	static Buckets of(String keyPrefix, int count) {
		Bucket[] buckets = new Bucket[count];
		for (int b = 0; b < count; b++) {
			buckets[b] = new Bucket(b, tag(keyPrefix, b, count));
		}
		return new Buckets(buckets);
	}

	/**
	 * The first of {@code prefix.b}, {@code prefix.b.1}, ... whose slot is in b's range.
	 */
	private static String tag(String prefix, int b, int count) {
		int from = (int) ((long) b * SLOTS / count);
		int to = (int) ((long) (b + 1) * SLOTS / count);
		for (int salt = 0;; salt++) {
			String tag = prefix + "." + b + ((salt == 0) ? "" : "." + salt);
			int slot = ClusterSlotHashUtil.calculateSlot(tag);
			if (slot >= from && slot < to) {
				return tag;
			}
		}
	}

	int count() {
		return this.buckets.length;
	}

	Bucket get(int index) {
		return this.buckets[index];
	}

	Bucket of(String topic) {
		if (this.buckets.length == 1) {
			return this.buckets[0];
		}
		CRC32 crc = new CRC32();
		crc.update(topic.getBytes(StandardCharsets.UTF_8));
		return this.buckets[(int) (crc.getValue() % this.buckets.length)];
	}

	/** One bucket's keys. */
	record Bucket(int index, String tag) {

		byte[] indexKey() {
			return key("i");
		}

		byte[] feedKey() {
			return key("f");
		}

		byte[] streamKey(String topic) {
			return key("t:" + topic);
		}

		/**
		 * A publication's token: random (not secure random: it only tells retries apart).
		 */
		byte[] tokenKey() {
			ThreadLocalRandom random = ThreadLocalRandom.current();
			return key("k:" + Long.toHexString(random.nextLong()) + Long.toHexString(random.nextLong()));
		}

		private byte[] key(String name) {
			return ("{" + this.tag + "}:" + name).getBytes(StandardCharsets.UTF_8);
		}

		/** The topic a stream key names, for messages. */
		String streamKeyText(String topic) {
			return "{" + this.tag + "}:t:" + topic;
		}

	}

}
