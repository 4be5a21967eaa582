package dev.sse.samples.security;

import java.io.IOException;
import java.util.List;

import jakarta.servlet.FilterChain;
import jakarta.servlet.ServletException;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;

import org.springframework.security.authentication.UsernamePasswordAuthenticationToken;
import org.springframework.security.core.authority.SimpleGrantedAuthority;
import org.springframework.security.core.context.SecurityContext;
import org.springframework.security.core.context.SecurityContextHolder;
import org.springframework.security.core.context.SecurityContextHolderStrategy;
import org.springframework.security.web.context.RequestAttributeSecurityContextRepository;
import org.springframework.security.web.context.SecurityContextRepository;
import org.springframework.web.filter.OncePerRequestFilter;

/**
 * Authenticates a request by its {@code access_token} query parameter (see
 * {@link AccessTokens}); an unknown or expired token is a 401. Written the way most
 * applications write such a filter: the authentication lives in the request thread's
 * security context only, and the filter does not run again on an ASYNC dispatch. With a
 * bare {@code SseEmitter} that is the "Access Denied ... response already committed" trap
 * when the stream ends (Spring dispatches the request again, unauthenticated); the
 * starter ends its streams without a second dispatch, so it does not arise. The starter
 * never logs the query string.
 */
class AccessTokenFilter extends OncePerRequestFilter {

	static final String PARAMETER = "access_token";

	private final AccessTokens tokens;

	private final SecurityContextHolderStrategy holder = SecurityContextHolder.getContextHolderStrategy();

	private final SecurityContextRepository repository = new RequestAttributeSecurityContextRepository();

	AccessTokenFilter(AccessTokens tokens) {
		this.tokens = tokens;
	}

	@Override
	protected void doFilterInternal(HttpServletRequest request, HttpServletResponse response, FilterChain chain)
			throws ServletException, IOException {
		String token = request.getParameter(PARAMETER);
		if (token == null || !"GET".equals(request.getMethod())) {
			chain.doFilter(request, response);
			return;
		}
		String user = this.tokens.user(token);
		if (user == null) {
			response.sendError(HttpServletResponse.SC_UNAUTHORIZED, "Unknown or expired access token");
			return;
		}
		SecurityContext context = this.holder.createEmptyContext();
		context.setAuthentication(UsernamePasswordAuthenticationToken.authenticated(user, null,
				List.of(new SimpleGrantedAuthority("ROLE_USER"))));
		this.holder.setContext(context);
		this.repository.saveContext(context, request, response);
		chain.doFilter(request, response);
	}

}
