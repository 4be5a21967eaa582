package dev.sse.samples.security;

import java.security.Principal;
import java.util.Map;

import dev.sse.SseOptions;
import dev.sse.SseService;

import org.springframework.context.annotation.Profile;
import org.springframework.security.core.Authentication;
import org.springframework.security.core.context.SecurityContextHolder;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;
import org.springframework.web.servlet.mvc.method.annotation.SseEmitter;

/**
 * The authenticated user, seen from inside a stream's callback (sync: the request thread;
 * async: the starter's executor, where the starter carries the security context), and the
 * tokens an {@code EventSource} puts in its URL.
 */
@RestController
@Profile("secure")
class WhoAmIController {

	private final SseService sse;

	private final AccessTokens tokens;

	WhoAmIController(SseService sse, AccessTokens tokens) {
		this.sse = sse;
		this.tokens = tokens;
	}

	@GetMapping("/api/whoami")
	SseEmitter whoami(@RequestParam(defaultValue = "false") boolean async, Principal principal) {
		return this.sse.stream(SseOptions.defaults().async(async), (stream) -> {
			Authentication callbackUser = SecurityContextHolder.getContext().getAuthentication();
			stream.send(Map.of("principal", principal.getName(), "callback",
					(callbackUser != null) ? callbackUser.getName() : "(none)", "thread",
					Thread.currentThread().getName()), "whoami");
			stream.close();
		});
	}

	@PostMapping("/api/token")
	Map<String, Object> token(Principal principal) {
		return Map.of("token", this.tokens.issue(principal.getName()), "expiresInSeconds",
				AccessTokens.LIFETIME.toSeconds());
	}

}
