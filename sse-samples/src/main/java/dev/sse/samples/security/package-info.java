/**
 * The samples behind Spring Security ({@code --spring.profiles.active=secure}): who may
 * open which stream, decided before any stream opens.
 */
@NullMarked
package dev.sse.samples.security;

import org.jspecify.annotations.NullMarked;
