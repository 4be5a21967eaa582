/**
 * The public API of the SSE starter: inject {@link dev.sse.SseService}, return the
 * {@link org.springframework.web.servlet.mvc.method.annotation.SseEmitter} it gives from
 * a controller, and write events through the {@link dev.sse.SseStream} handed to your
 * {@link dev.sse.SseCallback}. Everything outside this package is internal.
 */
@NullMarked
package dev.sse;

import org.jspecify.annotations.NullMarked;
