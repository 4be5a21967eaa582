/**
 * What applications implement or read: the broker that fans topics out
 * ({@link dev.sse.spi.SseBroker}), the converter of event data
 * ({@link dev.sse.spi.DataConverter}), listeners of streams' lives
 * ({@link dev.sse.spi.StreamListener}) with the enums they see, and the operator's view
 * of the open streams ({@link dev.sse.spi.SseStreams}).
 */
@NullMarked
package dev.sse.spi;

import org.jspecify.annotations.NullMarked;
