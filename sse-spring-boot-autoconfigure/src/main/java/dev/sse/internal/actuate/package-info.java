/**
 * The {@code sse} Actuator endpoint. Internal: configured by the auto-configuration.
 */
@NullMarked
package dev.sse.internal.actuate;

import org.jspecify.annotations.NullMarked;
