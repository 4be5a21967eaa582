package dev.sse.redis;

/**
 * The broker contract with topics spread over four buckets of one Redis: a subscription
 * of several topics resumes from a position per bucket.
 */
class RedisBucketsBrokerTest extends RedisSseBrokerTest {

	@Override
	protected int buckets() {
		return 4;
	}

}
