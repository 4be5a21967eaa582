package dev.sse.wire;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.List;

/**
 * The bytes of one event (or comment) as it goes on the wire, in pieces no larger than the
 * encoder's chunk size. Immutable once built; encoded once, it can be written to any number of
 * streams.
 */
public final class EncodedEvent {

    private final List<byte[]> pieces;

    private final long length;

    EncodedEvent(List<byte[]> pieces) {
        this.pieces = List.copyOf(pieces);
        long total = 0;
        for (byte[] piece : this.pieces) {
            total += piece.length;
        }
        this.length = total;
    }

    /**
     * The pieces, in wire order. Callers must not modify the arrays.
     * @return the pieces
     */
    public List<byte[]> pieces() {
        return this.pieces;
    }

    /**
     * The number of bytes on the wire.
     * @return the total length of the pieces
     */
    public long length() {
        return this.length;
    }

    /**
     * The whole event as one string; for tests and logs, not for the write path.
     * @return the UTF-8 text of the event
     */
    public String asString() {
        ByteArrayOutputStream out = new ByteArrayOutputStream((int) Math.min(this.length, Integer.MAX_VALUE));
        for (byte[] piece : this.pieces) {
            out.writeBytes(piece);
        }
        return out.toString(StandardCharsets.UTF_8);
    }

    @Override
    public String toString() {
        return "EncodedEvent[" + this.length + " bytes in " + this.pieces.size() + " pieces]";
    }
}
