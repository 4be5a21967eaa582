package dev.sse.autoconfigure;

import org.apache.catalina.connector.Connector;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import org.springframework.boot.tomcat.TomcatConnectorCustomizer;

/**
 * {@code sse.tomcat.lean-connections=true}: smaller per-connection socket buffers, and no
 * more closed connections kept for reuse than processors. Tomcat's defaults suit many
 * short requests; an SSE application holds many long connections and sees them come and
 * go in bursts:
 * <ul>
 * <li>each connection has an 8 KiB socket read buffer, and its request header buffer is
 * the header size plus that buffer again; a stream's request is one small GET, so 1 KiB
 * is read at a time (larger requests still work, in more reads;
 * {@code server.max-http-request-header-size} is untouched);</li>
 * <li>each has an 8 KiB socket write buffer; 4 KiB still holds a typical event or a burst
 * of small ones (larger writes take more passes, with the same result);</li>
 * <li>Tomcat keeps closed connections' channels for reuse, up to a share of the heap by
 * default, and each kept channel still references the request processor it last served
 * with all its buffers (about 100 KB): after a burst of 10,000 connections about 1 GB
 * stays on the heap. The cache is capped at {@code server.tomcat.processor-cache}.</li>
 * </ul>
 */
final class LeanTomcatConnections implements TomcatConnectorCustomizer {

	static final int READ_BUFFER = 1024;

	static final int WRITE_BUFFER = 4096;

	private static final Logger log = LoggerFactory.getLogger(LeanTomcatConnections.class);

	private final int processorCache;

	/**
	 * @param processorCache {@code server.tomcat.processor-cache} (-1: unlimited), read
	 * from the environment: Boot applies it to the connector after this customizer runs
	 */
	LeanTomcatConnections(int processorCache) {
		this.processorCache = processorCache;
	}

	@Override
	public void customize(Connector connector) {
		int cached = (this.processorCache < 0) ? -1 : this.processorCache;
		boolean applied = connector.setProperty("socket.appReadBufSize", Integer.toString(READ_BUFFER))
				& connector.setProperty("socket.appWriteBufSize", Integer.toString(WRITE_BUFFER))
				& connector.setProperty("socket.bufferPool", Integer.toString(cached));
		if (!applied) {
			log.warn("sse.tomcat.lean-connections: Tomcat's connector {} did not take every setting", connector);
		}
	}

}
