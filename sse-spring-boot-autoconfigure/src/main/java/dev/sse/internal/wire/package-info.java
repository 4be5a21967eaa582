/**
 * The SSE wire format: turns events, comments and the opening of a stream into bytes,
 * with no I/O. Internal: not part of the starter's API.
 */
@NullMarked
package dev.sse.internal.wire;

import org.jspecify.annotations.NullMarked;
