package dev.sse.test;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * A TCP forwarder on 127.0.0.1 that a test can cut: {@link #cut()} drops every connection
 * and refuses new ones (as a network partition between one application instance and Redis
 * does) until {@link #restore()}.
 */
public final class TcpProxy implements AutoCloseable {

	private final int targetPort;

	private final ServerSocket server;

	private final Set<Socket> sockets = ConcurrentHashMap.newKeySet();

	private volatile boolean cut;

	private volatile boolean swallowReplies;

	private final java.util.concurrent.atomic.AtomicLong swallowed = new java.util.concurrent.atomic.AtomicLong();

	private volatile boolean closed;

	private volatile boolean hung;

	private final Object hold = new Object();

	private TcpProxy(int targetPort) throws IOException {
		this.targetPort = targetPort;
		this.server = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
		Thread acceptor = new Thread(this::accept, "tcp-proxy-" + this.server.getLocalPort());
		acceptor.setDaemon(true);
		acceptor.start();
	}

	/**
	 * Forwards a new port to {@code targetPort} on 127.0.0.1.
	 * @param targetPort where to
	 * @return the proxy, listening
	 */
	public static TcpProxy to(int targetPort) {
		try {
			return new TcpProxy(targetPort);
		}
		catch (IOException ex) {
			throw new UncheckedIOException(ex);
		}
	}

	public int port() {
		return this.server.getLocalPort();
	}

	/** Drops every connection now, and every new one until {@link #restore()}. */
	public void cut() {
		this.cut = true;
		for (Socket socket : this.sockets) {
			closeQuietly(socket);
		}
		this.sockets.clear();
	}

	public void restore() {
		this.cut = false;
	}

	/**
	 * Drops what the target answers (the requests still reach it), as a connection that
	 * fails after the request went out does.
	 * @param swallow whether to drop the answers
	 */
	public void swallowReplies(boolean swallow) {
		this.swallowReplies = swallow;
	}

	/** Bytes of answers dropped so far. */
	public long swallowed() {
		return this.swallowed.get();
	}

	/**
	 * Stops forwarding without closing anything, as a network that silently drops packets
	 * does (no reset, no error): whatever is sent waits until {@link #resume()}.
	 */
	public void hang() {
		this.hung = true;
	}

	/** Forwards again what waited since {@link #hang()}. */
	public void resume() {
		synchronized (this.hold) {
			this.hung = false;
			this.hold.notifyAll();
		}
	}

	/** Drops every connection now; new ones are accepted. */
	public void dropConnections() {
		for (Socket socket : this.sockets) {
			closeQuietly(socket);
		}
		this.sockets.clear();
	}

	private void accept() {
		while (!this.closed) {
			Socket client;
			try {
				client = this.server.accept();
			}
			catch (IOException ex) {
				return;
			}
			if (this.cut) {
				closeQuietly(client);
				continue;
			}
			try {
				Socket target = new Socket(InetAddress.getLoopbackAddress(), this.targetPort);
				this.sockets.add(client);
				this.sockets.add(target);
				pipe(client, target, false);
				pipe(target, client, true);
			}
			catch (IOException ex) {
				closeQuietly(client);
			}
		}
	}

	private void pipe(Socket from, Socket to, boolean replies) {
		Thread thread = new Thread(() -> {
			byte[] buffer = new byte[16 * 1024];
			try (InputStream in = from.getInputStream(); OutputStream out = to.getOutputStream()) {
				int n;
				while ((n = in.read(buffer)) >= 0) {
					awaitNotHung();
					if (replies && this.swallowReplies) {
						this.swallowed.addAndGet(n);
						continue;
					}
					out.write(buffer, 0, n);
					out.flush();
				}
			}
			catch (IOException ex) {
				// one side is gone: so is the other
			}
			finally {
				closeQuietly(from);
				closeQuietly(to);
				this.sockets.remove(from);
				this.sockets.remove(to);
			}
		}, "tcp-proxy-pipe");
		thread.setDaemon(true);
		thread.start();
	}

	private void awaitNotHung() {
		synchronized (this.hold) {
			while (this.hung && !this.closed) {
				try {
					this.hold.wait(100);
				}
				catch (InterruptedException ex) {
					Thread.currentThread().interrupt();
					return;
				}
			}
		}
	}

	private static void closeQuietly(Socket socket) {
		try {
			socket.close();
		}
		catch (IOException ex) {
			// closing anyway
		}
	}

	@Override
	public void close() {
		this.closed = true;
		resume();
		cut();
		try {
			this.server.close();
		}
		catch (IOException ex) {
			// closing anyway
		}
	}

}
