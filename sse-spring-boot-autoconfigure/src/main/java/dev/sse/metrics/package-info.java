/**
 * Micrometer meters for SSE streams. Internal: configured by the auto-configuration.
 */
@NullMarked
package dev.sse.metrics;

import org.jspecify.annotations.NullMarked;
