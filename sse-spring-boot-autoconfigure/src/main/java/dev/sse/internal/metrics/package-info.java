/**
 * Micrometer meters for SSE streams. Internal: configured by the auto-configuration.
 */
@NullMarked
package dev.sse.internal.metrics;

import org.jspecify.annotations.NullMarked;
