package dev.sse;

import java.time.Duration;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;
import static org.assertj.core.api.Assertions.assertThatNullPointerException;

class SseOptionsTest {

	@Test
	void settersReturnNewOptionsAndLeaveTheOriginalUnchanged() {
		SseOptions base = SseOptions.defaults();
		SseOptions async = base.async(true);
		assertThat(base.getAsync()).isNull();
		assertThat(async.getAsync()).isTrue();
	}

	@Test
	void unsetOptionsFallBackAndSetOnesWin() {
		SseOptions app = SseOptions.defaults()
			.async(false)
			.retry(Duration.ofSeconds(1))
			.keepAliveInterval(Duration.ofSeconds(20))
			.timeout(Duration.ZERO)
			.cors("");
		SseOptions merged = SseOptions.defaults().async(true).cors("*").orElse(app);
		assertThat(merged.getAsync()).isTrue();
		assertThat(merged.getCors()).isEqualTo("*");
		assertThat(merged.getRetry()).isEqualTo(Duration.ofSeconds(1));
		assertThat(merged.getKeepAliveInterval()).isEqualTo(Duration.ofSeconds(20));
		assertThat(merged.getTimeout()).isEqualTo(Duration.ZERO);
	}

	@Test
	void negativeDurationsAreRefusedWithTheOptionsName() {
		assertThatIllegalArgumentException().isThrownBy(() -> SseOptions.defaults().timeout(Duration.ofSeconds(-1)))
			.withMessageContaining("timeout");
		assertThatIllegalArgumentException().isThrownBy(() -> SseOptions.defaults().retry(Duration.ofMillis(-1)))
			.withMessageContaining("retry");
		assertThatIllegalArgumentException()
			.isThrownBy(() -> SseOptions.defaults().keepAliveInterval(Duration.ofMillis(-1)))
			.withMessageContaining("keepAliveInterval");
		assertThatNullPointerException().isThrownBy(() -> SseOptions.defaults().cors(null));
	}

}
