package dev.sse.topics;

import java.util.Objects;

import dev.sse.wire.EncodedEvent;
import dev.sse.wire.SseEncoder;
import org.jspecify.annotations.Nullable;

/**
 * One published event: its id (increasing across all topics of a broker), topic, name and data
 * text. Immutable; its wire bytes are encoded once, on first use, and shared by every subscriber.
 */
public final class BrokerEvent {

    private final long sequence;

    private final String topic;

    private final @Nullable String event;

    private final String data;

    private final long publishedAtNanos;

    private volatile @Nullable EncodedEvent encoded;

    /**
     * @param sequence the id, increasing across the broker's topics
     * @param topic the topic
     * @param event the event name, or {@code null}
     * @param data the data text
     * @param publishedAtNanos {@link System#nanoTime()} at publication
     */
    public BrokerEvent(long sequence, String topic, @Nullable String event, String data, long publishedAtNanos) {
        SseEncoder.checkEventName(event);
        this.sequence = sequence;
        this.topic = Objects.requireNonNull(topic, "topic");
        this.event = event;
        this.data = Objects.requireNonNull(data, "data");
        this.publishedAtNanos = publishedAtNanos;
    }

    /** @return the id as sent in the {@code id:} field */
    public String id() {
        return Long.toString(this.sequence);
    }

    /** @return the id as a number */
    public long sequence() {
        return this.sequence;
    }

    /** @return the topic */
    public String topic() {
        return this.topic;
    }

    /** @return the event name, or {@code null} */
    public @Nullable String event() {
        return this.event;
    }

    /** @return the data text */
    public String data() {
        return this.data;
    }

    /** @return {@link System#nanoTime()} at publication */
    public long publishedAtNanos() {
        return this.publishedAtNanos;
    }

    /**
     * The wire bytes, encoded once.
     * @param encoder the encoder (the application has one)
     * @return the encoded event
     */
    public EncodedEvent encoded(SseEncoder encoder) {
        EncodedEvent result = this.encoded;
        if (result == null) {
            result = encoder.event(this.event, id(), this.data);
            this.encoded = result;
        }
        return result;
    }

    @Override
    public String toString() {
        return "BrokerEvent[" + this.sequence + " " + this.topic + " " + this.event + "]";
    }
}
