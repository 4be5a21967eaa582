package dev.sse.samples.security;

import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

import org.jspecify.annotations.Nullable;

import org.springframework.context.annotation.Profile;
import org.springframework.stereotype.Component;

/**
 * Short-lived opaque tokens for the {@code access_token} query parameter of an
 * {@code EventSource} that cannot send a cookie (another origin) or a header. A token
 * names its user and expires after {@link #LIFETIME}; it is checked when a stream opens,
 * so a stream outlives its token.
 */
@Component
@Profile("secure")
class AccessTokens {

	static final Duration LIFETIME = Duration.ofMinutes(5);

	private record Grant(String user, Instant expires) {
	}

	private final SecureRandom random = new SecureRandom();

	private final Map<String, Grant> grants = new ConcurrentHashMap<>();

	private final Clock clock = Clock.systemUTC();

	String issue(String user) {
		byte[] bytes = new byte[24];
		this.random.nextBytes(bytes);
		String token = Base64.getUrlEncoder().withoutPadding().encodeToString(bytes);
		Instant now = this.clock.instant();
		this.grants.values().removeIf((grant) -> grant.expires().isBefore(now));
		this.grants.put(token, new Grant(user, now.plus(LIFETIME)));
		return token;
	}

	/** The user a valid token names, or {@code null}. */
	@Nullable String user(String token) {
		Grant grant = this.grants.get(token);
		return (grant != null && grant.expires().isAfter(this.clock.instant())) ? grant.user() : null;
	}

}
