package dev.sse.internal.stream;

import dev.sse.spi.CloseReason;
import dev.sse.spi.RejectReason;
import dev.sse.spi.StreamMode;
import java.util.Arrays;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The enums' tags are what dashboards and alerts match on (meter tags, the Actuator
 * endpoint): they stay exactly these strings.
 */
class TagsTest {

	@Test
	void modesAreTaggedAsTheyAlwaysWere() {
		assertThat(Arrays.stream(StreamMode.values()).map(StreamMode::tag)).containsExactly("sync", "async", "topic");
	}

	@Test
	void rejectReasonsAreTaggedAsTheyAlwaysWere() {
		assertThat(Arrays.stream(RejectReason.values()).map(RejectReason::tag)).containsExactly("capacity", "limit",
				"client-limit", "sync-limit", "broker");
	}

	@Test
	void closeReasonsAreTaggedAsTheyAlwaysWere() {
		assertThat(Arrays.stream(CloseReason.values()).map(CloseReason::tag)).containsExactly("completed", "client",
				"timeout", "error", "slow_client", "evicted", "shutdown");
	}

}
