package dev.sse.test;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;

/** A client that asks for a stream and never reads it. */
public final class StuckClient {

	private StuckClient() {
	}

	/**
	 * Sends the request and never reads: the server's writes fill the small window and
	 * block.
	 * @param port the server's port
	 * @param path the stream's path
	 * @return the socket, to close
	 * @throws IOException if the request cannot be sent
	 */
	public static Socket open(int port, String path) throws IOException {
		Socket socket = new Socket();
		socket.setReceiveBufferSize(4096);
		socket.connect(new InetSocketAddress("127.0.0.1", port));
		socket.getOutputStream()
			.write(("GET " + path + " HTTP/1.1\r\nHost: x\r\nAccept: text/event-stream\r\n\r\n")
				.getBytes(StandardCharsets.US_ASCII));
		return socket;
	}

}
