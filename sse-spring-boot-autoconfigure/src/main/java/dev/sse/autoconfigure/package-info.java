/**
 * Auto-configuration of the SSE starter and its {@code sse.*} properties.
 */
@NullMarked
package dev.sse.autoconfigure;

import org.jspecify.annotations.NullMarked;
