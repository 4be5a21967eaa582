/**
 * The {@code sse} Actuator endpoint. Internal: configured by the auto-configuration.
 */
@NullMarked
package dev.sse.actuate;

import org.jspecify.annotations.NullMarked;
