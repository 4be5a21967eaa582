package dev.sse.samples;

import java.util.ArrayDeque;
import java.util.Deque;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.atomic.AtomicLong;

import org.springframework.stereotype.Component;

/**
 * A small in-app publish/subscribe registry with a bounded history per channel, so a client that
 * reconnects with {@code Last-Event-ID} gets what it missed. Ids are increasing across channels.
 * (The starter's topics will replace this; it keeps the samples self-contained until then.)
 */
@Component
public class Hub {

    /** What was published. */
    public record Message(long id, String event, Object data) {
    }

    private static final int HISTORY = 200;

    private final AtomicLong ids = new AtomicLong();

    private final Map<String, Channel> channels = new ConcurrentHashMap<>();

    private static final class Channel {

        final Deque<Message> history = new ArrayDeque<>();

        final Set<BlockingQueue<Message>> subscribers = ConcurrentHashMap.newKeySet();
    }

    private Channel channel(String name) {
        return this.channels.computeIfAbsent(name, (n) -> new Channel());
    }

    /**
     * Publishes to every subscriber of the channel and keeps it in the history.
     * @return the message's id
     */
    public long publish(String name, String event, Object data) {
        Channel channel = channel(name);
        synchronized (channel) {
            Message message = new Message(this.ids.incrementAndGet(), event, data);
            channel.history.addLast(message);
            if (channel.history.size() > HISTORY) {
                channel.history.removeFirst();
            }
            for (BlockingQueue<Message> subscriber : channel.subscribers) {
                subscriber.add(message);
            }
            return message.id();
        }
    }

    /**
     * Subscribes; with a last event id, the messages published after it come first, with no gap
     * before the live ones.
     */
    public BlockingQueue<Message> subscribe(String name, String lastEventId) {
        Channel channel = channel(name);
        BlockingQueue<Message> queue = new LinkedBlockingQueue<>();
        synchronized (channel) {
            long after = parse(lastEventId);
            if (after >= 0) {
                for (Message message : channel.history) {
                    if (message.id() > after) {
                        queue.add(message);
                    }
                }
            }
            channel.subscribers.add(queue);
        }
        return queue;
    }

    public void unsubscribe(String name, BlockingQueue<Message> queue) {
        channel(name).subscribers.remove(queue);
    }

    public int subscribers(String name) {
        Channel channel = this.channels.get(name);
        return (channel != null) ? channel.subscribers.size() : 0;
    }

    private static long parse(String id) {
        if (id == null || id.isBlank()) {
            return -1;
        }
        try {
            return Long.parseLong(id.trim());
        }
        catch (NumberFormatException ex) {
            return -1;
        }
    }
}
