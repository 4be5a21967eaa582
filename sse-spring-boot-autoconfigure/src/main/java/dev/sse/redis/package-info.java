/**
 * The Redis broker: fan-out and history of topics across instances on Redis or a Redis
 * Cluster. {@link dev.sse.redis.RedisSseBroker} and its settings are public; the rest is
 * package-private (see docs/scaling-out.md).
 */
@NullMarked
package dev.sse.redis;

import org.jspecify.annotations.NullMarked;
