package dev.sse.internal.stream;

import dev.sse.spi.RejectReason;
import java.security.Principal;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;

import org.junit.jupiter.api.Test;

import org.springframework.http.HttpStatus;
import org.springframework.mock.web.MockHttpServletRequest;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

/**
 * Admission: the limits in all, per client and for sync streams, against a model that
 * counts what it let in (a random walk of opens and ends, its seed printed).
 */
class StreamLimitsTest {

	private static final Duration RETRY = Duration.ofSeconds(7);

	@Test
	void aRandomWalkOfOpensAndEndsIsAdmittedExactlyAsTheLimitsSay() {
		long seed = System.nanoTime();
		System.out.println("StreamLimitsTest seed " + seed);
		Random random = new Random(seed);
		for (int round = 0; round < 50; round++) {
			int max = random.nextInt(6);
			int perClient = random.nextInt(4);
			int sync = random.nextInt(4);
			walk(random, new StreamLimits(max, perClient, sync, RETRY), max, perClient, sync, seed);
		}
	}

	private void walk(Random random, StreamLimits limits, int max, int perClient, int maxSync, long seed) {
		record Held(StreamLimits.Permit permit, String client, boolean sync) {
		}
		List<Held> held = new ArrayList<>();
		Map<String, Integer> byClient = new HashMap<>();
		int syncHeld = 0;
		for (int step = 0; step < 300; step++) {
			if (!held.isEmpty() && random.nextInt(3) == 0) {
				Held h = held.remove(random.nextInt(held.size()));
				h.permit().release();
				h.permit().release();
				h.permit().releaseRequestThread();
				h.permit().releaseRequestThread();
				byClient.merge(h.client(), -1, Integer::sum);
				if (h.sync()) {
					syncHeld--;
				}
			}
			else {
				String client = "c" + random.nextInt(3);
				boolean sync = random.nextBoolean();
				RejectReason expected = null;
				if (max > 0 && held.size() >= max) {
					expected = RejectReason.LIMIT;
				}
				else if (perClient > 0 && byClient.getOrDefault(client, 0) >= perClient) {
					expected = RejectReason.CLIENT_LIMIT;
				}
				else if (sync && maxSync > 0 && syncHeld >= maxSync) {
					expected = RejectReason.SYNC_LIMIT;
				}
				try {
					StreamLimits.Permit permit = limits.acquire(request(client), sync);
					assertThat(expected).as("seed %d step %d: admitted past %s", seed, step, expected).isNull();
					held.add(new Held(permit, client, sync));
					byClient.merge(client, 1, Integer::sum);
					if (sync) {
						syncHeld++;
					}
				}
				catch (StreamLimits.Refused refused) {
					assertThat(refused.reason()).as("seed %d step %d", seed, step).isEqualTo(expected);
				}
			}
			assertThat(limits.open()).as("seed %d step %d", seed, step).isEqualTo(held.size());
			assertThat(limits.openSync()).as("seed %d step %d", seed, step).isEqualTo(syncHeld);
		}
	}

	@Test
	void aRefusalCarriesItsStatusTheLimitItHitAndRetryAfter() {
		StreamLimits limits = new StreamLimits(1, 0, 0, RETRY);
		assertThat(limits.open()).isZero();
		StreamLimits.Permit first = assertAdmitted(limits, "a", false);
		StreamLimits.Refused refused = catchThrowableOfType(StreamLimits.Refused.class,
				() -> limits.acquire(request("b"), false));
		assertThat(refused.answer().getStatusCode()).isEqualTo(HttpStatus.SERVICE_UNAVAILABLE);
		assertThat(refused.answer().getReason()).contains("sse.max-connections=1");
		assertThat(refused.answer().getHeaders().getFirst("Retry-After")).isEqualTo("7");
		first.release();
		assertAdmitted(limits, "b", false);

		StreamLimits perClient = new StreamLimits(0, 1, 0, RETRY);
		assertAdmitted(perClient, "a", false);
		refused = catchThrowableOfType(StreamLimits.Refused.class, () -> perClient.acquire(request("a"), false));
		assertThat(refused.answer().getStatusCode()).isEqualTo(HttpStatus.TOO_MANY_REQUESTS);
		assertThat(refused.answer().getReason()).contains("sse.max-connections-per-client=1");
		assertThat(perClient.open()).as("a refused stream holds no place").isEqualTo(1);
		assertAdmitted(perClient, "b", false);
	}

	@Test
	void aClientIsItsPrincipalWhenSignedInElseItsAddress() {
		MockHttpServletRequest anonymous = new MockHttpServletRequest();
		anonymous.setRemoteAddr("10.0.0.9");
		assertThat(StreamLimits.clientKey(anonymous)).isEqualTo("address:10.0.0.9");
		MockHttpServletRequest signedIn = new MockHttpServletRequest();
		signedIn.setRemoteAddr("10.0.0.9");
		Principal alice = () -> "alice";
		signedIn.setUserPrincipal(alice);
		assertThat(StreamLimits.clientKey(signedIn)).isEqualTo("principal:alice");

		StreamLimits limits = new StreamLimits(0, 1, 0, RETRY);
		assertAdmitted(limits, signedIn, false);
		assertAdmitted(limits, anonymous, false);
	}

	@Test
	void anAsyncStreamThatHoldsTheRequestThreadTakesASyncPlaceOnce() throws Exception {
		StreamLimits limits = new StreamLimits(0, 0, 1, RETRY);
		StreamLimits.Permit async = assertAdmitted(limits, "a", false);
		limits.takeRequestThread(async);
		limits.takeRequestThread(async);
		assertThat(limits.openSync()).isEqualTo(1);
		StreamLimits.Permit other = assertAdmitted(limits, "b", false);
		StreamLimits.Refused refused = catchThrowableOfType(StreamLimits.Refused.class,
				() -> limits.takeRequestThread(other));
		assertThat(refused.reason()).isEqualTo(RejectReason.SYNC_LIMIT);
		async.releaseRequestThread();
		assertThat(limits.openSync()).isZero();
		limits.takeRequestThread(null);
	}

	@Test
	void negativeLimitsAreRefused() {
		assertThatIllegalArgumentException().isThrownBy(() -> new StreamLimits(-1, 0, 0, RETRY))
			.withMessageContaining("zero (none) or positive");
	}

	private static StreamLimits.Permit assertAdmitted(StreamLimits limits, String client, boolean sync) {
		return assertAdmitted(limits, request(client), sync);
	}

	private static StreamLimits.Permit assertAdmitted(StreamLimits limits, MockHttpServletRequest request,
			boolean sync) {
		try {
			return limits.acquire(request, sync);
		}
		catch (StreamLimits.Refused ex) {
			throw new AssertionError("refused: " + ex.reason(), ex);
		}
	}

	private static MockHttpServletRequest request(String client) {
		MockHttpServletRequest request = new MockHttpServletRequest();
		request.setRemoteAddr(client);
		return request;
	}

}
