/**
 * A stream's life: opening it on the request, running its callback, keep-alive and
 * disconnect probes, timeouts and shutdown. Internal: not part of the starter's API.
 */
@NullMarked
package dev.sse.internal.stream;

import org.jspecify.annotations.NullMarked;
