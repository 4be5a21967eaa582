package dev.sse.samples.security;

import java.util.Map;

import org.springframework.beans.factory.annotation.Value;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.context.annotation.Profile;
import org.springframework.http.HttpMethod;
import org.springframework.http.HttpStatus;
import org.springframework.security.authorization.AuthorizationDecision;
import org.springframework.security.config.Customizer;
import org.springframework.security.config.annotation.web.builders.HttpSecurity;
import org.springframework.security.core.userdetails.User;
import org.springframework.security.core.userdetails.UserDetails;
import org.springframework.security.core.userdetails.UserDetailsService;
import org.springframework.security.provisioning.InMemoryUserDetailsManager;
import org.springframework.security.web.SecurityFilterChain;
import org.springframework.security.web.authentication.HttpStatusEntryPoint;
import org.springframework.security.web.authentication.www.BasicAuthenticationFilter;
import org.springframework.security.web.servlet.util.matcher.PathPatternRequestMatcher;

/**
 * The samples behind Spring Security. Browsers log in with a form and their
 * {@code EventSource} sends the session cookie; other clients use HTTP Basic, or a
 * short-lived token in the {@code access_token} query parameter (an {@code EventSource}
 * cannot set headers). Every {@code /api/**} request is authenticated before any stream
 * opens: 401 without credentials, 403 for someone else's {@code user:{name}} topic (to
 * follow it or to publish into it; an admin may publish into any).
 */
@Configuration(proxyBeanMethods = false)
@Profile("secure")
class SecurityConfiguration {

	@Bean
	SecurityFilterChain samplesSecurity(HttpSecurity http, AccessTokens tokens) {
		PathPatternRequestMatcher.Builder path = PathPatternRequestMatcher.withDefaults();
		http.authorizeHttpRequests((requests) -> requests
			.requestMatchers("/style.css", "/samples.js", "/actuator/health", "/actuator/prometheus")
			.permitAll()
			// Per-user topics: only the user may follow them (any method: HEAD is served
			// by the GET handler).
			.requestMatchers(path.matcher("/api/notifications/stream"))
			.access((authentication, context) -> new AuthorizationDecision(
					authentication.get().getName().equals(context.getRequest().getParameter("user"))))
			// and only the user, or an admin, may publish into them.
			.requestMatchers(path.matcher(HttpMethod.POST, "/api/notifications"))
			.access((authentication, context) -> new AuthorizationDecision(
					authentication.get().getName().equals(context.getRequest().getParameter("user"))
							|| authentication.get()
								.getAuthorities()
								.stream()
								.anyMatch((authority) -> "ROLE_ADMIN".equals(authority.getAuthority()))))
			// Every Actuator write (the sse endpoint's DELETE among them) needs the admin
			// role.
			.requestMatchers(path.matcher(HttpMethod.DELETE, "/actuator/**"))
			.hasRole("ADMIN")
			.anyRequest()
			.authenticated())
			.formLogin(Customizer.withDefaults())
			.httpBasic(Customizer.withDefaults())
			.addFilterBefore(new AccessTokenFilter(tokens), BasicAuthenticationFilter.class)
			// API clients get a status, never the login page.
			.exceptionHandling((exceptions) -> exceptions.defaultAuthenticationEntryPointFor(
					new HttpStatusEntryPoint(HttpStatus.UNAUTHORIZED), path.matcher("/api/**")))
			// The pages send the token of the XSRF-TOKEN cookie; HTTP Basic clients need
			// none.
			.csrf((csrf) -> csrf.spa()
				.ignoringRequestMatchers((request) -> request.getHeader("Authorization") != null));
		return http.build();
	}

	/**
	 * Demo users, passwords from {@code samples.users} (name: password). Never in
	 * production: use your own {@code UserDetailsService}.
	 */
	@Bean
	UserDetailsService samplesUsers(@Value("#{${samples.users}}") Map<String, String> users) {
		InMemoryUserDetailsManager manager = new InMemoryUserDetailsManager();
		users.forEach((name, password) -> {
			UserDetails user = User.withUsername(name)
				.password("{noop}" + password)
				.roles(name.equals("admin") ? new String[] { "USER", "ADMIN" } : new String[] { "USER" })
				.build();
			manager.createUser(user);
		});
		return manager;
	}

}
