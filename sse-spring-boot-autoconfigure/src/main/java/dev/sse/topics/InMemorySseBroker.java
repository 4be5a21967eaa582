package dev.sse.topics;

import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.LongSupplier;

import org.jspecify.annotations.Nullable;

/**
 * The default broker: one application instance, everything in memory. Ids are a counter; a
 * single lock orders publications, subscriptions and replays, so ids increase in delivery order
 * and a replay joins the live events without a gap or a duplicate. Delivery inside the lock only
 * queues (subscribers never block), so the lock is held for microseconds per subscriber.
 */
public final class InMemorySseBroker implements SseBroker {

    private final Object lock = new Object();

    private final Map<String, Topic> topics = new HashMap<>();

    private final int historySize;

    private final long historyTtlNanos;

    private final LongSupplier nanoTime;

    private long lastSequence;

    /** The highest id dropped from the history of a topic that was since forgotten. */
    private long forgottenUpTo;

    /**
     * @param historySize events kept per topic for replay (0 keeps none)
     * @param historyTtl how long an event stays in history
     */
    public InMemorySseBroker(int historySize, Duration historyTtl) {
        this(historySize, historyTtl, System::nanoTime);
    }

    InMemorySseBroker(int historySize, Duration historyTtl, LongSupplier nanoTime) {
        if (historySize < 0) {
            throw new IllegalArgumentException("historySize must not be negative");
        }
        this.historySize = historySize;
        this.historyTtlNanos = historyTtl.toNanos();
        this.nanoTime = nanoTime;
    }

    private static final class Topic {

        final ArrayDeque<BrokerEvent> history = new ArrayDeque<>();

        final List<Subscriber> subscribers = new ArrayList<>(1);

        /** The highest id dropped from history: a client whose last id is below it may have missed events. */
        long droppedUpTo;

        Topic(long droppedUpTo) {
            this.droppedUpTo = droppedUpTo;
        }

        boolean isForgettable() {
            return this.subscribers.isEmpty() && this.history.isEmpty();
        }
    }

    @Override
    public BrokerEvent publish(String topic, @Nullable String event, String data) {
        checkTopic(topic);
        synchronized (this.lock) {
            long now = this.nanoTime.getAsLong();
            BrokerEvent published = new BrokerEvent(++this.lastSequence, topic, event, data, now);
            Topic t = this.topics.computeIfAbsent(topic, (name) -> new Topic(this.forgottenUpTo));
            if (this.historySize > 0) {
                t.history.addLast(published);
            }
            else {
                t.droppedUpTo = published.sequence();
            }
            trim(t, now);
            for (Subscriber subscriber : t.subscribers) {
                subscriber.event(published);
            }
            if (t.isForgettable()) {
                forget(topic, t);
            }
            return published;
        }
    }

    @Override
    public Subscription subscribe(Collection<String> topics, @Nullable String lastEventId, Subscriber subscriber) {
        Set<String> names = new LinkedHashSet<>(topics);
        if (names.isEmpty()) {
            throw new IllegalArgumentException("subscribe needs at least one topic");
        }
        names.forEach(InMemorySseBroker::checkTopic);
        synchronized (this.lock) {
            long now = this.nanoTime.getAsLong();
            List<Topic> subscribed = new ArrayList<>(names.size());
            for (String name : names) {
                Topic t = this.topics.computeIfAbsent(name, (n) -> new Topic(this.forgottenUpTo));
                trim(t, now);
                subscribed.add(t);
            }
            if (lastEventId != null) {
                replay(subscribed, lastEventId, subscriber);
            }
            for (Topic t : subscribed) {
                t.subscribers.add(subscriber);
            }
            return new Subscription() {

                private boolean closed;

                @Override
                public void close() {
                    synchronized (InMemorySseBroker.this.lock) {
                        if (this.closed) {
                            return;
                        }
                        this.closed = true;
                        for (String name : names) {
                            Topic t = InMemorySseBroker.this.topics.get(name);
                            if (t != null) {
                                t.subscribers.remove(subscriber);
                                if (t.isForgettable()) {
                                    forget(name, t);
                                }
                            }
                        }
                    }
                }
            };
        }
    }

    /** Under the lock: the events after lastEventId, in id order, or a reset when history cannot cover it. */
    private void replay(List<Topic> subscribed, String lastEventId, Subscriber subscriber) {
        long after;
        try {
            after = Long.parseLong(lastEventId.trim());
        }
        catch (NumberFormatException ex) {
            after = -1;
        }
        // Not one of ours (another instance's, or from before a restart), or older than what history holds.
        boolean covered = after >= 0 && after <= this.lastSequence;
        for (Topic t : subscribed) {
            covered &= t.droppedUpTo <= after;
        }
        if (!covered) {
            subscriber.reset();
            return;
        }
        List<BrokerEvent> missed = new ArrayList<>();
        for (Topic t : subscribed) {
            // History is in id order: walk back only over what was missed.
            for (var it = t.history.descendingIterator(); it.hasNext();) {
                BrokerEvent e = it.next();
                if (e.sequence() <= after) {
                    break;
                }
                missed.add(e);
            }
        }
        missed.sort(Comparator.comparingLong(BrokerEvent::sequence));
        missed.forEach(subscriber::event);
    }

    /** Under the lock. A topic created later under the same name starts from what this one had dropped. */
    private void forget(String name, Topic t) {
        this.topics.remove(name);
        this.forgottenUpTo = Math.max(this.forgottenUpTo, t.droppedUpTo);
    }

    private void trim(Topic t, long now) {
        while (t.history.size() > this.historySize
                || (!t.history.isEmpty() && now - t.history.peekFirst().publishedAtNanos() > this.historyTtlNanos)) {
            t.droppedUpTo = t.history.pollFirst().sequence();
        }
    }

    @Override
    public int topicCount() {
        synchronized (this.lock) {
            return this.topics.size();
        }
    }

    @Override
    public void purge() {
        synchronized (this.lock) {
            long now = this.nanoTime.getAsLong();
            this.topics.values().removeIf((t) -> {
                trim(t, now);
                if (t.isForgettable()) {
                    this.forgottenUpTo = Math.max(this.forgottenUpTo, t.droppedUpTo);
                    return true;
                }
                return false;
            });
        }
    }

    private static void checkTopic(String topic) {
        if (topic == null || topic.isEmpty()) {
            throw new IllegalArgumentException("topic must not be null or empty");
        }
    }
}
