package dev.sse.topics;

import java.time.Duration;

/** The in-memory broker keeps the broker contract. */
class InMemorySseBrokerTest extends AbstractSseBrokerContractTest {

    @Override
    protected SseBroker broker(int historySize, Duration historyTtl) {
        return new InMemorySseBroker(historySize, historyTtl);
    }
}
