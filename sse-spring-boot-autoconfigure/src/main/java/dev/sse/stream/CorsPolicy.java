package dev.sse.stream;

import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

import org.jspecify.annotations.Nullable;

import org.springframework.http.HttpHeaders;

/**
 * The CORS headers of a stream, from its {@code cors} option and the request's {@code Origin}.
 *
 * <ul>
 * <li>{@code ""}: none.</li>
 * <li>{@code "*"}: {@code Access-Control-Allow-Origin: *}, never with credentials (browsers refuse
 * that pair).</li>
 * <li>A comma-separated list of origins: a matching {@code Origin} is echoed, with credentials
 * allowed; otherwise no CORS headers. {@code Vary: Origin} either way, so caches keep them
 * apart.</li>
 * </ul>
 */
final class CorsPolicy {

    private CorsPolicy() {
    }

    static Map<String, String> headers(String cors, @Nullable String origin) {
        String trimmed = cors.trim();
        if (trimmed.isEmpty()) {
            return Map.of();
        }
        List<String> allowed = Arrays.stream(trimmed.split(",")).map(String::trim).filter(s -> !s.isEmpty()).toList();
        if (allowed.contains("*")) {
            return Map.of(HttpHeaders.ACCESS_CONTROL_ALLOW_ORIGIN, "*");
        }
        Map<String, String> headers = new LinkedHashMap<>();
        if (origin != null && allowed.stream().anyMatch(a -> sameOrigin(a, origin))) {
            headers.put(HttpHeaders.ACCESS_CONTROL_ALLOW_ORIGIN, origin);
            headers.put(HttpHeaders.ACCESS_CONTROL_ALLOW_CREDENTIALS, "true");
        }
        headers.put(HttpHeaders.VARY, HttpHeaders.ORIGIN);
        return headers;
    }

    private static boolean sameOrigin(String allowed, String origin) {
        return stripSlash(allowed).toLowerCase(Locale.ROOT).equals(stripSlash(origin).toLowerCase(Locale.ROOT));
    }

    private static String stripSlash(String value) {
        return value.endsWith("/") ? value.substring(0, value.length() - 1) : value;
    }
}
